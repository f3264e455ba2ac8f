"""Install what the stack runs: Debian packages and the line's CPython venvs (only what is missing)."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from . import settings as S
from .settings import Layout
from .util import StackError, capture, run, say

APT_TIMEOUT = 900
PIP_TIMEOUT = 1500
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


def _installed(pkg: str) -> bool:
    rc, out, _ = capture(["dpkg-query", "-W", "-f=${Status}", pkg], timeout=30)
    return rc == 0 and out.strip() == "install ok installed"


def ensure_debian_packages(lay: Layout) -> None:
    missing = [p for p in S.DEBIAN_PACKAGES if not _installed(p)]
    if not missing:
        say("   Debian packages present: " + " ".join(S.DEBIAN_PACKAGES))
        return
    if os.geteuid() != 0:
        raise StackError(f"missing Debian packages {missing} and not root: install them first")
    log = lay.logs / "apt.log"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say("   installing " + " ".join(missing))
    # Keep the packages' own service instances (5432, 6379, 2379) from starting: this stack runs
    # its own instances on its own ports. A policy-rc.d that answers 101 is the Debian way.
    added_policy = False
    if not POLICY_RC_D.exists():
        POLICY_RC_D.write_text(
            "#!/bin/sh\n# added by ai-backend-client stack during apt-get install\nexit 101\n"
        )
        POLICY_RC_D.chmod(0o755)
        added_policy = True
    try:
        run(
            ["apt-get", "update", "-q"],
            log=log,
            timeout=APT_TIMEOUT,
            env=env,
            what="apt-get update",
        )
        run(
            ["apt-get", "install", "-y", "-q", *missing],
            log=log,
            timeout=APT_TIMEOUT,
            env=env,
            what="apt-get install",
        )
    finally:
        if added_policy:
            POLICY_RC_D.unlink(missing_ok=True)
    for exe in (S.PG_BIN / "postgres", S.PG_BIN / "initdb"):
        if not exe.exists():
            raise StackError(f"{exe} missing after installing postgresql", log)
    for exe in ("redis-server", "etcd", "etcdctl", "psql"):
        if shutil.which(exe) is None:
            raise StackError(f"{exe} missing after apt-get install", log)


def _version(python: str) -> tuple[int, int] | None:
    rc, out, _ = capture(
        [python, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"], timeout=30
    )
    if rc != 0:
        return None
    major, minor = out.split()
    return int(major), int(minor)


def find_python(want: tuple[int, int]) -> str:
    """CPython ``want`` for the services: $AIBC_STACK_PYTHON (if that version), a pyenv install,
    or pythonX.Y on PATH."""
    name = f"{want[0]}.{want[1]}"
    candidates: list[str] = []
    if os.environ.get("AIBC_STACK_PYTHON"):
        candidates.append(os.environ["AIBC_STACK_PYTHON"])
    roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv")]
    found: list[str] = []
    for root in filter(None, roots):
        found += glob.glob(os.path.join(root, "versions", f"{name}.*", "bin", "python"))

    def key(p: str) -> tuple[int, ...]:
        m = re.search(re.escape(name) + r"\.(\d+)", p)
        return (int(m.group(1)),) if m else (-1,)

    candidates += sorted(set(found), key=key, reverse=True)
    on_path = shutil.which(f"python{name}")
    if on_path:
        candidates.append(on_path)
    for cand in candidates:
        if os.access(cand, os.X_OK) and _version(cand) == want:
            return cand
    raise StackError(
        f"no CPython {name} found (Backend.AI {name} services need it): "
        "install one with pyenv or set AIBC_STACK_PYTHON"
    )


class Venv:
    """A venv that holds exactly ``packages``; a marker file records a finished install."""

    def __init__(
        self, path: Path, packages: list[str], post: list[list[str]] | None = None
    ) -> None:
        self.path = path
        self.packages = packages
        self.post = post or []
        self.marker = path / ".aibc-stack-installed.json"

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def wanted(self) -> dict:
        return {"packages": self.packages, "post": self.post}

    def ready(self) -> bool:
        try:
            return self.python.exists() and json.loads(self.marker.read_text()) == self.wanted()
        except (OSError, ValueError):
            return False

    def commands(self, base_python: str) -> list[list[str]]:
        cmds: list[list[str]] = []
        if not self.python.exists():
            cmds.append([base_python, "-m", "venv", str(self.path)])
        cmds.append(
            [
                str(self.python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *self.packages,
            ]
        )
        cmds += [[str(self.python), *c] for c in self.post]
        return cmds


def ensure_venvs(lay: Layout, venvs: list[Venv]) -> None:
    todo = [v for v in venvs if not v.ready()]
    for v in venvs:
        if v.ready():
            say(f"   {v.path.name}: installed")
    if not todo:
        return
    base = find_python(lay.line.python)
    say(f"   using {base}")
    # The venvs are independent: install them side by side (pip is mostly waiting on downloads).
    jobs = []
    for v in todo:
        log = lay.logs / f"pip-{v.path.name}.log"
        script = " && ".join(" ".join(_sh(a) for a in c) for c in v.commands(base))
        say(f"   {v.path.name}: installing {' '.join(v.packages)} (log {log})")
        out = open(log, "ab")  # noqa: SIM115 (closed when the job ends)
        proc = subprocess.Popen(
            ["bash", "-c", script], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        jobs.append((v, proc, out, log))
    failed: StackError | None = None
    for v, proc, out, log in jobs:
        try:
            rc = proc.wait(timeout=PIP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            rc = None
        out.close()
        if rc != 0:
            failed = failed or StackError(
                f"installing {v.path.name} failed ({'timeout' if rc is None else f'exit {rc}'})",
                log,
            )
            continue
        v.marker.write_text(json.dumps(v.wanted()))
    if failed:
        raise failed


def _sh(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def venvs(lay: Layout) -> list[Venv]:
    return [
        Venv(lay.venv, lay.line.service_packages),
        Venv(
            lay.krunner_venv,
            lay.line.krunner_packages,
            post=[["-m", "ipykernel", "install", "--sys-prefix"]],
        ),
    ]
