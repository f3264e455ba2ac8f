"""``backend.ai run``: create a session, upload files, execute code or a batch, stream the output.

* ``-c CODE`` runs in query mode, FILES (and/or ``--build``/``--exec``) in batch mode, over the
  streaming-execute WebSocket; ``--terminal`` attaches to the session's PTY.
* ``--rm`` destroys the session in a ``finally`` (also on errors and Ctrl+C); when the creation
  request itself was interrupted the session is destroyed by name, so none is left behind.
* ``--env-range``/``--build-range``/``--exec-range`` expand into cases (see :mod:`._ranges`); with
  more than one case each case gets its own session ``<name>-<index>``, up to ``--max-parallel``
  run at once, and each case's output goes to ``~/.cache/backend.ai/client-logs/``.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from ._output import (
    as_dict,
    current,
    describe_error,
    emit_json,
    fail,
    print_done,
    print_fail,
    print_info,
    print_table,
    print_wait,
    print_warn,
)
from ._params import default_session_name, parse_env
from ._ranges import RangeExprError, RangeExprType, RunCase, expand_cases
from ._session_create import (
    NOT_STARTED,
    create_kwargs,
    print_stats,
    report_created,
    session_create_options,
    session_summary,
)

if TYPE_CHECKING:
    from ..session import AsyncSession

__all__ = ["CaseResult", "run"]

_FAILED_TO_START = {"TERMINATED", "ERROR", "CANCELLED"}


class _Sink:
    """Where one case's console output goes."""

    def stdout(self, text: str) -> None:
        raise NotImplementedError

    def stderr(self, text: str) -> None:
        raise NotImplementedError

    def note(self, text: str) -> None:
        self.stderr(text + "\n")

    def close(self) -> None:
        pass


