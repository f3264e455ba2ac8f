"""``backend.ai ssh`` / ``scp``: argv building, the key/proxy/run flow with fakes, errors."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
import respx
from click.testing import CliRunner

from ai_backend_client.cli import ssh as ssh_mod
from ai_backend_client.cli._output import CLIContext, CLIError
from ai_backend_client.cli.main import cli

EP = "http://127.0.0.1:8091"
SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]


def test_ssh_command() -> None:
    assert ssh_mod.ssh_command(9922, Path("/k/id"), ["-v", "uname", "-a"]) == [
        "ssh", "-p", "9922", "-i", "/k/id", *SSH_OPTS, "work@localhost", "-v", "uname", "-a",
    ]  # fmt: skip


def test_scp_command_puts_options_before_the_operands() -> None:
    argv = ssh_mod.scp_command(
        1234, "/k/id", "a.txt", "work@localhost:b/", recursive=True, extra=["-C"]
    )
    assert argv == [
        "scp", "-P", "1234", "-i", "/k/id", *SSH_OPTS, "-r", "-C", "a.txt", "work@localhost:b/",
    ]  # fmt: skip
    assert "-r" not in ssh_mod.scp_command(1, "k", "a", "b")


class FakeProxy:
    instances: ClassVar[list[FakeProxy]] = []

    def __init__(self, api: Any, session_ref: str, app: str, **kw: Any) -> None:
        self.args = (session_ref, app, kw)
        self.port = 40001 if kw["port"] == 0 else kw["port"]
        self.open = False
        FakeProxy.instances.append(self)

    async def __aenter__(self) -> FakeProxy:
        self.open = True
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.open = False


def _fake_api(apps: list[str], key: bytes | None = b"PRIVATE KEY") -> Any:
    downloads: list[tuple[list[str], Path]] = []

    class CS:
        def __init__(self, ref: str) -> None:
            self.ref = ref

        async def stream_app_info(self) -> list[dict[str, Any]]:
            return [{"name": a, "protocol": "tcp"} for a in apps]

        async def download(self, files: list[str], dest: Path) -> Any:
            downloads.append((files, dest))
            if key is None:
                return SimpleNamespace(file_names=[])
            (dest / "id_container").write_bytes(key)
            return SimpleNamespace(file_names=["id_container"])

    return SimpleNamespace(ComputeSession=CS, downloads=downloads)


@pytest.fixture
def fake_proxy(monkeypatch: pytest.MonkeyPatch) -> type[FakeProxy]:
    import ai_backend_client.streams

    FakeProxy.instances = []
    monkeypatch.setattr(ai_backend_client.streams, "serve_app_proxy", FakeProxy)
    return FakeProxy


def test_flow_fetches_the_key_proxies_runs_and_cleans_up(fake_proxy: type[FakeProxy]) -> None:
    api = _fake_api(["jupyter", "sshd"])
    seen: dict[str, Any] = {}

    async def runner(argv: Sequence[str]) -> int:
        key = Path(argv[argv.index("-i") + 1])
        seen["argv"] = list(argv)
        seen["key"] = key
        seen["key_bytes"] = key.read_bytes()
        seen["mode"] = stat.S_IMODE(key.stat().st_mode)
        seen["dir_mode"] = stat.S_IMODE(key.parent.stat().st_mode)
        seen["proxy_open"] = fake_proxy.instances[0].open
        return 3

    code = asyncio.run(
        ssh_mod.run_through_sshd(
            api, "s1", 0, lambda port, key: ssh_mod.ssh_command(port, key), runner=runner
        )
    )
    assert code == 3
    assert api.downloads[0][0] == ["id_container"]
    assert seen["argv"][:3] == ["ssh", "-p", "40001"]
    assert seen["key_bytes"] == b"PRIVATE KEY" and seen["mode"] == 0o600
    assert seen["dir_mode"] == 0o700 and seen["proxy_open"] is True
    assert fake_proxy.instances[0].args == (
        "s1",
        "sshd",
        {"host": "127.0.0.1", "port": 0, "protocol": "tcp"},
    )
    assert not seen["key"].exists() and not seen["key"].parent.exists()
    assert fake_proxy.instances[0].open is False


def test_flow_cleans_up_when_the_runner_fails(fake_proxy: type[FakeProxy]) -> None:
    keys: list[Path] = []

    async def runner(argv: Sequence[str]) -> int:
        keys.append(Path(argv[argv.index("-i") + 1]))
        raise CLIError("ssh is not installed")

    with pytest.raises(CLIError):
        asyncio.run(
            ssh_mod.run_through_sshd(
                _fake_api(["sshd"]), "s1", 9922, ssh_mod.ssh_command, runner=runner
            )
        )
    assert keys and not keys[0].parent.exists()


def test_flow_without_sshd_or_key(fake_proxy: type[FakeProxy]) -> None:
    async def runner(argv: Sequence[str]) -> int:
        raise AssertionError("must not run")

    with pytest.raises(CLIError, match="no such app service: 'sshd' \\(available: jupyter\\)"):
        asyncio.run(
            ssh_mod.run_through_sshd(
                _fake_api(["jupyter"]), "s1", 1, ssh_mod.ssh_command, runner=runner
            )
        )
    with pytest.raises(CLIError, match="did not send its SSH key"):
        asyncio.run(
            ssh_mod.run_through_sshd(
                _fake_api(["sshd"], key=None), "s1", 1, ssh_mod.ssh_command, runner=runner
            )
        )
    assert not fake_proxy.instances


def test_real_process_runner_returns_the_exit_status() -> None:
    import sys

    assert asyncio.run(ssh_mod._run_process([sys.executable, "-c", "raise SystemExit(7)"])) == 7
    with pytest.raises(CLIError, match="not installed"):
        asyncio.run(ssh_mod._run_process(["no-such-program-xyz"]))


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The commands run the flow with a dummy session; this records what they asked for."""
    calls: dict[str, Any] = {}

    class DummySession:
        async def __aenter__(self) -> DummySession:
            return self

        async def __aexit__(self, *exc: object) -> None:
            return None

    async def fake_flow(api: Any, ref: str, port: int, build: Any, **kw: Any) -> int:
        calls.update(ref=ref, port=port, argv=build(port, Path("/tmp/key")))
        return 42

    monkeypatch.setattr(CLIContext, "async_session", lambda self: DummySession())
    monkeypatch.setattr(ssh_mod, "run_through_sshd", fake_flow)
    return calls


