"""docs/cli-json.md is what ``python -m codegen.cli_json`` renders from the CLI's code, and the
commands print what it says (respx answers here; tests/integration checks real servers)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import click
import pytest
import respx
from click.testing import CliRunner

from ai_backend_client.cli._output import emit_json, emit_list
from ai_backend_client.cli.main import cli
from codegen import cli_json

EP = "http://manager.test"


def test_page_is_current() -> None:
    assert cli_json.main(["--check"]) == 0, "docs/cli-json.md is stale: python -m codegen.cli_json"


def test_every_command_is_on_the_page() -> None:
    page = cli_json.PAGE.read_text(encoding="utf-8")
    for path in ("vfolder list-hosts", "admin vfolder list-hosts", "ps", "run", "completion"):
        assert f"| `backend.ai {path}` |" in page
    assert "`default`, `allowed`, `volume_info`" in page  # list-hosts has its keys named


@pytest.fixture
def extra() -> Iterator[click.Group]:
    """A scratch group on the root command, removed after the test."""
    group = click.Group("scratch")
    cli.add_command(group)
    cli_json.command_shapes.cache_clear()
    yield group
    cli.commands.pop("scratch", None)
    cli_json.command_shapes.cache_clear()


def test_a_command_of_unknown_shape_is_an_error(extra: click.Group) -> None:
    @extra.command(name="raw")
    def raw() -> None:
        emit_json(dict(a=1))  # not a literal object: the generator cannot see its keys

    with pytest.raises(SystemExit, match=r"describe them in DESCRIBED:\n  scratch raw: "):
        cli_json.command_shapes()


COLS = [("name", "Name"), ("size_bytes", "Size")]


def test_column_constants_and_json_branches_are_read(extra: click.Group) -> None:
    @extra.command(name="listing")
    def listing() -> None:
        from ai_backend_client.cli._output import current

        if not current().json:
            emit_list([], [("human_only", "H")])
            return
        emit_list([], COLS)

    shapes = cli_json.command_shapes()["scratch listing"]
    assert [(s.kind, s.keys) for s in shapes] == [("list", ["name", "size_bytes"])]
    assert cli_json.mismatch("scratch listing", {"count": 0, "total_count": 0, "items": []}) is None
    bad = {"count": 1, "total_count": 1, "items": [{"name": "x"}]}
    assert "fits none of" in (cli_json.mismatch("scratch listing", bad) or "")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIATEST")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "secret")


def _json(*args: str) -> Any:
    result = CliRunner().invoke(cli, ["--output", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@respx.mock
def test_outputs_fit_the_page(env: None) -> None:
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
    respx.get(f"{EP}/folders/_/hosts").respond(
        json={
            "default": "local:volume1",
            "allowed": ["local:volume1"],
            "volume_info": {"local:volume1": {"backend": "vfs", "capabilities": ["quota"]}},
        }
    )
    respx.get(f"{EP}/folders/_/all-hosts").respond(
        json={"default": "local:volume1", "allowed": ["local:volume1", "nfs:x"]}
    )
    respx.get(f"{EP}/folders/_/allowed-types").respond(json=["user", "group"])
    respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"scaling_groups": [{"name": "default", "driver": "static"}]}}
    )
    checked = {
        ("vfolder", "list-hosts"): _json("vfolder", "list-hosts"),
        ("admin", "vfolder", "list-hosts"): _json("admin", "vfolder", "list-hosts"),
        ("vfolder", "list-allowed-types"): _json("vfolder", "list-allowed-types"),
        ("admin", "scaling-group", "list"): _json("admin", "scaling-group", "list"),
    }
    hosts = checked[("vfolder", "list-hosts")]
    assert hosts["volume_info"]["local:volume1"]["backend"] == "vfs"
    for path, output in checked.items():
        assert cli_json.mismatch(" ".join(path), output) is None
