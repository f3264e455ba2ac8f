"""The ``backend.ai`` framework: lazy loading, help, exit codes, error reports, aliases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ai_backend_client.cli import _output
from ai_backend_client.cli._group import LazyEntry
from ai_backend_client.cli.main import ALIASES, COMMANDS, cli
from ai_backend_client.exceptions import BackendClientError, BadRequestError, NotFoundError

HEAVY = ("httpx", "pydantic", "rich")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def extra_command() -> Iterator[dict[str, click.Command]]:
    """Commands added to the root group for one test."""
    added: dict[str, click.Command] = {}
    yield added
    for name in added:
        cli.commands.pop(name, None)


def add(extra: dict[str, click.Command], cmd: click.Command) -> None:
    assert cmd.name
    extra[cmd.name] = cmd
    cli.add_command(cmd)


def _modules_after(args: list[str]) -> tuple[int, list[str], str]:
    code = (
        "import sys\n"
        "from ai_backend_client.cli.main import main\n"
        f"sys.argv = ['backend.ai', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    rc = e.code\n"
        f"print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})), file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stderr.split(), p.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-h"],
        ["session", "--help"],
        ["run", "--help"],
        ["ps", "--help"],
        ["sesstpl", "--help"],
        ["config", "--help"],
        ["app", "--help"],
    ],
)
def test_help_imports_neither_httpx_nor_pydantic(args: list[str]) -> None:
    rc, heavy, out = _modules_after(args)
    assert rc == 0
    assert "Usage: backend.ai" in out
    assert not [m for m in heavy if m.split(".")[0] in ("httpx", "pydantic")], heavy


def test_root_help_does_not_even_import_rich() -> None:
    rc, heavy, _ = _modules_after(["--help"])
    assert rc == 0 and heavy == []


def test_importtime_of_module_entry_point() -> None:
    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ai_backend_client.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0
    assert "Commands:" in p.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines() if "|" in line}
    assert not {m for m in imported if m.split(".")[0] in ("httpx", "pydantic")}


def test_help_lists_the_registry_and_aliases(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in (
        "run",
        "ps",
        "session",
        "session-template",
        "config",
        "login",
        "logout",
        "vfolder",
        "dotfile",
        "admin",
        "destroy",
        "create",
        "create-from-template",
    ):
        assert f"\n  {name} " in result.output
    for alias in ALIASES:
        assert f"\n  {alias} " in result.output
    assert set(COMMANDS) >= {"vfolder", "dotfile", "admin"}
    assert COMMANDS["vfolder"].target == "ai_backend_client.cli.vfolder:vfolder"
    assert COMMANDS["dotfile"].target == "ai_backend_client.cli.dotfile:dotfile"
    assert COMMANDS["admin"].target == "ai_backend_client.cli.admin:admin"


def test_every_registered_command_has_help(runner: CliRunner) -> None:
    for name in list(COMMANDS) + list(ALIASES):
        result = runner.invoke(cli, [name, "--help"])
        if "are not available in this installation" in (result.output + result.stderr):
            continue  # another part of the project has not landed yet
        assert result.exit_code == 0, (name, result.output, result.stderr)
        assert "Usage:" in result.output


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "ai-backend-client" in result.output


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.stderr
    result = runner.invoke(cli, ["--output", "yaml", "ps"])
    assert result.exit_code == 2


def test_missing_lazy_module_is_a_clean_error(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        cli.lazy_subcommands, "ghost", LazyEntry("ai_backend_client.cli.no_such_module:ghost", "x")
    )
    result = runner.invoke(cli, ["ghost", "list", "--flag"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    assert result.stderr.strip().splitlines() == [
        "✘ the 'ghost' commands are not available in this installation "
        "(ai_backend_client.cli.no_such_module is missing)"
    ]


def test_broken_lazy_module_is_a_clean_error(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(cli.lazy_subcommands, "odd", LazyEntry("json:dumps", "not a command"))
    result = runner.invoke(cli, ["odd"])
    assert result.exit_code == 1
    assert "is not a click command" in result.stderr


def _failing(name: str, exc: BaseException) -> click.Command:
    @click.command(name=name)
    def cmd() -> None:
        raise exc

    return cmd


def test_api_error_is_one_line_with_exit_1(
    runner: CliRunner, extra_command: dict[str, click.Command]
) -> None:
    err = NotFoundError(
        404,
        "Not Found",
        {"type": "https://api.backend.ai/probs/session-not-found", "title": "No such session."},
        method="GET",
        url="http://x/session/abc",
    )
    add(extra_command, _failing("boom", err))
    result = runner.invoke(cli, ["boom"])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("✘ GET http://x/session/abc -> 404")
    assert "Traceback" not in result.stderr


def test_json_error_envelope(runner: CliRunner, extra_command: dict[str, click.Command]) -> None:
    add(extra_command, _failing("boom", BackendClientError("cannot connect\nto the server")))
    for args in (["--output", "json", "boom"], ["boom", "--output", "json"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1
        assert json.loads(result.stdout) == {
            "error": {
                "message": "cannot connect to the server",
                "status": None,
                "type": None,
                "title": None,
                "data": None,
                "exception": "BackendClientError",
            }
        }
        assert result.stderr.strip() == "✘ cannot connect to the server"


def test_json_error_envelope_of_an_api_error(
    runner: CliRunner, extra_command: dict[str, click.Command]
) -> None:
    err = BadRequestError(
        400,
        "Bad Request",
        {
            "type": "https://api.backend.ai/probs/invalid-api-params",
            "title": "Invalid API parameters.",
            "msg": "missing name",
            "data": {"name": "required"},
        },
        method="POST",
        url="http://x/folders",
    )
    add(extra_command, _failing("boom", err))
    result = runner.invoke(cli, ["--output", "json", "boom"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error == {
        "message": str(err),
        "status": 400,
        "type": "https://api.backend.ai/probs/invalid-api-params",
        "title": "Invalid API parameters.",
        "data": {"name": "required"},
        "exception": "BadRequestError",
    }


@pytest.mark.parametrize(
    "args",
    [
        ["--output", "json", "no-such-command"],
        ["--output=json", "no-such-command"],
        ["--output", "json", "ps", "--no-such-option"],
        ["ps", "--no-such-option", "--output", "json"],
        ["--output", "json", "--no-such-global"],
        ["--output", "json", "vfolder", "info"],  # missing argument
    ],
)
def test_usage_errors_in_json_mode(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["exception"] == "UsageError"
    assert error["status"] is None and error["message"]
    assert error["message"] in result.stderr  # click's own report stays on stderr
    assert "Usage:" in result.stderr


def test_usage_errors_in_console_mode_print_no_json(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ps", "--no-such-option"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "No such option" in result.stderr


ESC = "\x1b["


def test_error_line_is_red_only_when_colour_is_allowed(
    runner: CliRunner, extra_command: dict[str, click.Command], monkeypatch: pytest.MonkeyPatch
) -> None:
    add(extra_command, _failing("boom", BackendClientError("down")))
    monkeypatch.delenv("NO_COLOR", raising=False)
    # color=True stands for a terminal: the line is red.
    assert ESC in runner.invoke(cli, ["boom"], color=True).stderr
    # Not a terminal (CliRunner's default): no colour.
    assert ESC not in runner.invoke(cli, ["boom"]).stderr
    monkeypatch.setenv("NO_COLOR", "1")
    result = runner.invoke(cli, ["boom"], color=True)
    assert result.stderr == "✘ down\n"
    # An empty NO_COLOR does not count (https://no-color.org).
    monkeypatch.setenv("NO_COLOR", "")
    assert ESC in runner.invoke(cli, ["boom"], color=True).stderr


def test_no_color_turns_off_every_status_line_and_table(
    runner: CliRunner, extra_command: dict[str, click.Command], monkeypatch: pytest.MonkeyPatch
) -> None:
    @click.command(name="lines")
    def lines() -> None:
        _output.print_done("done")
        _output.print_info("info")
        _output.print_wait("wait")
        _output.print_warn("warn")
        _output.print_fail("fail")
        click.secho("plain click", fg="blue")  # a command's own colour obeys too
        _output.print_table([{"a": 1}], ["a"], title="T")

    add(extra_command, lines)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert ESC in runner.invoke(cli, ["lines"], color=True).stderr
    monkeypatch.setenv("NO_COLOR", "yes")
    result = runner.invoke(cli, ["lines"], color=True)
    assert result.exit_code == 0
    assert ESC not in result.stderr and ESC not in result.stdout
    assert "✔ done" in result.stderr and "plain click" in result.stdout


def test_piped_output_has_no_colour() -> None:
    """A real pipe (no terminal, no NO_COLOR): the error line comes without escape codes."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(BACKEND_ENDPOINT="not a url")
    p = subprocess.run(
        [sys.executable, "-m", "ai_backend_client.cli", "config"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert p.returncode == 1
    assert p.stderr.startswith("✘ ") and ESC not in p.stderr


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (KeyboardInterrupt(), "✘ Interrupted."),
        (
            FileNotFoundError(2, "No such file or directory", "a.py"),
            "✘ No such file or directory: a.py",
        ),
        (_output.CLIError("bad thing", 3), "✘ bad thing"),
        (
            RuntimeError("oops"),
            "✘ Unexpected error: RuntimeError: oops (run with --debug for the traceback)",
        ),
    ],
)
def test_other_errors(
    runner: CliRunner, extra_command: dict[str, click.Command], exc: BaseException, text: str
) -> None:
    add(extra_command, _failing("boom", exc))
    result = runner.invoke(cli, ["boom"])
    assert result.exit_code == (3 if isinstance(exc, _output.CLIError) else 1)
    assert result.stderr.strip() == text


