"""Start the Backend.AI agent (24.09 or 26.09) in dummy mode, with real code execution.

Runs inside the line's services venv (``python agent_shim.py -f agent.toml``), from the
directory that holds ``agent.dummy.toml``. Nothing installed is edited; at start-up this module
replaces a few methods of the dummy backend:

* kernel creation: instead of faking a container, start the real Backend.AI kernel runner
  (``ai.backend.kernel``, the program that normally runs inside a container) as a host process,
  one per kernel, in a private mount namespace where ``/home`` and ``/tmp`` come from
  per-kernel folders and every mounted vfolder appears at its usual target
  (``/home/work/<name>``). ``/tmp`` is private as in a container: every runner binds
  ``/tmp/bai-user-input.sock``, and two runners starting at once on a shared ``/tmp`` took each
  other's socket, so one runner's main loop died before it served a single run. Its two REPL
  sockets listen on 127.0.0.1 on free ports, which are handed to the agent.
* ``execute``: back to the generic agent code path that talks ZMQ to that runner.
* kernel file operations (upload, download, list): done for real inside the kernel's namespace.
* kernel destruction: stop that runner's process group.
* model services: the runner starts the model definition's service and checks its health, as
  in a container (the dummy backend only sleeps), so an inference route turns healthy (or
  unhealthy) from the runner's own report. 26.x: the service's port is reported as its host
  port (it listens on the host's loopback), so the app proxy can forward to it.
* container listing (26.x only): the live runners. 26.x drops every running kernel that
  ``enumerate_containers()`` does not list, about a minute after the agent starts.
* batch runs (26.x): the output of a run continues after its clean and build steps, as in 24.x.
  26.9.6's code runner ends the run at ``clean-finished`` and ``build-finished``: until the
  manager asks to continue, the runner's next records (the build step's end, the program's
  output, even ``finished``) find no queue and are dropped, so a batch run lost its output most
  of the time and sometimes never finished.

Each runner is recorded under ``<root>/run/kernels/`` so ``python -m stack down`` can stop any
runner the agent left behind.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import shlex
import signal
import socket
import sys
import uuid
from pathlib import Path, PurePosixPath

from ai.backend.agent.agent import AbstractAgent
from ai.backend.agent.dummy.agent import DummyAgent, DummyKernelCreationContext
from ai.backend.agent.dummy.kernel import DummyKernel
from ai.backend.agent.kernel import AbstractCodeRunner

ROOT = Path(os.environ["AIBC_STACK_ROOT"])
KRUNNER_PYTHON = ROOT / "venv-krunner" / "bin" / "python"
TOOLS = ROOT / "tools"
KERNEL_HOMES = ROOT / "kernels"
KERNEL_RECORDS = ROOT / "run" / "kernels"
WORK = PurePosixPath("/home/work")
RUNNER_START_TIMEOUT = 30.0
MAX_ARCHIVE = 1024 * 1024  # the docker backend's limit for `download_file`


#: 26.x: the agent drops kernels it cannot list; the stack runs an app proxy for this line.
LINE_26 = hasattr(AbstractAgent, "_clean_kernel_registry_loop")
#: What this shim adds to the dummy agent beyond code execution (see the module docstring).
AGENT_FEATURES = ("model-service", *(("published-model-ports",) if LINE_26 else ()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_time(pid: int) -> int | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(raw[raw.rindex(")") + 2 :].split()[19])


def _process_tree(root: int) -> list[tuple[int, int | None]]:
    """``root`` and all its descendants, with start times (the runner's Jupyter kernel runs in
    a session of its own, so signalling the runner's process group alone does not reach it)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(raw[raw.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append((pid, _start_time(pid)))
        todo.extend(children.get(pid, []))
    return [(pid, st) for pid, st in tree if st is not None]


def _signal_tree(tree: list[tuple[int, int | None]], sig: int) -> bool:
    """Send ``sig`` to the members of ``tree`` that still live; True if any did."""
    alive = False
    for pid, started in tree:
        if _start_time(pid) == started:
            alive = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
    return alive


class Runners:
    """The kernel-runner processes this agent started, by kernel id."""

    GRACE = 3.0  # seconds between SIGTERM and SIGKILL

    def __init__(self) -> None:
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.sessions: dict[str, str] = {}  # kernel id -> session id
        self.starting: set[str] = set()  # kernels whose runner is being started

    def record(self, kernel_id: str, proc: asyncio.subprocess.Process, argv: list[str]) -> None:
        self.procs[kernel_id] = proc
        KERNEL_RECORDS.mkdir(parents=True, exist_ok=True)
        data = {"pid": proc.pid, "started": _start_time(proc.pid), "argv": argv}
        (KERNEL_RECORDS / f"{kernel_id}.proc.json").write_text(json.dumps(data))

    def _begin(self, kernel_id: str) -> list[tuple[int, int | None]]:
        proc = self.procs.pop(kernel_id, None)
        self.sessions.pop(kernel_id, None)
        if proc is None:
            return []
        tree = _process_tree(proc.pid)
        _signal_tree(tree, signal.SIGTERM)
        return tree

    def _end(self, kernel_id: str, tree: list[tuple[int, int | None]]) -> None:
        _signal_tree(tree, signal.SIGKILL)
        (KERNEL_RECORDS / f"{kernel_id}.proc.json").unlink(missing_ok=True)

    async def stop(self, kernel_id: str) -> None:
        tree = self._begin(kernel_id)
        deadline = asyncio.get_running_loop().time() + self.GRACE
        while _signal_tree(tree, 0) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        self._end(kernel_id, tree)

    def stop_all(self) -> None:
        import time

        trees = {k: self._begin(k) for k in list(self.procs)}
        deadline = time.monotonic() + self.GRACE
        while any(_signal_tree(t, 0) for t in trees.values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        for kernel_id, tree in trees.items():
            self._end(kernel_id, tree)


RUNNERS = Runners()


def _runner_script(home: Path, tmp: Path, mounts: list, runner_argv: list[str]) -> str:
    """Shell script run by ``unshare -m``: private /home and /tmp, vfolder bind mounts, then the
    runner."""
    q = shlex.quote
    lines = ["set -e", f"mount --bind {q(str(home))} /home", f"mount --bind {q(str(tmp))} /tmp"]
    for m in mounts:
        src, dst = str(m.source), str(m.target)
        if not dst.startswith("/home/") or not Path(src).exists():
            continue
        lines.append(f"mkdir -p {q(dst)}")
        lines.append(f"mount --bind {q(src)} {q(dst)}")
        if str(getattr(m.permission, "value", m.permission)) == "ro":
            lines.append(f"mount -o remount,bind,ro {q(dst)}")
    lines.append(f"cd {q(str(WORK))}")
    lines.append("exec " + " ".join(q(a) for a in runner_argv))
    return "\n".join(lines)


async def process_mounts(self, mounts) -> None:
    self._aibc_mounts = list(mounts)


async def start_container(self, kernel_obj, cmdargs, resource_opts, preopen_ports, *rest) -> dict:
    # ``rest``: 26.x passes the cluster info too; a single kernel does not need it.
    kernel_id = str(self.kernel_id)
    RUNNERS.starting.add(kernel_id)
    RUNNERS.sessions[kernel_id] = str(kernel_obj.session_id)
    try:
        started = await _start_runner(self, kernel_id)
    finally:
        RUNNERS.starting.discard(kernel_id)
    if LINE_26:
        _publish_model_ports(kernel_obj)
    return started


def _publish_model_ports(kernel_obj) -> None:
    """A model service listens on the host's loopback at its own port (no port mapping here):
    report that port as its host port, as a real agent reports the one it mapped, so the
    manager can route to it and the app proxy forward to it."""
    for port in getattr(kernel_obj, "service_ports", None) or ():
        if port.get("is_inference") and all(p is None for p in port["host_ports"]):
            port["host_ports"] = tuple(port["container_ports"])


def get_public_service_ports(self, service_ports: list) -> list:
    """The ports a client can reach: the published model ports (the dummy reports none; the
    image's other apps, sshd, ttyd, jupyter, do not run here)."""
    return [p for p in service_ports if p.get("is_inference") and None not in p["host_ports"]]


async def _start_runner(self, kernel_id: str) -> dict:
    base = KERNEL_HOMES / kernel_id
    home = base / "home"
    (home / "work").mkdir(parents=True, exist_ok=True)
    (home / "config").mkdir(parents=True, exist_ok=True)
    tmp = base / "tmp"
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o1777)
    repl_in, repl_out = _free_port(), _free_port()
    (home / "config" / "intrinsic-ports.json").write_text(
        json.dumps({"replin": repl_in, "replout": repl_out})
    )
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(WORK), "LANG": "C.UTF-8"}
    env.update({k: str(v) for k, v in (self.kernel_config.get("environ") or {}).items()})
    runner_argv = [str(KRUNNER_PYTHON), str(TOOLS / "krunner_boot.py")]
    script = _runner_script(home, tmp, getattr(self, "_aibc_mounts", []), runner_argv)
    argv = ["unshare", "-m", "--propagation", "private", "bash", "-c", script]
    with open(base / "krunner.log", "ab") as log:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    RUNNERS.record(kernel_id, proc, argv)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RUNNER_START_TIMEOUT
    while True:
        if proc.returncode is not None:
            await RUNNERS.stop(kernel_id)
            raise RuntimeError(f"kernel runner for {kernel_id} exited; see {base / 'krunner.log'}")
        try:
            with socket.create_connection(("127.0.0.1", repl_in), timeout=0.2):
                break
        except OSError:
            if loop.time() > deadline:
                await RUNNERS.stop(kernel_id)
                raise RuntimeError(
                    f"kernel runner for {kernel_id} did not listen in time"
                ) from None
            await asyncio.sleep(0.1)
    return {
        "container_id": f"krunner-{proc.pid}",
        "kernel_host": "127.0.0.1",
        "repl_in_port": repl_in,
        "repl_out_port": repl_out,
        "stdin_port": repl_in,
        "stdout_port": repl_out,
        "host_ports": [repl_in, repl_out],
        "domain_socket_proxies": [],
        "block_service_ports": self.internal_data.get("block_service_ports", False),
    }


