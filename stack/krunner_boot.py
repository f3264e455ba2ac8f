"""Run the Backend.AI kernel runner (``ai.backend.kernel python``) with its sockets on loopback.

The runner binds its ZMQ REPL sockets to ``tcp://*:<port>``; inside a container that is private,
on this host it is not, so every such bind is narrowed to 127.0.0.1. Started by agent_shim.py
with the kernel-runner venv's Python.
"""

import runpy
import sys

import zmq

_bind = zmq.Socket.bind


def _loopback_bind(self, addr, *args, **kwargs):
    if isinstance(addr, str) and addr.startswith("tcp://*:"):
        addr = "tcp://127.0.0.1:" + addr.rsplit(":", 1)[1]
    return _bind(self, addr, *args, **kwargs)


zmq.Socket.bind = _loopback_bind
sys.argv = ["ai.backend.kernel", "python", sys.executable]
runpy.run_module("ai.backend.kernel", run_name="__main__", alter_sys=True)