def test_config_error_is_reported(
    runner: CliRunner, extra_command: dict[str, click.Command], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", "not a url")

    @click.command(name="cfg")
    def cfg() -> None:
        _output.current().api_config()

    add(extra_command, cfg)
    result = runner.invoke(cli, ["cfg"])
    assert result.exit_code == 1
    assert result.stderr.startswith("✘ Configuration error: malformed endpoint URL")


def test_debug_shows_the_traceback(
    runner: CliRunner, extra_command: dict[str, click.Command]
) -> None:
    add(extra_command, _failing("boom", RuntimeError("oops")))
    result = runner.invoke(cli, ["--debug", "boom"])
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: oops" in result.stderr


def test_fail_helper(runner: CliRunner, extra_command: dict[str, click.Command]) -> None:
    @click.command(name="f")
    def f() -> None:
        _output.fail("nope", exit_code=4)

    add(extra_command, f)
    result = runner.invoke(cli, ["--output", "json", "f"])
    assert result.exit_code == 4
    assert json.loads(result.stdout)["error"]["message"] == "nope"
    assert json.loads(result.stdout)["error"]["exception"] == "CLIError"


def test_output_envelopes(runner: CliRunner, extra_command: dict[str, click.Command]) -> None:
    @click.command(name="show")
    @click.argument("kind")
    def show(kind: str) -> None:
        rows = [{"name": "a", "status": "RUNNING", "x": 1}, {"name": "b", "status": None, "x": 2}]
        if kind == "list":
            _output.emit_list(rows, ["name", ("status", "Status")], total_count=10)
        elif kind == "item":
            _output.emit_item(rows[0])
        else:
            _output.emit_mutation(True, "done", id="a")

    add(extra_command, show)
    result = runner.invoke(cli, ["--output", "json", "show", "list"])
    assert json.loads(result.stdout) == {
        "count": 2,
        "total_count": 10,
        "items": [{"name": "a", "status": "RUNNING"}, {"name": "b", "status": None}],
    }
    result = runner.invoke(cli, ["--output", "json", "show", "item"])
    assert json.loads(result.stdout) == {
        "count": 1,
        "total_count": 1,
        "items": [{"name": "a", "status": "RUNNING", "x": 1}],
    }
    result = runner.invoke(cli, ["--output", "json", "show", "mutation"])
    assert json.loads(result.stdout) == {"ok": True, "msg": "done", "id": "a"}

    result = runner.invoke(cli, ["show", "list"])
    assert result.exit_code == 0
    assert "Status" in result.stdout and "RUNNING" in result.stdout and "│" not in result.stdout
    assert "Showing 2 of 10" in result.stderr
    result = runner.invoke(cli, ["show", "mutation"])
    assert result.stderr.strip() == "✔ done"


def test_to_jsonable() -> None:
    import datetime
    import uuid
    from decimal import Decimal

    u = uuid.UUID(int=1)
    data = _output.to_jsonable(
        {"u": u, "d": Decimal("1.50"), "t": datetime.date(2022, 3, 15), "s": (1, 2), "b": b"x"}
    )
    assert data == {"u": str(u), "d": "1.50", "t": "2022-03-15", "s": [1, 2], "b": "x"}


def test_alias_resolution() -> None:
    assert cli.resolve_alias("rm") == "destroy"
    assert cli.resolve_alias("kill") == "destroy"
    assert cli.resolve_alias("start") == "create"
    assert cli.resolve_alias("start-template") == "create-from-template"
    assert cli.resolve_alias("start-from-template") == "create-from-template"
    assert cli.resolve_alias("sesstpl") == "session-template"
    assert COMMANDS["ps"].target.endswith("session:list_sessions")


_GC_PROBE = """
import gc, sys, time
from ai_backend_client.cli import main as m
frozen = gc.get_freeze_count()
m.GC_PAUSE_SECONDS = 0.2
try:
    m.main(["--help"])
except SystemExit:
    pass
during = gc.isenabled()
time.sleep(1.0)
print(during, gc.isenabled(), gc.get_freeze_count() > frozen)
"""


def test_start_up_holds_the_collector_off_then_turns_it_back_on() -> None:
    """A command starts without cyclic collections; the timer freezes and re-enables them."""
    p = subprocess.run(
        [sys.executable, "-c", _GC_PROBE], capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[-3:] == ["False", "True", "True"]


def test_a_collector_the_program_turned_off_stays_off() -> None:
    probe = "import gc; gc.disable(); " + _GC_PROBE.replace(
        "import gc, sys, time", "import sys, time"
    )
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[-3:] == ["False", "False", "False"]


def _run_script(body: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A process that ends through the console script's ``run()`` (``sys.argv`` = *args*)."""
    code = (
        "import sys\n"
        f"sys.argv = ['backend.ai', *{list(args)!r}]\n"
        "import ai_backend_client.cli.main as entry\n" + body + "\nentry.run()\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_the_console_script_keeps_the_exit_status_and_every_byte_of_output() -> None:
    full = subprocess.run(
        [sys.executable, "-c", "from ai_backend_client.cli.main import main; main()", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    quick = _run_script("", "--help")
    assert (quick.returncode, quick.stdout) == (0, full.stdout) and "Usage:" in quick.stdout
    bad = _run_script("", "--no-such-option")
    assert bad.returncode == 2 and "No such option" in bad.stderr


def test_the_console_script_runs_the_exit_handlers() -> None:
    p = _run_script("import atexit; atexit.register(print, 'handler ran')", "--version")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "handler ran"


def test_the_console_script_waits_for_a_thread_still_at_work(tmp_path: Path) -> None:
    """A thread that is not a daemon finishes before the process ends (the usual exit)."""
    done = tmp_path / "done"
    body = (
        "import threading, time\n"
        f"threading.Thread(target=lambda: (time.sleep(0.5), open({str(done)!r}, 'w').close()))"
        ".start()\n"
    )
    p = _run_script(body, "--version")
    assert p.returncode == 0, p.stderr
    assert done.exists()


def test_the_console_script_reports_an_exit_message_as_python_does() -> None:
    p = _run_script("entry.main = lambda: sys.exit('no way')")
    assert (p.returncode, p.stderr.strip()) == (1, "no way")
