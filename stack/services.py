"""The long-running components: how each starts, how we know it is ready, how it stops."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import api, bootstrap, procs
from . import settings as S
from .settings import Layout
from .util import StackError, say, wait_for


@dataclass
class Component:
    name: str
    port: int
    argv: Callable[[Layout], list[str]]
    ready: Callable[[Layout], bool]
    cwd: Callable[[Layout], Path]
    timeout: float
    user: str | None = None
    stop_signal: int = signal.SIGTERM
    env: Callable[[Layout], dict[str, str]] = field(default=lambda lay: {})
    extra_ports: tuple[int, ...] = ()

    def log(self, lay: Layout) -> Path:
        return lay.logs / f"{self.name}.log"


def _backend_env(lay: Layout) -> dict[str, str]:
    return {
        "DOCKER_HOST": lay.docker_host,
        "PYTHONUNBUFFERED": "1",
        "AIBC_STACK_ROOT": str(lay.root),
    }


def _http_ok(url: str, must_contain: str = "") -> bool:
    res = procs.http_get(url)
    return res is not None and 200 <= res[0] < 300 and must_contain in res[1]


def _agent_ready(lay: Layout) -> bool:
    # The RPC port answers early; the agent is usable once the manager marks it ALIVE after its
    # first heartbeat. A stale ALIVE row from an earlier run is cleared by the stop/start logic.
    return procs.port_open(lay.ports.agent_rpc) and bootstrap.agent_alive(lay)


def _internal(*ports: int | None) -> tuple[int, ...]:
    return tuple(p for p in ports if p is not None)


def components(lay: Layout) -> list[Component]:
    """The line's long-running processes, in start order."""
    p = lay.ports
    url = f"http://{S.HOST}"
    return [
        Component(
            name="postgres",
            port=p.pg,
            argv=lambda lay: [
                str(S.PG_BIN / "postgres"),
                "-D",
                str(lay.pgdata),
                "-p",
                str(p.pg),
                "-c",
                f"listen_addresses={S.HOST}",
                "-c",
                "unix_socket_directories=",
            ],
            ready=bootstrap.pg_ready,
            cwd=lambda lay: lay.pgdata,
            timeout=60,
            user="postgres",
            stop_signal=signal.SIGINT,  # "fast" shutdown
        ),
        Component(
            name="redis",
            port=p.redis,
            argv=lambda lay: [
                "redis-server",
                "--bind",
                S.HOST,
                "--port",
                str(p.redis),
                "--dir",
                str(lay.redis_dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
                "--daemonize",
                "no",
            ],
            ready=lambda lay: procs.redis_ping(p.redis),
            cwd=lambda lay: lay.redis_dir,
            timeout=30,
        ),
        Component(
            name="etcd",
            port=p.etcd,
            extra_ports=(p.etcd_peer,),
            argv=lambda lay: [
                "etcd",
                "--name",
                "aibc-stack",
                "--data-dir",
                str(lay.etcd_dir),
                "--listen-client-urls",
                f"{url}:{p.etcd}",
                "--advertise-client-urls",
                f"{url}:{p.etcd}",
                "--listen-peer-urls",
                f"{url}:{p.etcd_peer}",
                "--initial-advertise-peer-urls",
                f"{url}:{p.etcd_peer}",
                "--initial-cluster",
                f"aibc-stack={url}:{p.etcd_peer}",
            ],
            ready=lambda lay: _http_ok(f"{url}:{p.etcd}/health", "true"),
            cwd=lambda lay: lay.etcd_dir,
            timeout=60,
        ),
        Component(
            name="manager",
            port=p.manager,
            extra_ports=_internal(p.manager_internal),
            argv=lambda lay: [
                str(lay.venv / "bin" / "backend.ai"),
                "mgr",
                "-f",
                str(lay.etc / "manager.toml"),
                "start-server",
            ],
            ready=lambda lay: _http_ok(f"{url}:{p.manager}/", lay.line.api_version),
            cwd=lambda lay: lay.etc,
            timeout=240,
            env=_backend_env,
        ),
        Component(
            name="storage-proxy",
            port=p.storage_client,
            extra_ports=_internal(p.storage_manager, p.storage_internal),
            argv=lambda lay: [
                str(lay.venv / "bin" / "python"),
                "-m",
                "ai.backend.storage.server",
                "-f",
                str(lay.etc / "storage-proxy.toml"),
            ],
            ready=lambda lay: _http_ok(f"{url}:{p.storage_client}/"),
            cwd=lambda lay: lay.etc,
            timeout=180,
            env=_backend_env,
        ),
        Component(
            name="agent",
            port=p.agent_rpc,
            extra_ports=_internal(p.agent_internal),
            argv=lambda lay: [
                str(lay.venv / "bin" / "python"),
                str(lay.tools / "agent_shim.py"),
                "-f",
                str(lay.etc / "agent.toml"),
            ],
            ready=_agent_ready,
            cwd=lambda lay: lay.agent_cwd,
            timeout=180,
            env=_backend_env,
        ),
        Component(
            name="webserver",
            port=p.webserver,
            argv=lambda lay: [
                str(lay.venv / "bin" / "python"),
                "-m",
                "ai.backend.web.server",
                "-f",
                str(lay.etc / "webserver.conf"),
            ],
            ready=lambda lay: _http_ok(f"{url}:{p.webserver}/func/", lay.line.api_version),
            cwd=lambda lay: lay.etc,
            timeout=180,
            env=_backend_env,
        ),
        *_appproxy(lay),
    ]


def _appproxy(lay: Layout) -> list[Component]:
    """The app proxy (26.x): the coordinator the manager registers endpoints with (the resource
    group's wsproxy_addr) and one worker that serves them, one port per circuit."""
    p = lay.ports
    if p.appproxy_coordinator is None or p.appproxy_worker is None:
        return []

    def component(role: str, port: int, ready: Callable[[Layout], bool]) -> Component:
        return Component(
            name=f"appproxy-{role}",
            port=port,
            argv=lambda lay: [
                str(lay.venv / "bin" / "python"),
                str(lay.tools / "appproxy_boot.py"),
                f"app-proxy-{role}",
                "start-server",
                "-f",
                str(lay.etc / f"appproxy-{role}.toml"),
            ],
            ready=ready,
            cwd=lambda lay: lay.etc,
            timeout=180,
            env=_backend_env,
        )

    return [
        component(
            "coordinator",
            p.appproxy_coordinator,
            lambda lay: _http_ok(f"http://{S.HOST}:{p.appproxy_coordinator}/status"),
        ),
        component("worker", p.appproxy_worker, bootstrap.appproxy_worker_registered),
    ]


def by_name(lay: Layout) -> dict[str, Component]:
    return {c.name: c for c in components(lay)}


HALFSTACK = ["postgres", "redis", "etcd"]


def backend(lay: Layout) -> list[str]:
    """The line's Backend.AI services, in start order (the manager first, the app proxy last)."""
    return [c.name for c in components(lay) if c.name not in HALFSTACK]


def names(lay: Layout) -> list[str]:
    return [c.name for c in components(lay)]


def ensure_running(lay: Layout, comp: Component) -> str:
    """Start ``comp`` unless it runs already; wait until it is ready. Returns what happened."""
    rec = procs.running(lay.run, comp.name)
    if rec is None:
        for port in (comp.port, *comp.extra_ports):
            if procs.port_open(port):
                raise StackError(
                    f"{comp.name}: port {S.HOST}:{port} is already in use by a process this tool "
                    f"did not start (here, for line {lay.line.name}); stop it (or its stack) first"
                )
        procs.stop(lay.run, comp.name)  # clears a stale record (and anything it left)
        if comp.name == "postgres":
            _remove_stale_postmaster_pid(lay)
        if comp.name == "agent":
            stop_kernel_runners(lay)  # runners of an agent that is gone
            _forget_agent_status(lay)
        env = dict(os.environ)
        env.update(comp.env(lay))
        try:
            rec = procs.spawn(lay.run, comp.name, comp.argv(lay), log=comp.log(lay), cwd=comp.cwd(lay),
                              env=env, user=comp.user)  # fmt: skip
        except OSError as e:
            raise StackError(
                f"{comp.name}: cannot start {comp.argv(lay)[0]}: {e}", comp.log(lay)
            ) from None
        what = f"started (pid {rec.pid})"
    else:
        what = f"already running (pid {rec.pid})"
    ok = wait_for(lambda: comp.ready(lay), timeout=comp.timeout, alive=rec.alive)
    if not ok:
        if not rec.alive():
            raise StackError(f"{comp.name} exited before it was ready", comp.log(lay))
        raise StackError(f"{comp.name} not ready within {comp.timeout:.0f}s (pid {rec.pid} still running)",
                         comp.log(lay))  # fmt: skip
    return what


def destroy_stale_sessions(lay: Layout) -> int:
    """Sessions the manager still thinks run on our agent, although the agent just started and has
    no kernel: force-destroy them through the API, so they neither hang clients nor hold slots."""
    rows = bootstrap.psql(
        lay,
        "select s.id, s.access_key from sessions s where s.status not in ('TERMINATED', 'CANCELLED')"
        f" and exists (select 1 from kernels k where k.session_id = s.id and k.agent = '{S.AGENT_ID}')"
    )
    count = 0
    for line in filter(None, rows.splitlines()):
        session_id, owner = line.split("|")
        status, body = api.request(
            lay,
            "DELETE",
            f"/session/{session_id}?forced=true&owner_access_key={owner}",
            access_key=S.SUPERADMIN.access_key,
            secret_key=S.SUPERADMIN.secret_key,
        )
        if status >= 300:
            raise StackError(f"could not destroy stale session {session_id}: HTTP {status} {body}")
        count += 1
    return count


def _remove_stale_postmaster_pid(lay: Layout) -> None:
    # After a hard kill (machine reset, a harness ending every process), postmaster.pid stays;
    # PostgreSQL refuses to start if the pid written in it now belongs to another live process.
    lock = lay.pgdata / "postmaster.pid"
    try:
        pid = int(lock.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        comm = ""
    if comm != "postgres" and not procs.port_open(lay.ports.pg):
        lock.unlink(missing_ok=True)


def _forget_agent_status(lay: Layout) -> None:
    # A row still saying ALIVE from an agent that is gone (killed, machine restarted) would make
    # the readiness check pass too early: mark it LOST, as the manager would after a timeout.
    with contextlib.suppress(StackError):
        bootstrap.psql(
            lay,
            f"update agents set status = 'LOST' where id = '{S.AGENT_ID}' and status = 'ALIVE'"
        )


def stop_kernel_runners(lay: Layout) -> list[str]:
    out = []
    for path in sorted(lay.kernel_pids.glob("*.proc.json")):
        name = path.name[: -len(".proc.json")]
        out.append(f"kernel runner {name[:8]}: {procs.stop(lay.kernel_pids, name, timeout=5)}")
    return out


def stop(lay: Layout, comp: Component) -> str:
    return procs.stop(lay.run, comp.name, sig=comp.stop_signal, timeout=30)


def status_line(lay: Layout, comp: Component) -> tuple[bool, str]:
    rec = procs.running(lay.run, comp.name)
    ports = ",".join(str(p) for p in (comp.port, *comp.extra_ports))
    if rec is None:
        note = "  (port in use by another process)" if procs.port_open(comp.port) else ""
        return False, f"{comp.name:<20} {'stopped':<19} {'':<11} port {ports}{note}"
    ready = "running" if comp.ready(lay) else "running (not ready)"
    return True, f"{comp.name:<20} {ready:<19} pid {rec.pid:<7} port {ports}"


def say_status(lay: Layout) -> bool:
    all_up = True
    for comp in components(lay):
        up, line = status_line(lay, comp)
        all_up &= up
        say(line)
    runners = list(lay.kernel_pids.glob("*.proc.json")) if lay.kernel_pids.exists() else []
    live = [p for p in runners if procs.running(lay.kernel_pids, p.name[: -len(".proc.json")])]
    say(f"{'kernel-runners':<20} {len(live)} running")
    return all_up