class _ConsoleSink(_Sink):
    def stdout(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def stderr(self, text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    def note(self, text: str) -> None:
        print_info(text)


class _CaptureSink(_Sink):
    def __init__(self) -> None:
        self.out: list[str] = []
        self.err: list[str] = []

    def stdout(self, text: str) -> None:
        self.out.append(text)

    def stderr(self, text: str) -> None:
        self.err.append(text)

    def note(self, text: str) -> None:
        print_info(text)  # status lines stay out of the captured program output


class _FileSink(_Sink):
    def __init__(self, base: Path) -> None:
        base.parent.mkdir(parents=True, exist_ok=True)
        self.stdout_path = base.with_name(base.name + ".stdout.log")
        self.stderr_path = base.with_name(base.name + ".stderr.log")
        self._out: TextIO = open(self.stdout_path, "w", encoding="utf-8")  # noqa: SIM115
        self._err: TextIO = open(self.stderr_path, "w", encoding="utf-8")  # noqa: SIM115

    def stdout(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()

    def stderr(self, text: str) -> None:
        self._err.write(text)
        self._err.flush()

    def close(self) -> None:
        self._out.close()
        self._err.close()


@dataclass
class CaseResult:
    index: int
    name: str
    case: RunCase
    session: dict[str, Any] = field(default_factory=lambda: {})
    exit_code: int | None = None
    error: str | None = None
    stats: Any = None
    logs: list[str] = field(default_factory=lambda: [])

    @property
    def ok(self) -> bool:
        return self.error is None and not self.exit_code

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "index": self.index,
            "name": self.name,
            "ok": self.ok,
            "session": self.session,
            "exit_code": self.exit_code,
            "envs": self.case.env_dict,
            "build": self.case.build,
            "exec": self.case.exec,
        }
        if self.error is not None:
            data["error"] = self.error
        if self.stats is not None:
            data["stats"] = self.stats
        if self.logs:
            data["logs"] = self.logs
        return data


@dataclass
class _RunSpec:
    image: str
    create: dict[str, Any]
    code: str | None
    files: Sequence[Path]
    basedir: Path | None
    clean: str | None
    terminal: bool
    rm: bool
    stats: bool
    quiet: bool
    build_log: bool = False


async def _answer_input(result: Any) -> str:
    """Read the user's answer to a ``waiting-input`` frame (hidden for passwords)."""
    if result.is_password_prompt:
        return await asyncio.to_thread(getpass.getpass, "")
    return await asyncio.to_thread(input, "")


def _write_result(sink: _Sink, result: Any) -> None:
    for rec in result.records:
        if rec.kind == "stdout":
            sink.stdout(rec.data)
        elif rec.kind == "stderr":
            sink.stderr(rec.data)
        elif rec.kind == "media":
            sink.note(f"[media output of type {rec.mime}; not shown in the terminal]")
        elif rec.kind == "html":
            sink.note("[HTML output; not shown in the terminal]")
        elif rec.kind == "log":
            sink.stderr(rec.data if rec.data.endswith("\n") else rec.data + "\n")


async def _execute(cs: Any, spec: _RunSpec, case: RunCase, sink: _Sink) -> int:
    if spec.code is not None:
        mode = "query"
        code = spec.code
        options: dict[str, object] = {}
    else:
        mode = "batch"
        code = ""
        options = {
            "clean": spec.clean or "*",
            "build": case.build,
            "buildLog": spec.build_log,  # off unless asked for, as the 22.03 client sends it
            "exec": case.exec,
        }
    exit_code = 0
    async with cs.stream_execute(
        code, mode=mode, opts=options, input_handler=_answer_input
    ) as stream:
        async for result in stream:
            _write_result(sink, result)
            if result.status == "build-finished" and not spec.quiet:
                sink.note("Build finished.")
            elif result.status == "clean-finished" and not spec.quiet:
                sink.note("Clean finished.")
            if result.is_finished:
                exit_code = result.exit_code or 0
    return exit_code


async def _terminal(cs: Any) -> int:
    """Attach the local terminal to the session's PTY until the connection ends (or Ctrl+]).

    Raw-mode handling needs a POSIX terminal.
    """
    import os
    import shutil
    import termios
    import tty

    if not sys.stdin.isatty():
        fail("--terminal needs an interactive terminal on stdin.")
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    loop.add_reader(fd, lambda: queue.put_nowait(os.read(fd, 1024)))
    print_info("Connected to the session's terminal; press Ctrl+] to detach.")
    try:
        tty.setraw(fd)
        async with cs.stream_pty() as pty:
            size = shutil.get_terminal_size()
            await pty.resize(size.lines, size.columns)

            async def pump_in() -> None:
                while True:
                    data = await queue.get()
                    if b"\x1d" in data:  # Ctrl+]
                        await pty.close()
                        return
                    await pty.send_stdin(data)

            pump = asyncio.create_task(pump_in())
            try:
                async for chunk in pty:
                    os.write(sys.stdout.fileno(), chunk)
            finally:
                pump.cancel()
    finally:
        loop.remove_reader(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return 0


async def _destroy(
    api: AsyncSession, cs: Any, name: str, result: CaseResult, spec: _RunSpec, sink: _Sink
) -> None:
    """Destroy the case's session: by object if created, else by name (the creation request may
    have been interrupted after the server accepted it)."""
    from ..exceptions import NotFoundError

    target = cs if cs is not None else api.ComputeSession(name)
    try:
        ret = await target.destroy()
    except NotFoundError:
        if cs is not None:
            sink.note(f"Session {name} was already gone.")
        return
    except Exception as e:
        sink.note(f"Could not destroy session {name}: {describe_error(e)}")
        if result.error is None:
            result.error = f"could not destroy session {name}: {describe_error(e)}"
        return
    if cs is not None:
        sink.note(f"Session {name} is destroyed.")
    data = as_dict(ret) if ret is not None else {}
    result.stats = data.get("stats")


async def _run_case(
    api: AsyncSession,
    spec: _RunSpec,
    case: RunCase,
    index: int,
    name: str,
    sink: _Sink,
    *,
    single: bool,
) -> CaseResult:
    result = CaseResult(index, name, case)
    cs: Any = None
    kwargs = dict(spec.create, name=name, envs=case.env_dict)
    try:
        cs = await api.ComputeSession.get_or_create(spec.image, **kwargs)
        result.session = session_summary(cs)
        status = str(result.session.get("status") or "RUNNING")
        if single:
            report_created(cs)
        elif status not in NOT_STARTED:
            sink.note(f"Session {name} is ready.")
        if status in _FAILED_TO_START:
            result.error = f"session {name} failed to start ({status})"
            return result
        if status in NOT_STARTED:
            if not single:
                sink.note(f"Session {name} is {status}; nothing was executed.")
            return result
        if spec.files:
            if not spec.quiet:
                sink.note(f"Uploading {len(spec.files)} file(s)...")
            await cs.upload(list(spec.files), basedir=spec.basedir)
        if spec.terminal:
            result.exit_code = await _terminal(cs)
        else:
            result.exit_code = await _execute(cs, spec, case, sink)
    except asyncio.CancelledError:
        result.error = "interrupted"
        raise
    except Exception as e:
        if single:
            raise
        result.error = describe_error(e)
        sink.note(f"✘ {result.error}")
    finally:
        if spec.rm:
            await _destroy(api, cs, name, result, spec, sink)
    return result


async def _run_all(
    spec: _RunSpec, cases: list[RunCase], prefix: str, max_parallel: int
) -> list[CaseResult]:
    from ..config import user_cache_dir

    single = len(cases) == 1
    json_mode = current().json
    async with current().async_session() as api:
        if single:
            sink: _Sink = _CaptureSink() if json_mode else _ConsoleSink()
            res = await _run_case(api, spec, cases[0], 0, prefix, sink, single=True)
            if isinstance(sink, _CaptureSink):
                res.logs = ["".join(sink.out), "".join(sink.err)]
            return [res]

        log_dir = user_cache_dir() / "client-logs"
        sem = asyncio.Semaphore(max_parallel)

        async def one(i: int, case: RunCase) -> CaseResult:
            name = f"{prefix}-{i}"
            async with sem:
                fsink = _FileSink(log_dir / name)
                try:
                    print_wait(f"[{i}] starting session {name}")
                    res = await _run_case(api, spec, case, i, name, fsink, single=False)
                finally:
                    fsink.close()
                res.logs = [str(fsink.stdout_path), str(fsink.stderr_path)]
                if res.ok:
                    print_done(f"[{i}] {name} finished (exit code {res.exit_code or 0})")
                else:
                    print_fail(f"[{i}] {name} failed: {res.error or f'exit code {res.exit_code}'}")
                return res

        return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(cases))))