_dummy_destroy_kernel = DummyAgent.destroy_kernel


async def destroy_kernel(self, kernel_id, container_id):
    await RUNNERS.stop(str(kernel_id))
    return await _dummy_destroy_kernel(self, kernel_id, container_id)


# ---- file operations inside the kernel's mount namespace -------------------------------------


def _in_work(container_path) -> str:
    path = PurePosixPath(os.path.normpath(WORK / str(container_path)))
    if path != WORK and WORK not in path.parents:
        raise PermissionError("Not allowed to access files outside /home/work")
    return str(path)


async def _kernel_files(kernel, op: str, path: str, stdin: bytes | None = None) -> bytes:
    pid = str(kernel.data["container_id"]).split("-", 1)[1]
    proc = await asyncio.create_subprocess_exec(
        "nsenter", "-t", pid, "-m", "--",
        str(KRUNNER_PYTHON), str(TOOLS / "kernel_files.py"), op, path,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(stdin), timeout=120)
    if proc.returncode != 0:
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise RuntimeError(last[0] if last else f"{op} failed")
    return out


async def accept_file(self, container_path, filedata: bytes) -> None:
    await _kernel_files(self, "write", _in_work(container_path), stdin=filedata)


async def download_file(self, container_path) -> bytes:
    data = await _kernel_files(self, "tar", _in_work(container_path))
    if len(data) > MAX_ARCHIVE:
        raise ValueError("Too large archive file exceeding 1 MiB")
    return data


