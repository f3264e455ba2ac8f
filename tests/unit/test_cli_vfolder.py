"""``backend.ai vfolder`` / ``dotfile``: output modes, exit codes, nothing sent on bad local input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import respx
from click.testing import CliRunner

from ai_backend_client.cli.main import cli

EP = "http://manager.test"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIATEST")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "secret")


def probe() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})


@respx.mock
def test_ls_json_and_console() -> None:
    probe()
    respx.get(f"{EP}/folders/data/files").respond(
        json={
            "items": [
                {
                    "name": "a.txt",
                    "type": "FILE",
                    "size": 3,
                    "mode": "644",
                    "modified": "t",
                    "created": "t",
                }
            ],
            "files": "[]",
        }
    )
    result = CliRunner().invoke(cli, ["--output", "json", "vfolder", "ls", "data", "sub"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 1 and data["items"][0]["name"] == "a.txt"
    result = CliRunner().invoke(cli, ["vfolder", "ls", "data"])
    assert result.exit_code == 0 and "a.txt" in result.stdout


@respx.mock
def test_server_error_is_one_line_and_exit_1() -> None:
    probe()
    respx.get(f"{EP}/folders/nope").respond(
        404,
        json={
            "type": "https://api.backend.ai/probs/object-not-found",
            "title": "No such virtual folder.",
        },
    )
    result = CliRunner().invoke(cli, ["vfolder", "info", "nope"])
    assert result.exit_code == 1
    assert "No such virtual folder" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@respx.mock
def test_upload_missing_local_file_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    route = respx.post(f"{EP}/folders/data/request-upload")
    result = CliRunner().invoke(
        cli, ["--output", "json", "vfolder", "upload", "data", "missing.bin"]
    )
    assert result.exit_code == 1
    assert "no such file" in json.loads(result.stdout)["error"]["message"]
    assert not route.called


@respx.mock
def test_download_escape_and_existing_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.txt").write_text("mine")
    probe()
    result = CliRunner().invoke(cli, ["vfolder", "download", "data", "../../etc/passwd"])
    assert result.exit_code == 1 and "escapes" in result.stderr
    result = CliRunner().invoke(cli, ["vfolder", "download", "data", "x.txt"])
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert (tmp_path / "x.txt").read_text() == "mine"


@respx.mock
def test_cp_of_two_sources_with_one_name_is_refused_before_sending(tmp_path: Path) -> None:
    probe()
    folders = respx.route(path__startswith="/folders/")
    out = tmp_path / "out"
    args = ["vfolder", "cp", "data:a/x.txt", "data:b/x.txt", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "'a/x.txt' and 'b/x.txt' would both be downloaded to" in line
    assert not folders.called and not out.exists()


def test_bad_chunk_size_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["vfolder", "upload", "data", "f", "--chunk-size", "lots"])
    assert result.exit_code == 2


@respx.mock
def test_dotfile_create_from_stdin_and_get(tmp_path: Path) -> None:
    probe()
    create = respx.post(f"{EP}/user-config/dotfiles").respond(json={})
    respx.get(f"{EP}/user-config/dotfiles").respond(
        json={"path": ".vimrc", "perm": "644", "data": "set nu\n"}
    )
    result = CliRunner().invoke(
        cli, ["dotfile", "create", ".vimrc", "--perm", "644"], input="set nu\n"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(create.calls[0].request.content) == {
        "data": "set nu\n",
        "path": ".vimrc",
        "permission": "644",
    }
    result = CliRunner().invoke(cli, ["dotfile", "get", ".vimrc"])
    assert result.stdout == "set nu\n"
