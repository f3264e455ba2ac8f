"""Small shared helpers: errors, bounded command runs, idempotent file writes, step timing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .procs import tail


class StackError(Exception):
    """A failure to report: a message and, where known, the log whose tail explains it."""

    def __init__(self, message: str, log: Path | None = None, lines: int = 40) -> None:
        super().__init__(message)
        self.log = log
        self.lines = lines

    def report(self) -> str:
        text = f"stack: error: {self}"
        if self.log is not None:
            text += f"\n--- last {self.lines} lines of {self.log} ---\n{tail(self.log, self.lines)}\n---"
        return text


def say(msg: str) -> None:
    try:
        print(msg, flush=True)
    except BrokenPipeError:
        # The reader went away (`stack status | head`): the work goes on, its output nowhere
        # (and the interpreter's last flush at exit does not fail either).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextmanager
def step(title: str) -> Iterator[None]:
    t0 = time.monotonic()
    say(f"== {title}")
    yield
    say(f"   ok ({time.monotonic() - t0:.1f}s)")


def run(
    argv: list[str],
    *,
    log: Path,
    timeout: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    ok_codes: tuple[int, ...] = (0,),
    what: str | None = None,
) -> int:
    """Run a command to completion within ``timeout`` s, output appended to ``log``."""
    what = what or " ".join(argv[:4])
    with open(log, "ab") as out:
        out.write(f"\n=== {time.strftime('%H:%M:%S')} $ {' '.join(argv)}\n".encode())
        out.flush()
        try:
            proc = subprocess.run(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            raise StackError(f"{what}: timed out after {timeout:.0f}s", log) from None
        except OSError as e:
            raise StackError(f"{what}: {e}", log) from None
    if proc.returncode not in ok_codes:
        raise StackError(f"{what}: exit code {proc.returncode}", log)
    return proc.returncode


def capture(
    argv: list[str], *, timeout: float = 30, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    try:
        p = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout:.0f}s"
    except OSError as e:
        return 127, "", str(e)
    return p.returncode, p.stdout, p.stderr


def write_if_changed(path: Path, text: str, mode: int | None = None) -> bool:
    try:
        if path.read_text() == text:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    if mode is not None:
        os.chmod(tmp, mode)
    tmp.replace(path)
    return True


def wait_for(
    check,
    *,
    timeout: float,
    interval: float = 0.5,
    alive=None,
) -> bool:
    """Poll ``check()`` until true or ``timeout``; stop early (False) once ``alive()`` is false."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if alive is not None and not alive():
            return check()
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def eprint(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
