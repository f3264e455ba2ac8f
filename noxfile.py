"""Project tasks. ``nox -l`` lists them; ``nox -s tests`` runs the unit tests on every Python.

The README's test command and ``.ci/run`` both call ``nox -s ci``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nox
from nox.command import CommandFailed

ROOT = Path(__file__).parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
DEV = ".[dev]"

nox.options.sessions = ["lint", "typecheck", "codegen_check", "tests"]
nox.options.reuse_existing_virtualenvs = True


def _pyenv_paths() -> None:
    # pyenv installs every CPython under ~/.pyenv/versions; make them findable by nox.
    versions = Path.home() / ".pyenv" / "versions"
    if versions.is_dir():
        extra = [str(p / "bin") for p in sorted(versions.iterdir()) if (p / "bin").is_dir()]
        os.environ["PATH"] = os.pathsep.join([*extra, os.environ.get("PATH", "")])


_pyenv_paths()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Unit tests (respx-mocked; no server needed), spread over the machine's cores by
    pytest-xdist (``-- -n 0`` runs them in one process)."""
    session.install("-e", DEV)
    session.run("pytest", "-q", "-n", "auto", *session.posargs)


STACK_LINES = ["24.09", "26.09"]  # the server lines `python -m stack` runs (see stack/README.md)


@nox.session(python="3.12")
def faults(session: nox.Session) -> None:
    """The fault-injection suite with its report: nox -s faults [-- --update] (rewrites the
    table of docs/reliability.md). The same tests also run in every `tests` session."""
    session.install("-e", DEV)
    args = ["--fault-report"]
    rest = list(session.posargs)
    if "--update" in rest:
        rest.remove("--update")
        args += ["--fault-report-update", "docs/reliability.md"]
    session.run("pytest", "-q", "tests/faults", *args, *rest)


@nox.session(python="3.12")
def integration(session: nox.Session) -> None:
    """Integration tests against a real server: BACKEND_ENDPOINT etc. if set, else the local stack
    of the line named by AIBC_STACK_LINE (default: the stack's default line)."""
    session.install("-e", DEV)
    session.install("aiohttp")  # the seed's async streaming example (run as a test) imports it
    if not os.environ.get("BACKEND_ENDPOINT"):
        line = os.environ.get("AIBC_STACK_LINE")
        session.log(
            f"BACKEND_ENDPOINT is not set: sourcing the local stack's environment ({line or 'default line'})"
        )
        session.env.update(_stack_env(session, line))
    session.run(
        "pytest",
        "-q",
        "-rs",
        "--durations=15",
        "-m",
        "integration",
        "tests/integration",
        *session.posargs,
    )


def _stack(session: nox.Session, *args: str, **kwargs: Any) -> Any:
    return session.run(sys.executable, "-m", "stack", *args, external=True, **kwargs)


def _stack_running(line: str) -> bool:
    """Whether every component of ``line``'s local stack runs (`stack status` exits 0)."""
    status = [sys.executable, "-m", "stack", "status", "--line", line]
    return subprocess.run(status, cwd=ROOT, capture_output=True, check=False).returncode == 0