def _print_cases(cases: list[RunCase], prefix: str) -> None:
    rows = [
        {
            "index": i,
            "name": f"{prefix}-{i}",
            "variables": ", ".join(f"{k}={v}" for k, v in c.variables) or "-",
            "envs": ", ".join(f"{k}={v}" for k, v in c.envs) or "-",
            "build": c.build,
            "exec": c.exec,
        }
        for i, c in enumerate(cases)
    ]
    print_info(f"Running {len(cases)} cases:")
    print_table(rows, ["index", "name", "variables", "envs", "build", "exec"])


@click.command()
@click.argument("image")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@session_create_options(for_run=True)
@click.option("-c", "--code", help="The code snippet as a single string")
@click.option("--terminal", is_flag=True, help="Connect to the terminal-type compute_session.")
@click.option(
    "--clean", metavar="CMD", help="Custom shell command for cleaning up the base directory"
)
@click.option("--build", metavar="CMD", help="Custom shell command for building the given files")
@click.option(
    "--exec", "exec_", metavar="CMD", help="Custom shell command for executing the given files"
)
@click.option(
    "--basedir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Base directory path of uploaded files. All uploaded files must reside inside this directory.",
)
@click.option(
    "--rm",
    is_flag=True,
    help="Terminate the session immediately after running the given code or files",
)
@click.option(
    "-s",
    "--stats",
    is_flag=True,
    help='Show resource usage statistics after termination (only with "--rm")',
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Hide execution details but show only the compute_session outputs.",
)
@click.option(
    "--build-log",
    is_flag=True,
    help="Also show the output of the build command (batch mode; off by default).",
)
@click.option(
    "--env-range",
    "env_ranges",
    type=RangeExprType(),
    multiple=True,
    metavar="NAME=EXPR",
    help="Range expression for environment variables (case:A,B,.. | linspace:START,STOP,NUM | "
    "range:[START,]STOP[,STEP]); use it as $NAME in -e values.",
)
@click.option(
    "--build-range",
    "build_ranges",
    type=RangeExprType(),
    multiple=True,
    metavar="NAME=EXPR",
    help="Range expression for the --build command ($NAME in --build).",
)
@click.option(
    "--exec-range",
    "exec_ranges",
    type=RangeExprType(),
    multiple=True,
    metavar="NAME=EXPR",
    help="Range expression for the --exec command ($NAME in --exec).",
)
@click.option(
    "--max-parallel",
    type=int,
    default=2,
    show_default=True,
    help="The maximum number of parallel sessions.",
)
def run(
    image: str,
    files: tuple[Path, ...],
    code: str | None,
    terminal: bool,
    clean: str | None,
    build: str | None,
    exec_: str | None,
    basedir: Path | None,
    rm: bool,
    stats: bool,
    quiet: bool,
    build_log: bool,
    env_ranges: tuple[Any, ...],
    build_ranges: tuple[Any, ...],
    exec_ranges: tuple[Any, ...],
    max_parallel: int,
    **opts: Any,
) -> None:
    """Run the given code snippet or files in a session.

    IMAGE is the kernel image or its alias (e.g. python). Examples:

    \b
      backend.ai run --rm -c 'print("hello")' python
      backend.ai run --rm --exec 'python main.py' python main.py
      backend.ai run --rm -e 'LR=$lr' --env-range lr=linspace:0.1,0.3,3 \\
          --exec 'python train.py' python train.py
    """
    if code is not None and files:
        raise click.UsageError("Run either source files or a code snippet (-c), not both.")
    if code is None and not files and not terminal and not build and not exec_:
        raise click.UsageError(
            "Give a code snippet with -c, source files to run, --exec/--build commands, or --terminal."
        )
    if stats and not rm:
        print_warn('"--stats" only works together with "--rm".')
    envs = parse_env(opts.pop("envs"))
    try:
        cases = expand_cases(envs, build, exec_, env_ranges, build_ranges, exec_ranges)
    except RangeExprError as e:
        raise click.UsageError(str(e)) from None
    prefix = opts.get("name") or default_session_name()
    opts["name"] = prefix
    create = create_kwargs(envs=envs, **opts)
    create.pop("envs", None)
    create.pop("name", None)
    if len(cases) > 1:
        if max_parallel <= 0:
            raise click.BadParameter(
                "must be > 0 when running multiple cases", param_hint="'--max-parallel'"
            )
        if terminal:
            raise click.UsageError(
                "--terminal cannot be used with range options that yield several cases."
            )
        if not current().json:
            _print_cases(cases, prefix)
    if basedir is not None:
        base = basedir.resolve()
        for f in files:
            if base not in f.resolve().parents:
                raise click.BadParameter(f"{f} is not inside {basedir}", param_hint="'--basedir'")
    spec = _RunSpec(
        image, create, code, files, basedir, clean, terminal, rm, stats, quiet, build_log
    )
    results = asyncio.run(_run_all(spec, cases, prefix, max_parallel))
    _report(results, spec, single=len(cases) == 1)


def _report(results: list[CaseResult], spec: _RunSpec, *, single: bool) -> None:
    ok = all(r.ok for r in results)
    if current().json:
        if single:
            r = results[0]
            data = r.as_json()
            data["stdout"], data["stderr"] = [*r.logs, "", ""][:2]
            data.pop("logs", None)
            data["msg"] = "Execution finished." if r.ok else (r.error or f"exit code {r.exit_code}")
            emit_json(data)
        else:
            emit_json(
                {
                    "ok": ok,
                    "msg": f"{sum(r.ok for r in results)} of {len(results)} cases succeeded.",
                    "count": len(results),
                    "items": [r.as_json() for r in results],
                }
            )
    else:
        for r in results:
            if spec.rm and spec.stats:
                print_stats(r.name, r.stats)
        if single:
            r = results[0]
            if r.exit_code:
                print_fail(f"The code exited with code {r.exit_code}.")
        else:
            print_info(
                f"{sum(r.ok for r in results)} of {len(results)} cases succeeded; logs are in "
                f"{Path(results[0].logs[0]).parent if results and results[0].logs else 'the cache'}."
            )
    if not ok:
        sys.exit(1)
