"""``python -m stack up|down|status|logs|env [--line 24.09|26.09]``: a real Backend.AI stack of one
release line on 127.0.0.1; each line has its own state root and ports, so both can run at once."""

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


def env_lines(lay: Layout) -> list[str]:
    a, u, p = S.SUPERADMIN, S.USER, lay.ports
    pairs = [
        ("BACKEND_ENDPOINT", f"http://{S.HOST}:{p.manager}"),
        ("BACKEND_ENDPOINT_TYPE", "api"),
        ("BACKEND_ACCESS_KEY", a.access_key),
        ("BACKEND_SECRET_KEY", a.secret_key),
        ("AIBC_USER_ACCESS_KEY", u.access_key),
        ("AIBC_USER_SECRET_KEY", u.secret_key),
        ("AIBC_WEBSERVER_ENDPOINT", f"http://{S.HOST}:{p.webserver}"),
        ("AIBC_ADMIN_EMAIL", a.email),
        ("AIBC_ADMIN_PASSWORD", a.password),
        ("AIBC_USER_EMAIL", u.email),
        ("AIBC_USER_PASSWORD", u.password),
        ("AIBC_STORAGE_PROXY", f"http://{S.HOST}:{p.storage_client}"),
        (S.LINE_ENV, lay.line.name),
        ("AIBC_MANAGER_VERSION", lay.line.manager),
        ("AIBC_API_VERSION", lay.line.api_version),
    ]
    # What the running agent's shim can do (an agent started before a feature was added to
    # agent_shim.py lacks it until the stack is restarted); tests skip on a missing feature.
    features = lay.run / "agent-features"
    if features.is_file():
        pairs.append(("AIBC_AGENT_FEATURES", ",".join(features.read_text().split())))
    return [f"export {k}={shlex.quote(v)}" for k, v in pairs]


def write_files(lay: Layout) -> None:
    """Configs, the agent shim and the fixtures, (re)written only when their content changed."""
    changed = []
    files = {
        lay.etc / "manager.toml": configs.manager_toml(lay),
        lay.etc / "alembic.ini": configs.alembic_ini(lay),
        lay.etc / "etcd.config.json": _json(configs.etcd_config(lay)),
        lay.etc / "etcd.volumes.json": _json(configs.etcd_volumes(lay)),
        lay.etc / "storage-proxy.toml": configs.storage_proxy_toml(lay),
        lay.etc / "agent.toml": configs.agent_toml(lay),
        lay.agent_cwd / "agent.dummy.toml": configs.agent_dummy_toml(lay),
        lay.etc / "webserver.conf": configs.webserver_toml(lay),
        lay.root / "client.env": "\n".join(env_lines(lay)) + "\n",
    }
    tools = ["agent_shim.py", "krunner_boot.py", "kernel_files.py"]
    if lay.ports.appproxy_coordinator is not None:
        tools.append("appproxy_boot.py")
    for name in tools:
        files[lay.tools / name] = (HERE / name).read_text()
    for name in lay.line.fixtures:
        src = HERE / "fixtures" / lay.line.name / f"{name}.json"
        files[lay.fixtures / f"{name}.json"] = src.read_text()
    if lay.ports.appproxy_coordinator is not None:
        files[lay.etc / "appproxy-coordinator.toml"] = configs.appproxy_coordinator_toml(lay)
        files[lay.etc / "appproxy-worker.toml"] = configs.appproxy_worker_toml(lay)
        files[lay.etc / "alembic-appproxy.ini"] = configs.appproxy_alembic_ini(lay)
    if lay.line.rbac:
        files[lay.etc / "rbac-edges.sql"] = (HERE / "sql" / "rbac-edges.sql").read_text()
    for path, text in files.items():
        if write_if_changed(path, text):
            changed.append(path.relative_to(lay.root))
    # vfs volumes carry a format version file.
    write_if_changed(lay.volume_dir / "version.txt", "3\n")
    if changed:
        say(f"   wrote {len(changed)} file(s): " + ", ".join(str(c) for c in changed))
        running = [n for n in services.backend(lay) if services.procs.running(lay.run, n)]
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


def check_root_line(lay: Layout, *, claim: bool = False) -> None:
    """A state root serves one line: refuse another line's root (``claim``: mark an unmarked one)."""
    try:
        owner = lay.line_file.read_text().strip()
    except OSError:
        owner = ""
    if owner and owner != lay.line.name:
        raise StackError(
            f"{lay.root} holds a {owner} stack, not {lay.line.name}: "
            f"use --line {owner}, or another --root / $AIBC_STACK_ROOT for line {lay.line.name}"
        )
    if claim and not owner:
        write_if_changed(lay.line_file, lay.line.name + "\n")


def _title(lay: Layout) -> str:
    line = lay.line
    return f"line {line.name}: Backend.AI {line.version} (API {line.api_version})"


def _env_hint(lay: Layout) -> str:
    return f'eval "$(python -m stack env --line {lay.line.name})"'


