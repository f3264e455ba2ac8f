"""Run the Backend.AI kernel runner (``ai.backend.kernel python``) as a host process.

Started by agent_shim.py with the kernel-runner venv's Python, in the kernel's mount namespace.
Three things differ from a runner inside a container, and are set up here before it starts:

* The runner binds its ZMQ REPL sockets to ``tcp://*:<port>``; inside a container that is
  private, on this host it is not, so every such bind is narrowed to 127.0.0.1.
* The runner's intrinsic services, sshd (dropbear) and ttyd, run binaries that the agent mounts
  into a real container under /opt/kernel and /opt/backend.ai. They do not exist here: the runner
  is told so, instead of trying and logging a traceback and "failed to start" warnings, which it
  also sends to the kernel's output, where the first run of every session showed them.
* 26.x: ``import ai.backend.kernel`` re-executes the interpreter as ``bai-krunner`` (with
  PYTHONHOME set to the venv, which has no standard library, and without the patches above).
  The runner is told the re-exec has happened; it reads its arguments from the file the re-exec
  would have written.
"""

import importlib.util
import os
import runpy
import sys
from pathlib import Path

import zmq

_bind = zmq.Socket.bind


def _loopback_bind(self, addr, *args, **kwargs):
    if isinstance(addr, str) and addr.startswith("tcp://*:"):
        addr = "tcp://127.0.0.1:" + addr.rsplit(":", 1)[1]
    return _bind(self, addr, *args, **kwargs)


zmq.Socket.bind = _loopback_bind

RUNNER_ARGS = ["python", sys.executable]
_package = Path(importlib.util.find_spec("ai.backend.kernel").origin)
if "BACKEND_REEXECED" in _package.read_text():
    os.environ["BACKEND_REEXECED"] = "1"
    Path(f"/tmp/{os.getpid()}.krunner-args").write_text("\0".join(RUNNER_ARGS))
    sys.argv = ["ai.backend.kernel"]
else:
    sys.argv = ["ai.backend.kernel", *RUNNER_ARGS]

import ai.backend.kernel.base as krunner  # noqa: E402  (after the re-exec guard)

UNAVAILABLE = ("sshd", "ttyd")
_start_service = krunner.BaseRunner._start_service


async def _no_sshd_keys(child_env):
    """sshd is unavailable: no host and user keys to make (with a dropbear that is not here)."""


async def _start_available_service(self, service_info, *args, **kwargs):
    name = service_info.get("name")
    if name in UNAVAILABLE:
        return {"status": "failed", "error": f"{name} is not available on the local stack"}
    return await _start_service(self, service_info, *args, **kwargs)


krunner.init_sshd_service = _no_sshd_keys
krunner.BaseRunner._start_service = _start_available_service
runpy.run_module("ai.backend.kernel", run_name="__main__", alter_sys=True)
