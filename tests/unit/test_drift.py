"""The seed's function classes and the core CLI commands against a server whose answers drift
from the spec (``tests/drift_server.py``, a real HTTP server on loopback): they succeed when
answers are read leniently (the default) and fail with strict_responses, so the suites, which run
strict, still notice drift."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ai_backend_client import APIConfig, AsyncSession, Session
from ai_backend_client._base_client import MalformedResponseError
from ai_backend_client.cli.main import cli
from ai_backend_client.exceptions import ResponseValidationWarning
from tests.drift_server import DriftServer, drift_server

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESS = "drift-sess"
FOLDER = "shared-data"
V6, V8 = "v6.20220315", "v8.20240915"


@pytest.fixture(params=[V8, V6])
def drift(request: pytest.FixtureRequest) -> Iterator[DriftServer]:
    with drift_server(request.param) as server:
        server.add_session(SESS)
        yield server


def _config(drift: DriftServer, *, strict: bool) -> APIConfig:
    return APIConfig(
        endpoint=drift.url,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        strict_responses=strict,
    )


#: (name, call, whether its answer can differ from the model at all on v8 / on v6)
SeedCall = tuple[str, Callable[[Session], Any], bool, bool]
SEED_CALLS: list[SeedCall] = [
    ("ComputeSession.hello", lambda api: api.ComputeSession.hello(), True, True),
    (
        "ComputeSession.get_or_create",
        lambda api: api.ComputeSession.get_or_create("python", name="drift-new"),
        True,
        True,
    ),
    ("ComputeSession.get_info", lambda api: api.ComputeSession(SESS).get_info(), True, True),
    (
        "ComputeSession.execute",
        lambda api: api.ComputeSession(SESS).execute(None, 'print("hi")', mode="query"),
        True,
        True,
    ),
    ("ComputeSession.get_logs", lambda api: api.ComputeSession(SESS).get_logs(), True, True),
    ("ComputeSession.list_files", lambda api: api.ComputeSession(SESS).list_files(), True, True),
    ("ComputeSession.complete", lambda api: api.ComputeSession(SESS).complete("pri"), True, True),
    (
        "ComputeSession.stream_app_info",
        lambda api: api.ComputeSession(SESS).stream_app_info(),
        True,
        True,
    ),
    (
        "ComputeSession.paginated_list",
        lambda api: api.ComputeSession.paginated_list(),
        True,
        True,
    ),
    # the destroy statistics are an object in the public (newest) model
    ("ComputeSession.destroy", lambda api: api.ComputeSession(SESS).destroy(), True, True),
    ("VFolder.create", lambda api: api.VFolder.create("newf"), True, True),
    ("VFolder.list", lambda api: api.VFolder.list(), True, True),
    ("VFolder.list_hosts", lambda api: api.VFolder.list_hosts(), True, True),
    ("VFolder.list_all_hosts", lambda api: api.VFolder.list_all_hosts(), True, True),
    ("VFolder.list_allowed_types", lambda api: api.VFolder.list_allowed_types(), True, True),
    ("VFolder.info", lambda api: api.VFolder(FOLDER).info(), True, True),
    ("VFolder.list_files", lambda api: api.VFolder(FOLDER).list_files("."), True, True),
    # the 22.03 manager answers mkdir without a body
    ("VFolder.mkdir", lambda api: api.VFolder(FOLDER).mkdir("d1"), True, False),
    ("VFolder.invitations", lambda api: api.VFolder.invitations(), True, True),
    ("KeyPair.info", lambda api: api.KeyPair(ACCESS_KEY).info(), True, True),
    ("KeyPair.list", lambda api: api.KeyPair.list(), True, True),
    ("KeyPair.create", lambda api: api.KeyPair.create("user@lablup.com"), True, True),
    ("Agent.paginated_list", lambda api: api.Agent.paginated_list(), True, True),
    ("Agent.detail", lambda api: api.Agent.detail("i-dummy-agent"), True, True),
    ("Image.list", lambda api: api.Image.list(), True, True),
    ("Storage.paginated_list", lambda api: api.Storage.paginated_list(), True, True),
    ("Storage.detail", lambda api: api.Storage.detail("local:volume1"), True, True),
    ("Manager.status", lambda api: api.Manager.status(), True, True),
    ("Manager.get_announcement", lambda api: api.Manager.get_announcement(), True, True),
    ("Resource.list", lambda api: api.Resource.list(), True, True),
    ("Resource.check_presets", lambda api: api.Resource.check_presets(), True, True),
    (
        "ScalingGroup.list_available",
        lambda api: api.ScalingGroup.list_available(group="default"),
        True,
        True,
    ),
    ("Domain.list", lambda api: api.Domain.list(), True, True),
    ("Group.list", lambda api: api.Group.list("default"), True, True),
    ("User.list", lambda api: api.User.list(), True, True),
    ("KeyPairResourcePolicy.list", lambda api: api.KeyPairResourcePolicy.list(), True, True),
    (
        "SessionTemplate.list_templates",
        lambda api: api.SessionTemplate.list_templates(),
        True,
        True,
    ),
    ("Dotfile.list_dotfiles", lambda api: api.Dotfile.list_dotfiles(), True, True),
    ("System.get_versions", lambda api: api.System.get_versions(), True, True),
]


@pytest.mark.parametrize("call", SEED_CALLS, ids=[c[0] for c in SEED_CALLS])
def test_seed_call_succeeds_leniently_and_fails_strictly(
    lenient: None, drift: DriftServer, call: SeedCall
) -> None:
    _, fn, drifts_v8, drifts_v6 = call
    with Session(config=_config(drift, strict=False)) as api:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            fn(api)
    can_drift = drifts_v6 if drift.v6 else drifts_v8
    reported = [w for w in record if issubclass(w.category, ResponseValidationWarning)]
    assert bool(reported) == can_drift, [str(w.message) for w in record]
    if can_drift:
        drift.add_session(SESS)  # in case the call ended it
        with Session(config=_config(drift, strict=True)) as api:
            with pytest.raises(MalformedResponseError, match="does not match"):
                fn(api)


def test_lenient_values_are_the_servers(lenient: None, drift: DriftServer) -> None:
    with Session(config=_config(drift, strict=False)) as api, warnings.catch_warnings():
        warnings.simplefilter("ignore", ResponseValidationWarning)
        kern = api.ComputeSession.get_or_create("python", name="drift-new")
        assert kern.id is not None and kern.name == "drift-new" and kern.created
        assert [p.name for p in kern.service_ports] == ["jupyter", "ttyd"]
        assert kern.service_ports[0].ports == "8080"  # kept raw, reachable
        assert kern.service_ports[0]["ports"] == "8080"
        info = api.ComputeSession(SESS).get_info()
        assert info.age == "12.5" and info["occupiedSlots"] == {"cpu": "1", "mem": "335544320"}
        assert info.image and info.status == "RUNNING"
        result = api.ComputeSession(SESS).execute(None, 'print("hi")', mode="query")
        assert result.status == "finished" and result["console"] == [["stdout", "hi\n"]]
        (entry,) = api.VFolder(FOLDER).list_files(".").items or []
        assert entry.mode == 16877 and entry.size == 4096 and entry.name == "d1"
        agent = api.Agent.detail("i-dummy-agent")
        assert agent.cpu_cur_pct == "n/a" and agent.available_slots == {
            "cpu": "8",
            "mem": "17179869184",
        }
        (node,) = api.Manager.status().nodes or []
        assert node.api_version == drift.version and node.num_proc == 1
        assert api.VFolder.list_allowed_types() == ["user", "group", {"name": "project"}]


async def test_async_function_classes_read_leniently(lenient: None, drift: DriftServer) -> None:
    async with AsyncSession(config=_config(drift, strict=False)) as api:
        with pytest.warns(ResponseValidationWarning):
            kern = await api.ComputeSession.get_or_create("python", name="drift-async")
        assert kern.name == "drift-async" and kern.id is not None
        with pytest.warns(ResponseValidationWarning):
            page = await api.Agent.paginated_list()
        assert [a.id for a in page.items] == ["i-dummy-agent"] and page.total_count == 1


def test_strict_creation_errors_name_what_was_created(drift: DriftServer) -> None:
    with Session(config=_config(drift, strict=True)) as api:
        with pytest.raises(MalformedResponseError) as info:
            api.ComputeSession.get_or_create("python", name="drift-new")
        (sess,) = [s for s in drift.sessions.values() if s.name == "drift-new"]
        assert f"the server created session 'drift-new' (ID {sess.id}), but" in str(info.value)
        with pytest.raises(MalformedResponseError, match="the server created virtual folder 'nf'"):
            api.VFolder.create("nf")
        assert "nf" in drift.folders
        with pytest.raises(MalformedResponseError, match=r"created a keypair for user@lablup\.com"):
            api.KeyPair.create("user@lablup.com")


def test_lenient_mutations_succeed_without_ok(lenient: None, drift: DriftServer) -> None:
    with Session(config=_config(drift, strict=False)) as api:
        with pytest.warns(ResponseValidationWarning, match="keypair.rate_limit"):
            created = api.KeyPair.create("user@lablup.com")
    assert created.ok is None and created.keypair is not None  # not a refusal
    assert created.keypair.access_key == "AKIADRIFTNEWKEY00001"
    assert created.keypair.rate_limit == "unlimited"


# -- the CLI -------------------------------------------------------------------------------------
@pytest.fixture
def cli_env(drift: DriftServer, monkeypatch: pytest.MonkeyPatch) -> DriftServer:
    monkeypatch.setenv("BACKEND_ENDPOINT", drift.url)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("BACKEND_SECRET_KEY", SECRET_KEY)
    return drift


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


#: the CLI shows the warning of a lenient read as a line on stderr (pytest makes warnings errors)
shows_warnings = pytest.mark.filterwarnings(
    "always::ai_backend_client.exceptions.ResponseValidationWarning"
)


CLI_COMMANDS: list[tuple[str, ...]] = [
    ("run", "--rm", "-c", 'print("hello")', "python"),
    ("create", "-t", "drift-cli", "python"),
    ("start", "-t", "drift-cli", "python"),
    ("ps",),
    ("info", SESS),
    ("logs", SESS),
    ("ls", SESS),
    ("vfolder", "list"),
    ("vfolder", "info", FOLDER),
    ("vfolder", "ls", FOLDER),
    ("vfolder", "create", "newf"),
    ("vfolder", "list-hosts"),
    ("vfolder", "list-allowed-types"),
    ("admin", "agent", "list"),
    ("admin", "agent", "info", "i-dummy-agent"),
    ("admin", "image", "list"),
    ("admin", "storage", "list"),
    ("admin", "manager", "status"),
    ("admin", "keypair", "info"),
    ("admin", "keypair", "list"),
    ("admin", "domain", "list"),
    ("admin", "user", "list"),
    ("session-template", "list"),
    ("dotfile", "list"),
]


@pytest.mark.parametrize("output", ["console", "json"])
@pytest.mark.parametrize("command", CLI_COMMANDS, ids=[" ".join(c) for c in CLI_COMMANDS])
@shows_warnings
def test_core_cli_command_succeeds_leniently_and_fails_strictly(
    lenient: None,
    cli_env: DriftServer,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    output: str,
) -> None:
    result = _cli("--output", output, *command)
    assert result.exit_code == 0, result.output
    assert "does not match" in result.stderr  # the warning line
    if output == "json":
        json.loads(result.stdout)
    monkeypatch.setenv("BACKEND_STRICT_RESPONSES", "1")
    result = _cli("--output", output, *command)
    assert result.exit_code == 1, result.output
    assert "does not match" in result.stderr and "Traceback" not in result.output


@shows_warnings
def test_run_rm_destroys_what_it_created_in_both_modes(
    lenient: None, cli_env: DriftServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _cli("run", "--rm", "-t", "drift-run", "-c", 'print("hello")', "python")
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello\n"
    assert "Session ID" in result.stderr and "drift-run" in result.stderr
    assert not [s for s in cli_env.sessions.values() if s.name == "drift-run"]
    assert cli_env.calls("DELETE", "/session/drift-run")
    monkeypatch.setenv("BACKEND_STRICT_RESPONSES", "1")
    result = _cli("run", "--rm", "-t", "drift-run2", "-c", 'print("hello")', "python")
    assert result.exit_code == 1
    assert "the server created session 'drift-run2'" in result.stderr
    assert not [s for s in cli_env.sessions.values() if s.name == "drift-run2"]  # destroyed


@shows_warnings
def test_start_reports_the_id_in_both_modes(
    lenient: None, cli_env: DriftServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _cli("start", "-t", "drift-start", "python")
    assert result.exit_code == 0, result.output
    (sess,) = [s for s in cli_env.sessions.values() if s.name == "drift-start"]
    assert f"Session ID {sess.id} is created and ready." in result.stderr
    monkeypatch.setenv("BACKEND_STRICT_RESPONSES", "1")
    result = _cli("session", "create", "-t", "drift-start2", "python")
    (sess2,) = [s for s in cli_env.sessions.values() if s.name == "drift-start2"]
    assert result.exit_code == 1
    assert f"the server created session 'drift-start2' (ID {sess2.id})" in result.stderr


@shows_warnings
def test_cli_prints_what_came_back(lenient: None, cli_env: DriftServer) -> None:
    result = _cli("vfolder", "ls", FOLDER)
    assert result.exit_code == 0, result.output
    assert "16877" in result.stdout and "d1" in result.stdout  # the raw mode in the table
    data = json.loads(_cli("--output", "json", "vfolder", "ls", FOLDER).stdout)
    assert data["items"] == [
        {
            "name": "d1",
            "type": "DIRECTORY",
            "size": "4096",  # the server's value, not the coerced one
            "mode": 16877,
            "modified": "2024-09-15T09:47:48.135194+00:00",
        }
    ]
    data = json.loads(_cli("--output", "json", "admin", "agent", "info", "i-dummy-agent").stdout)
    (agent,) = data["items"]
    assert agent["cpu_cur_pct"] == "n/a" and agent["mem_cur_bytes"] == "0"
    assert agent["available_slots"] == {"cpu": "8", "mem": "17179869184"}
    result = _cli("admin", "manager", "status")
    assert result.exit_code == 0 and "22.03.9" in result.stdout
    result = _cli("logs", SESS)
    assert result.exit_code == 0 and "line 1" in result.stdout and "line 2" in result.stdout
    result = _cli("ls", SESS)
    assert result.exit_code == 0 and ".bashrc" in result.stdout and "data" in result.stdout


def test_run_rm_destroys_the_session_when_printing_fails(lenient: None, drift: DriftServer) -> None:
    """stdout is a pipe nobody reads (closed at once): writing the output fails, the session
    is destroyed all the same."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "BACKEND_ENDPOINT": drift.url,
        "BACKEND_ACCESS_KEY": ACCESS_KEY,
        "BACKEND_SECRET_KEY": SECRET_KEY,
        "PYTHONWARNINGS": "ignore",
    }
    args = ["run", "--rm", "-t", "drift-pipe", "-c", 'print("hello")', "python"]
    read_end, write_end = os.pipe()
    os.close(read_end)  # before the program can write anything
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ai_backend_client.cli", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 1, proc.stderr
    assert drift.calls("DELETE", "/session/drift-pipe")
    assert not [s for s in drift.sessions.values() if s.name == "drift-pipe"]
