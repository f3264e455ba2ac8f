"""Project tasks. ``nox -l`` lists them; ``nox -s tests`` runs the unit tests on every Python.

The README's test command and ``.ci/run`` both call ``nox -s ci``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

import nox

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
    """Unit tests (respx-mocked; no server needed)."""
    session.install("-e", DEV)
    session.run("pytest", "-q", *session.posargs)


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
    """Integration tests against a real server (BACKEND_ENDPOINT etc.; see `python -m stack env`)."""
    session.install("-e", DEV)
    session.install("aiohttp")  # the seed's async streaming example (run as a test) imports it
    if not os.environ.get("BACKEND_ENDPOINT"):
        session.log("BACKEND_ENDPOINT is not set: sourcing the local stack's environment")
        env = _stack_env(session)
        session.env.update(env)
    session.run("pytest", "-q", "-rs", "-m", "integration", "tests/integration", *session.posargs)


def _stack_env(session: nox.Session) -> dict[str, str]:
    out = session.run(sys.executable, "-m", "stack", "env", silent=True, external=True)
    env: dict[str, str] = {}
    for line in str(out).splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, value = words[1].split("=", 1)
            env[key] = value
    return env


@nox.session(python="3.12")
def quickstart(session: nox.Session) -> None:
    """The main job: bring the local server up if needed, then run hello-world through the SDK and CLI.

    With BACKEND_ENDPOINT set, it talks to that server instead and starts nothing.
    """
    session.install("-e", ".")
    if not os.environ.get("BACKEND_ENDPOINT"):
        session.run(sys.executable, "-m", "stack", "up", external=True)
        session.env.update(_stack_env(session))
    session.run("python", "examples/quickstart.py")
    session.run("backend.ai", "run", "--rm", "-c", 'print("hello from the CLI")', "python")


@nox.session(python=False)
def stack(session: nox.Session) -> None:
    """The real local Backend.AI server: nox -s stack -- up|down|status|logs|env."""
    session.run(sys.executable, "-m", "stack", *(session.posargs or ["status"]), external=True)


@nox.session(python="3.12")
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6")
    session.run(
        "ruff", "check", "ai_backend_client", "codegen", "tests", "bench", "examples", "noxfile.py"
    )
    session.run("ruff", "format", "--check", "ai_backend_client", "codegen", "noxfile.py")


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
def codegen(session: nox.Session) -> None:
    """Regenerate generated/ from spec/ and func/_sync from func/_async."""
    session.install("-e", DEV)
    session.run("python", "-m", "codegen")
    session.run("python", "-m", "codegen.unasync_func")


@nox.session(python="3.12")
def codegen_check(session: nox.Session) -> None:
    """Fail when generated/ or func/_sync is stale."""
    session.install("-e", DEV)
    session.run("python", "-m", "codegen", "--check")
    session.run("python", "-m", "codegen.unasync_func", "--check")


@nox.session(python="3.12")
def wheel(session: nox.Session) -> None:
    """Build the wheel and prove it installs and imports in a fresh venv."""
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


@nox.session(python="3.12")
def bench(session: nox.Session) -> None:
    """Benchmarks; they print ratios measured in one run."""
    session.install("-e", DEV)
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)


@nox.session(python=False)
def ci(session: nox.Session) -> None:
    """The whole suite: lint, types, codegen check, unit tests on 3.10-3.13, the wheel, and the
    integration tests against a real local server that this session brings up and always stops."""
    session.run("nox", "-s", "lint", "typecheck", "codegen_check", "tests", "wheel", external=True)
    session.run(sys.executable, "-m", "stack", "up", external=True)
    try:
        session.run("nox", "-s", "integration", external=True)
    finally:
        session.run(sys.executable, "-m", "stack", "down", external=True)