def _stack_env(session: nox.Session, line: str | None = None) -> dict[str, str]:
    out = _stack(session, "env", *(["--line", line] if line else []), silent=True)
    env: dict[str, str] = {}
    for line_ in str(out).splitlines():
        words = shlex.split(line_, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, value = words[1].split("=", 1)
            env[key] = value
    return env


@nox.session(python="3.12")
def quickstart(session: nox.Session) -> None:
    """The main job: bring the local server up if needed, then run hello-world through the SDK and CLI.

    It uses the stack's default line (AIBC_STACK_LINE picks another). With BACKEND_ENDPOINT set,
    it talks to that server instead and starts nothing.
    """
    session.install("-e", ".")
    if not os.environ.get("BACKEND_ENDPOINT"):
        _stack(session, "up")
        session.env.update(_stack_env(session))
    session.run("python", "examples/quickstart.py")
    session.run("backend.ai", "run", "--rm", "-c", 'print("hello from the CLI")', "python")


@nox.session(python=False)
def stack(session: nox.Session) -> None:
    """The real local Backend.AI server: nox -s stack -- up|down|status|logs|env [--line 24.09|26.09]."""
    _stack(session, *(session.posargs or ["status"]))


@nox.session(python="3.12")
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6")
    session.run(
        "ruff",
        "check",
        "ai_backend_client",
        "codegen",
        "tests",
        "bench",
        "examples",
        "tools",
        "stack",
        "noxfile.py",
    )
    session.run("ruff", "format", "--check", "ai_backend_client", "codegen", "tools", "noxfile.py")


@nox.session(python="3.12")
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright on the package and the examples."""
    session.install("-e", DEV)
    session.install("aiohttp")  # the seed's streaming example compares with aiohttp.WSMsgType
    session.run("mypy", "--strict", "ai_backend_client", "examples", "tests/typing")
    session.run("mypy", "--strict", "-p", "ai_backend_client._generated")
    session.run(
        "pyright",
        "--pythonpath",
        os.path.join(session.bin, "python"),
        "ai_backend_client",
        "generated",
        "examples",
        "tests/typing",
    )


@nox.session(python="3.12")
def docs(session: nox.Session) -> None:
    """The API reference (mkdocs + mkdocstrings + mkdocs-click) into site/, every warning an
    error; nox -s docs -- serve to preview it. About 45 s with the install, 25-35 s of it the
    build (most of that the newest generated client, rendered in full)."""
    session.install("-e", ".[docs]")
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
        return
    session.run("mkdocs", "build", "--strict", "--clean", *session.posargs)


@nox.session(python="3.12")
def codegen(session: nox.Session) -> None:
    """Regenerate generated/ from spec/, func/_sync from func/_async, docs/cli-json.md from cli/."""
    session.install("-e", DEV)
    session.run("python", "-m", "codegen")
    session.run("python", "-m", "codegen.unasync_func")
    session.run("python", "-m", "codegen.cli_json")


@nox.session(python="3.12")
def codegen_check(session: nox.Session) -> None:
    """Fail when generated/, func/_sync or docs/cli-json.md is stale."""
    session.install("-e", DEV)
    session.run("python", "-m", "codegen", "--check")
    session.run("python", "-m", "codegen.unasync_func", "--check")
    session.run("python", "-m", "codegen.cli_json", "--check")


@nox.session(python="3.12")
def wheel(session: nox.Session) -> None:
    """Build the wheel, prove it installs and imports in a fresh venv, and check its type
    completeness there (pyright --verifytypes)."""
    session.install("build")
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--wheel", "--outdir", str(dist))
    wheel_file = next(dist.glob("*.whl"))
    tmp = Path(session.create_tmp()) / "wheel-venv"
    shutil.rmtree(tmp, ignore_errors=True)
    session.run("python", "-m", "venv", str(tmp))
    py = str(tmp / "bin" / "python")
    session.run(py, "-m", "pip", "install", "-q", str(wheel_file), external=True)
    session.run(
        py,
        "-c",
        "import ai_backend_client, ai_backend_client._generated.v6_20220315.client as c6, "
        "ai_backend_client._generated.v8_20240915.client as c8; "
        "from ai_backend_client import Session; print('wheel ok', ai_backend_client.__version__)",
        external=True,
    )
    session.run(str(tmp / "bin" / "backend.ai"), "--help", external=True, silent=True)
    # the installed wheel, as a user's type checker sees it: pyright --verifytypes at 100 %
    # (tools/verifytypes.py lists and justifies the exceptions)
    session.run(py, "-m", "pip", "install", "-q", "pyright==1.1.414", external=True)
    session.run(py, "-m", "tools.verifytypes", external=True)


@nox.session(python="3.12")
def bench(session: nox.Session) -> None:
    """Issue 12's comparisons against the official clients, in one run (``-- --runs 5 --only
    cli,many`` and the like pass through); the other bench/ scripts run alone (bench/README.md)."""
    session.install("-e", DEV)
    session.run("python", str(ROOT / "bench" / "bench_official.py"), *session.posargs)


@nox.session(python=False)
def ci(session: nox.Session) -> None:
    """The whole suite: lint, types, codegen check, unit tests on 3.10-3.13, the wheel, the API
    reference, then for each server line (24.09, then 26.09) the integration tests against a
    real local server that this session brings up and always stops again (a line that was
    already running before, on a shared machine, is left running)."""
    session.run(
        "nox", "-s", "lint", "typecheck", "codegen_check", "tests", "wheel", "docs", external=True
    )
    failed = []
    for line in STACK_LINES:
        was_up = _stack_running(line)
        _stack(session, "up", "--line", line)
        try:
            env = _stack_env(session, line)  # BACKEND_*, AIBC_* of that line
            session.run("nox", "-s", "integration", external=True, env=env)
        except CommandFailed:
            failed.append(line)
        finally:
            if was_up:
                session.log(f"line {line} was running before this session: left running")
            else:
                _stack(session, "down", "--line", line)
    if failed:
        session.error(f"integration tests failed against line(s): {', '.join(failed)}")