@pytest.mark.parametrize("prefix", [["ssh"], ["session", "ssh"]])
def test_ssh_command_passes_extra_args_and_the_exit_status(
    captured: dict[str, Any], prefix: list[str]
) -> None:
    result = CliRunner().invoke(cli, [*prefix, "s1", "-p", "2222", "-v", "--", "uname", "-a"])
    assert result.exit_code == 42, result.output
    assert captured["ref"] == "s1" and captured["port"] == 2222
    assert captured["argv"][-4:] == ["work@localhost", "-v", "uname", "-a"]


@pytest.mark.parametrize("prefix", [["scp"], ["session", "scp"]])
def test_scp_command(captured: dict[str, Any], prefix: list[str]) -> None:
    result = CliRunner().invoke(cli, [*prefix, "s1", "-r", "a/", "work@localhost:b/", "-C"])
    assert result.exit_code == 42, result.output
    assert captured["port"] == 9922
    assert captured["argv"][:3] == ["scp", "-P", "9922"]
    assert captured["argv"][-4:] == ["-r", "-C", "a/", "work@localhost:b/"]


@respx.mock
def test_unknown_session_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
    respx.get(f"{EP}/manager/announcement").respond(json={"enabled": False, "message": ""})
    respx.get(f"{EP}/stream/session/nope/apps").respond(
        404,
        json={
            "type": "https://api.backend.ai/probs/session-not-found",
            "title": "No such session.",
        },
    )
    result = CliRunner().invoke(cli, ["ssh", "nope"])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "404" in lines[0] and "No such session" in lines[0]