def cmd_up(lay: Layout, args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    preflight(lay)
    check_root_line(lay)
    with _Lock(lay):
        for d in lay.dirs():
            d.mkdir(parents=True, exist_ok=True)
        check_root_line(lay, claim=True)
        say(f"{_title(lay)}, state in {lay.root}")
        line = lay.line
        with step("Debian packages (PostgreSQL, Redis, etcd)"):
            install.ensure_debian_packages(lay)
        with step(f"CPython {line.python_name} venvs (Backend.AI {line.version}, kernel runner)"):
            install.ensure_venvs(lay, install.venvs(lay))
        with step("configuration files"):
            write_files(lay)
        comps = services.by_name(lay)
        with step("PostgreSQL, Redis, etcd"):
            bootstrap.initdb(lay)
            for name in services.HALFSTACK:
                say(f"   {name}: {services.ensure_running(lay, comps[name])}")
        with step("database, fixtures, etcd keys, image" + (", roles" if line.rbac else "")):
            bootstrap.database(lay)
            bootstrap.etcd(lay)
        title = "Backend.AI manager, storage proxy, agent, webserver"
        if line.ports.appproxy_coordinator is not None:
            title += ", app proxy"
        with step(title):
            for name in services.backend(lay):
                what = services.ensure_running(lay, comps[name])
                say(f"   {name}: {what}")
                if name == "agent" and what.startswith("started"):
                    stale = services.destroy_stale_sessions(lay)
                    if stale:
                        say(f"   destroyed {stale} session(s) left from the agent's previous run")
    say(f"stack {line.name} is up ({time.monotonic() - t0:.1f}s); state in {lay.root}")
    services.say_status(lay)
    say(f"client environment: {_env_hint(lay)}  (also in {lay.root / 'client.env'})")
    return 0


def cmd_down(lay: Layout, args: argparse.Namespace) -> int:
    if not lay.run.exists():
        say(f"nothing was started here ({lay.root})")
        return 0
    check_root_line(lay)
    say(f"{_title(lay)}, state in {lay.root}")
    with _Lock(lay):
        for comp in reversed(services.components(lay)):
            if comp.name == "agent":
                # The runners first: 26.x's agent leaves its kernels running when it stops (24.x
                # destroys them), and they are its descendants, so `stop` would wait for them.
                for line in services.stop_kernel_runners(lay):
                    say(line)
            say(f"{comp.name}: {services.stop(lay, comp)}")
    return 0


def other_lines_running(lay: Layout) -> list[str]:
    """The other lines with a running component in their default state root."""
    found = []
    for line in S.LINES.values():
        other = Layout(Path(line.root), line)
        if other.root != lay.root and any(
            services.procs.running(other.run, n) for n in services.names(other)
        ):
            found.append(f"{line.name} ({other.root})")
    return found


def cmd_status(lay: Layout, args: argparse.Namespace) -> int:
    check_root_line(lay)
    say(f"{_title(lay)}, state in {lay.root}")
    others = other_lines_running(lay)
    if not lay.root.exists():
        say("   no stack state here")
        all_up = False
    else:
        all_up = services.say_status(lay)
    if others:
        say("also running: line " + ", line ".join(others))
    return 0 if all_up else 3


def cmd_logs(lay: Layout, args: argparse.Namespace) -> int:
    check_root_line(lay)
    comps = services.by_name(lay)
    for name in args.component or services.names(lay):
        if name not in comps:
            eprint(f"unknown component {name!r}; one of: {', '.join(comps)}")
            return 2
        log = comps[name].log(lay)
        say(f"--- {log} (last {args.lines} lines) ---")
        say(services.procs.tail(log, args.lines))
    return 0


def cmd_env(lay: Layout, args: argparse.Namespace) -> int:
    check_root_line(lay)
    up = lay.run.exists() and all(services.procs.running(lay.run, n) for n in services.names(lay))
    # A comment for whoever reads it; `eval` and the noxfile skip it.
    say(f"# {_title(lay)}, state in {lay.root}: {'running' if up else 'NOT running'}")
    for line in env_lines(lay):
        say(line)
    if not up:
        hint = f"python -m stack up --line {lay.line.name}"
        others = other_lines_running(lay)
        also = f"; running: line {', line '.join(others)}" if others else ""
        eprint(f"stack: line {lay.line.name} is not running (start it: {hint}){also}")
    return 0


def main(argv: list[str] | None = None) -> int:
    lines = "|".join(S.LINES)
    parser = argparse.ArgumentParser(
        prog="python -m stack",
        description="A real Backend.AI stack on 127.0.0.1 for the quickstart and integration "
        f"tests, one per release line ({', '.join(S.LINES)}); the default line is "
        f"{S.DEFAULT_LINE} (or ${S.LINE_ENV}).",
    )
    parser.add_argument("--root", type=Path, default=None,
                        help="state root (default: $AIBC_STACK_ROOT, else the line's own: "
                        + ", ".join(f"{n}: {line.root}" for n, line in S.LINES.items()) + ")")  # fmt: skip
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--line", choices=list(S.LINES), default=None, metavar=lines,
                        help=f"release line (default: ${S.LINE_ENV}, else {S.DEFAULT_LINE})")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "up", parents=[common],
        help="install what is missing, start what is not running, wait until ready",
    )  # fmt: skip
    sub.add_parser("down", parents=[common], help="stop the processes this tool started")
    sub.add_parser("status", parents=[common],
                   help="one line per component; exit 0 only if all run")  # fmt: skip
    p_logs = sub.add_parser("logs", parents=[common], help="tails of the component logs")
    p_logs.add_argument("component", nargs="*", help="component names (default: all)")
    p_logs.add_argument("-n", "--lines", type=int, default=30)
    sub.add_parser("env", parents=[common],
                   help="shell exports for clients and the integration tests")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        line = S.resolve_line(args.line)
    except ValueError as e:
        eprint(f"stack: error: {e}")
        return 2
    lay = Layout((args.root or S.default_root(line)).absolute(), line)
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