async def download_single(self, container_path) -> bytes:
    return await _kernel_files(self, "read", _in_work(container_path))


async def list_files(self, container_path) -> dict:
    try:
        out = await _kernel_files(self, "list", _in_work(container_path))
    except (RuntimeError, PermissionError) as e:
        return {"files": "", "errors": str(e), "abspath": str(container_path)}
    return {"files": out.decode("utf-8"), "errors": "", "abspath": str(container_path)}


async def enumerate_containers(self, status_filter=None) -> list:
    """The live runners (and those being started) as running containers."""
    from ai.backend.agent.types import Container
    from ai.backend.common.types import ContainerId, ContainerStatus, KernelId

    alive = [k for k, p in RUNNERS.procs.items() if p.returncode is None]
    found = []
    for kernel_id in sorted({*alive, *RUNNERS.starting}):
        proc = RUNNERS.procs.get(kernel_id)
        container = Container(
            id=ContainerId(f"krunner-{proc.pid}" if proc else ""),
            status=ContainerStatus.RUNNING,
            image="",
            labels={"ai.backend.session-id": RUNNERS.sessions.get(kernel_id, "")},
            ports=[],
            backend_obj=None,
        )
        found.append((KernelId(uuid.UUID(kernel_id)), container))
    return found


# ---- a batch run's output continues after its clean and build steps -------------------------

async def start_model_service(self, model_service):
    """Start the model service in the kernel runner (what the docker backend does)."""
    return await self.runner.feed_start_model_service(model_service)


_get_next_result = AbstractCodeRunner.get_next_result
STEP_ENDS = ("clean-finished", "build-finished")


async def get_next_result(self, *args, **kwargs):
    """The runner's next result; a clean or build step's end keeps the run's output queue (a
    ``continue`` request reads on), only the end of the run detaches it. Where the installed
    runner already does so (24.x) this changes nothing."""
    ended = []
    self.next_output_queue = lambda: ended.append(True)  # decided below, once the status is known
    try:
        result = await _get_next_result(self, *args, **kwargs)
    finally:
        del self.next_output_queue
    if ended:
        if result.get("status") in STEP_ENDS:
            self.resume_output_queue()
        else:
            self.next_output_queue()
    return result


def install() -> None:
    if LINE_26:
        DummyAgent.enumerate_containers = enumerate_containers
        DummyAgent.get_public_service_ports = get_public_service_ports
    DummyKernelCreationContext.process_mounts = process_mounts
    DummyKernelCreationContext.start_container = start_container
    DummyAgent.destroy_kernel = destroy_kernel
    DummyAgent.execute = AbstractAgent.execute
    AbstractCodeRunner.get_next_result = get_next_result
    DummyKernel.accept_file = accept_file
    DummyKernel.download_file = download_file
    DummyKernel.download_single = download_single
    DummyKernel.list_files = list_files
    DummyKernel.start_model_service = start_model_service
    atexit.register(RUNNERS.stop_all)
    # `python -m stack env` exports this as AIBC_AGENT_FEATURES (tests skip without a feature)
    (ROOT / "run" / "agent-features").write_text("\n".join(AGENT_FEATURES) + "\n")


if __name__ == "__main__":
    install()
    from ai.backend.agent.server import main

    sys.argv = ["backend.ai-agent", *sys.argv[1:]]
    main()
