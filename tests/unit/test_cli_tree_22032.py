"""The 22.3.2 command tree, walked command by command and option by option
(``reference/cli-tree-22.3.2.txt``), and the 22.3.2 behaviours of single commands whose shape
used to differ: ``vfolder invitations``, ``admin announcement update -m``, the domain/group
slot and host options, ``scaling-group update -i``, ``usage-per-period GROUP ...``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import click
import pytest
import respx
from click.testing import CliRunner, Result

from ai_backend_client.cli.main import cli
from tests.conftest import SHARED
from tests.drift_server import DriftServer, drift_server

TREE = SHARED / "reference" / "cli-tree-22.3.2.txt"


@dataclass
class TreeOption:
    names: list[str]
    kinds: list[str]


@dataclass
class TreeCommand:
    path: tuple[str, ...]
    options: list[TreeOption] = field(default_factory=lambda: [])
    arguments: list[tuple[str, bool]] = field(default_factory=lambda: [])  # (name, optional)


def _tree() -> list[TreeCommand]:
    commands: list[TreeCommand] = []
    for line in TREE.read_text().splitlines():
        if line.startswith("## "):
            commands.append(TreeCommand(tuple(line[3:].split("  -- ")[0].split()[1:])))
        elif m := re.match(r"\s+OPT (\S+) \[([^\]]*)\]", line):
            commands[-1].options.append(TreeOption(m.group(1).split("/"), m.group(2).split(",")))
        elif m := re.match(r"\s+ARG (\S+)( \(optional\))?", line):
            commands[-1].arguments.append((m.group(1), bool(m.group(2))))
    return commands


TREE_COMMANDS = _tree()


def _resolve(path: tuple[str, ...]) -> click.Command | None:
    ctx = click.Context(cli, info_name="backend.ai")
    command: click.Command = cli
    for name in path:
        if not isinstance(command, click.Group):
            return None
        sub = command.get_command(ctx, name)
        if sub is None:
            return None
        ctx = click.Context(sub, info_name=name, parent=ctx)
        command = sub
    return command


def test_the_tree_file_is_the_whole_22_3_2_tree() -> None:
    assert len(TREE_COMMANDS) == 171
    assert sum(len(c.options) for c in TREE_COMMANDS) == 356


@pytest.mark.parametrize(
    "command", TREE_COMMANDS, ids=[" ".join(c.path) or "backend.ai" for c in TREE_COMMANDS]
)
def test_every_22_3_2_command_and_option_is_accepted(command: TreeCommand) -> None:
    ours = _resolve(command.path)
    assert ours is not None, f"no command 'backend.ai {' '.join(command.path)}'"
    help_text = CliRunner().invoke(cli, [*command.path, "--help"]).output
    params = {
        name: p
        for p in ours.params
        if isinstance(p, click.Option)
        for name in (*p.opts, *p.secondary_opts)
    }
    for option in command.options:
        for name in option.names:
            param = params.get(name)
            assert param is not None, f"{' '.join(command.path)}: no option {name}"
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", help_text), (
                f"{' '.join(command.path)} --help does not list {name}"
            )
            # a 22.3.2 flag is a flag here too, a value option takes a value, multiple stays so
            assert param.is_flag == ("flag" in option.kinds), f"{name}: flag or not"
            if "multiple" in option.kinds:
                assert param.multiple, f"{name} can be given several times in 22.3.2"
    # a 22.3.2 invocation with one value for each argument parses here
    arguments = [p for p in ours.params if isinstance(p, click.Argument)]
    least = sum(1 for p in arguments if p.required)
    most = (
        float("inf") if any(p.nargs == -1 for p in arguments) else sum(p.nargs for p in arguments)
    )
    assert least <= len(command.arguments) <= most, (command.arguments, arguments)


# -- single commands ---------------------------------------------------------------------------
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture
def drift(monkeypatch: pytest.MonkeyPatch) -> Iterator[DriftServer]:
    with drift_server() as server:
        monkeypatch.setenv("BACKEND_ENDPOINT", server.url)
        monkeypatch.setenv("BACKEND_ACCESS_KEY", ACCESS_KEY)
        monkeypatch.setenv("BACKEND_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        yield server


def _cli(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


shows_warnings = pytest.mark.filterwarnings(
    "always::ai_backend_client.exceptions.ResponseValidationWarning"
)


@shows_warnings
def test_invitations_lists_then_accepts_the_chosen_one(lenient: None, drift: DriftServer) -> None:
    second = drift.invitations[1]["id"]
    result = _cli("vfolder", "invitations", input="2\na\n")
    assert result.exit_code == 0, result.output
    assert "team-data" in result.stdout and "papers" in result.stdout
    assert "read-write" in result.stdout and "read-only" in result.stdout
    assert "Choose invitation number" in result.stderr
    assert f"You can now access the virtual folder papers ({second})" in result.stderr
    (accept,) = drift.calls("POST", "/folders/invitations/accept")
    assert accept.body == {"inv_id": second}
    assert [i["vfolder_name"] for i in drift.invitations] == ["team-data"]


@shows_warnings
def test_invitations_rejects_cancels_or_only_lists(lenient: None, drift: DriftServer) -> None:
    first = drift.invitations[0]["id"]
    result = _cli("vfolder", "invitations", input="1\nx\nc\n")  # asks again, then cancels
    assert result.exit_code == 0 and "Cancelled." in result.stderr
    assert result.stderr.count("Choose action") == 2
    result = _cli("vfolder", "invitations", input="")  # nothing on stdin: only the list
    assert result.exit_code == 0 and "team-data" in result.stdout
    result = _cli("vfolder", "invitations", input="7\n")
    assert result.exit_code == 1 and "no invitation number 7" in result.stderr
    result = _cli("--output", "json", "vfolder", "invitations", input="1\na\n")
    assert result.exit_code == 0 and json.loads(result.stdout)["count"] == 2  # never asks
    assert not drift.calls("POST", "/folders/invitations/accept")
    result = _cli("vfolder", "invitations", input="1\nr\n")
    assert result.exit_code == 0, result.output
    assert "Rejected the invitation to team-data" in result.stderr
    (reject,) = drift.calls("POST", "/folders/invitations/delete")
    assert reject.body == {"inv_id": first}
    # the non-interactive commands stay
    result = _cli("vfolder", "accept-invitation", drift.invitations[0]["id"])
    assert result.exit_code == 0 and drift.invitations == []
    result = _cli("vfolder", "invitations")
    assert result.exit_code == 0 and "No invitations." in result.stderr


EP = "http://mock.test"


@pytest.fixture
def mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("BACKEND_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    with respx.mock(base_url=EP, assert_all_called=False) as router:
        router.get("/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
        router.get("/manager/announcement").respond(json={"enabled": False, "message": ""})
        yield router


def _body(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


def test_announcement_update_takes_m_message_an_argument_or_the_editor(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = mock.post("/manager/announcement").respond(204)
    assert _cli("admin", "announcement", "update", "-m", "Maintenance at 9").exit_code == 0
    assert _body(route) == {"enabled": True, "message": "Maintenance at 9"}
    assert _cli("admin", "announcement", "update", "--message", "B").exit_code == 0
    assert _body(route)["message"] == "B"
    assert _cli("admin", "announcement", "update", "C").exit_code == 0
    assert _body(route)["message"] == "C"
    edited: list[str | None] = ["<!-- x -->\n**New** release\n", None]

    def editor(text: str) -> str | None:
        assert "Markdown" in text
        return edited.pop(0)

    monkeypatch.setattr(click, "edit", editor)
    assert _cli("admin", "announcement", "update").exit_code == 0
    assert "**New** release" in _body(route)["message"]
    result = _cli("admin", "announcement", "update")  # the editor closed without saving
    assert result.exit_code == 1 and "Cancelled" in result.stderr
    assert route.call_count == 4
    result = _cli("admin", "announcement", "update", "-m", "x", "y")
    assert result.exit_code == 2


def test_domain_and_group_slot_and_host_options(mock: respx.MockRouter) -> None:
    gql = mock.post("/admin/gql").respond(
        json={
            "data": {
                "create_domain": {"ok": True, "msg": "ok", "domain": {"name": "d1"}},
                "modify_group": {"ok": True, "msg": "ok"},
            }
        }
    )
    result = _cli(
        "admin",
        "domain",
        "add",
        "d1",
        "--total-resource-slots",
        '{"cpu": "8"}',
        "--allowed-vfolder-hosts",
        "local:volume1",
        "--allowed-vfolder-hosts",
        "nfs:home",
        "--allowed-docker-registries",
        "cr.backend.ai",
    )
    assert result.exit_code == 0, result.output
    props = _body(gql)["variables"]["props"]
    assert json.loads(props["total_resource_slots"]) == {"cpu": "8"}
    hosts = json.loads(props["allowed_vfolder_hosts"])  # 24.09: host -> permissions
    assert sorted(hosts) == ["local:volume1", "nfs:home"]
    assert "mount-in-session" in hosts["nfs:home"]
    assert props["allowed_docker_registries"] == ["cr.backend.ai"]
    gid = "2de2b969-1d04-48a6-af16-0bc8adb3c831"
    mapping = '{"local:volume1": ["download-file"]}'
    result = _cli("admin", "group", "update", gid, "--allowed-vfolder-hosts", mapping)
    assert result.exit_code == 0, result.output
    assert json.loads(_body(gql)["variables"]["props"]["allowed_vfolder_hosts"]) == {
        "local:volume1": ["download-file"]
    }
    result = _cli("admin", "group", "update", gid, "--total-resource-slots", "not json")
    assert result.exit_code == 2 and "not JSON" in result.output


def test_scaling_group_inactive_keypair_rate_limit_and_usage_per_period(
    mock: respx.MockRouter,
) -> None:
    gql = mock.post("/admin/gql").respond(
        json={
            "data": {
                "modify_scaling_group": {"ok": True, "msg": "ok"},
                "modify_keypair": {"ok": True, "msg": "ok"},
            }
        }
    )
    assert _cli("admin", "scaling-group", "update", "sg1", "-i").exit_code == 0
    assert _body(gql)["variables"]["props"]["is_active"] is False
    assert _cli("admin", "keypair", "update", ACCESS_KEY, "-r", "100").exit_code == 0
    assert _body(gql)["variables"]["props"]["rate_limit"] == 100
    usage = mock.get("/resource/usage/period").respond(json=[])
    result = _cli("admin", "resource", "usage-per-period", "g1", "20240101", "20240131")
    assert result.exit_code == 0, result.output
    params = usage.calls.last.request.url.params
    assert params["project_id"] == "g1" and params["start_date"] == "20240101"  # v8's name
    result = _cli("admin", "resource", "usage-per-period", "20240101", "20240131")
    assert result.exit_code == 0 and "project_id" not in usage.calls.last.request.url.params
