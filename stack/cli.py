"""``python -m stack up|down|status|logs|env``: a real Backend.AI 24.09.6 stack on 127.0.0.1."""

from __future__ import annotations

import argparse
import fcntl
import os
import shlex
import sys
import time
from pathlib import Path

from . import bootstrap, configs, install, services
from . import settings as S
from .settings import Layout
from .util import StackError, eprint, say, step, write_if_changed

HERE = Path(__file__).resolve().parent
LOCK_TIMEOUT = 1800  # another `up` may be installing packages


class _Lock:
    """One `up`/`down` at a time per state root (bounded wait)."""

    def __init__(self, lay: Layout) -> None:
        lay.root.mkdir(parents=True, exist_ok=True)
        self.f = open(lay.root / ".lock", "w")  # noqa: SIM115 (held until __exit__)

    def __enter__(self) -> _Lock:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(self.f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StackError(
                        "another `python -m stack` holds the lock; gave up waiting"
                    ) from None
                time.sleep(1)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def env_lines() -> list[str]:
    a, u = S.SUPERADMIN, S.USER
    pairs = [
        ("BACKEND_ENDPOINT", f"http://{S.HOST}:{S.MANAGER_PORT}"),
        ("BACKEND_ENDPOINT_TYPE", "api"),
        ("BACKEND_ACCESS_KEY", a.access_key),
        ("BACKEND_SECRET_KEY", a.secret_key),
        ("AIBC_USER_ACCESS_KEY", u.access_key),
        ("AIBC_USER_SECRET_KEY", u.secret_key),
        ("AIBC_WEBSERVER_ENDPOINT", f"http://{S.HOST}:{S.WEBSERVER_PORT}"),
        ("AIBC_ADMIN_EMAIL", a.email),
        ("AIBC_ADMIN_PASSWORD", a.password),
        ("AIBC_USER_EMAIL", u.email),
        ("AIBC_USER_PASSWORD", u.password),
        ("AIBC_STORAGE_PROXY", f"http://{S.HOST}:{S.STORAGE_CLIENT_PORT}"),
    ]
    return [f"export {k}={shlex.quote(v)}" for k, v in pairs]


def write_files(lay: Layout) -> None:
    """Configs, the agent shim and the fixtures, (re)written only when their content changed."""
    changed = []
    files = {
        lay.etc / "manager.toml": configs.manager_toml(lay),
        lay.etc / "alembic.ini": configs.alembic_ini(),
        lay.etc / "etcd.config.json": _json(configs.etcd_config()),
        lay.etc / "etcd.volumes.json": _json(configs.etcd_volumes()),
        lay.etc / "storage-proxy.toml": configs.storage_proxy_toml(lay),
        lay.etc / "agent.toml": configs.agent_toml(lay),
        lay.agent_cwd / "agent.dummy.toml": configs.agent_dummy_toml(),
        lay.etc / "webserver.conf": configs.webserver_toml(lay),
        lay.root / "client.env": "\n".join(env_lines()) + "\n",
    }
    for name in ("agent_shim.py", "krunner_boot.py", "kernel_files.py"):
        files[lay.tools / name] = (HERE / name).read_text()
    for name in S.FIXTURES:
        files[lay.fixtures / f"{name}.json"] = (HERE / "fixtures" / f"{name}.json").read_text()
    for path, text in files.items():
        if write_if_changed(path, text):
            changed.append(path.relative_to(lay.root))
    # vfs volumes carry a format version file.
    write_if_changed(lay.volume_dir / "version.txt", "3\n")
    if changed:
        say(f"   wrote {len(changed)} file(s): " + ", ".join(str(c) for c in changed))
        running = [c.name for c in services.COMPONENTS if c.name in services.BACKEND
                   and services.procs.running(lay.run, c.name)]  # fmt: skip
        if running and any(str(c).startswith(("etc", "agent-cwd", "tools")) for c in changed):
            say(
                f"   note: {', '.join(running)} already running with the old files; `down` then `up` to apply"
            )


def _json(data: object) -> str:
    import json

    return json.dumps(data, indent=2) + "\n"


def preflight(lay: Layout) -> None:
    if os.geteuid() != 0:
        raise StackError("run as root: the stack installs Debian packages, runs PostgreSQL as the "
                         "postgres user and gives each kernel a private mount namespace")  # fmt: skip
    if lay.root.resolve().is_relative_to("/home"):
        raise StackError("the state root must not be under /home (kernels get a private /home)")
    if sys.platform != "linux":
        raise StackError("Linux only")


def cmd_up(lay: Layout, args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    preflight(lay)
    with _Lock(lay):
        for d in lay.dirs():
            d.mkdir(parents=True, exist_ok=True)
        with step("Debian packages (PostgreSQL, Redis, etcd)"):
            install.ensure_debian_packages(lay)
        with step(f"CPython 3.12 venvs (Backend.AI {S.BACKEND_AI_VERSION}, kernel runner)"):
            install.ensure_venvs(lay, install.venvs(lay))
        with step("configuration files"):
            write_files(lay)
        with step("PostgreSQL, Redis, etcd"):
            bootstrap.initdb(lay)
            for name in services.HALFSTACK:
                say(f"   {name}: {services.ensure_running(lay, services.BY_NAME[name])}")
        with step("database, fixtures, etcd keys, image"):
            bootstrap.database(lay)
            bootstrap.etcd(lay)
        with step("Backend.AI manager, storage proxy, agent, webserver"):
            for name in services.BACKEND:
                what = services.ensure_running(lay, services.BY_NAME[name])
                say(f"   {name}: {what}")
                if name == "agent" and what.startswith("started"):
                    stale = services.destroy_stale_sessions(lay)
                    if stale:
                        say(f"   destroyed {stale} session(s) left from the agent's previous run")
    say(f"stack is up ({time.monotonic() - t0:.1f}s); state in {lay.root}")
    services.say_status(lay)
    say(f'client environment: eval "$(python -m stack env)"  (also in {lay.root / "client.env"})')
    return 0


def cmd_down(lay: Layout, args: argparse.Namespace) -> int:
    if not lay.run.exists():
        say("nothing was started here")
        return 0
    with _Lock(lay):
        for comp in reversed(services.COMPONENTS):
            say(f"{comp.name}: {services.stop(lay, comp)}")
            if comp.name == "agent":
                for line in services.stop_kernel_runners(lay):
                    say(line)
    return 0


def cmd_status(lay: Layout, args: argparse.Namespace) -> int:
    if not lay.root.exists():
        say(f"no stack state at {lay.root}")
        return 3
    return 0 if services.say_status(lay) else 3


def cmd_logs(lay: Layout, args: argparse.Namespace) -> int:
    names = args.component or [c.name for c in services.COMPONENTS]
    for name in names:
        if name not in services.BY_NAME:
            eprint(f"unknown component {name!r}; one of: {', '.join(services.BY_NAME)}")
            return 2
        log = services.BY_NAME[name].log(lay)
        say(f"--- {log} (last {args.lines} lines) ---")
        say(services.procs.tail(log, args.lines))
    return 0


def cmd_env(lay: Layout, args: argparse.Namespace) -> int:
    for line in env_lines():
        say(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stack",
        description=f"A real Backend.AI {S.BACKEND_AI_VERSION} stack on 127.0.0.1 for the quickstart and integration tests.",
    )
    parser.add_argument("--root", type=Path, default=None,
                        help="state root (default: $AIBC_STACK_ROOT or /var/tmp/ai-backend-client-stack)")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "up", help="install what is missing, start what is not running, wait until ready"
    )
    sub.add_parser("down", help="stop the processes this tool started")
    sub.add_parser("status", help="one line per component; exit 0 only if all run")
    p_logs = sub.add_parser("logs", help="tails of the component logs")
    p_logs.add_argument("component", nargs="*", help="component names (default: all)")
    p_logs.add_argument("-n", "--lines", type=int, default=30)
    sub.add_parser("env", help="shell exports for clients and the integration tests")
    args = parser.parse_args(argv)
    lay = Layout((args.root or S.default_root()).absolute())
    handler = {
        "up": cmd_up,
        "down": cmd_down,
        "status": cmd_status,
        "logs": cmd_logs,
        "env": cmd_env,
    }[args.command]
    try:
        return handler(lay, args)
    except StackError as e:
        eprint(e.report())
        return 1
    except KeyboardInterrupt:
        eprint("stack: interrupted")
        return 130
