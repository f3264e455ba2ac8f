"""Start an app proxy component (26.x) with its debug monitor on 127.0.0.1.

Runs in the line's services venv as ``python appproxy_boot.py app-proxy-worker start-server -f
...`` (the arguments of the ``backend.ai`` command). The 26.9.6 worker starts aiomonitor on
0.0.0.0 whatever its configuration says (only the ports are configurable); this stack binds
nothing beyond loopback, so the monitor's host is pinned to 127.0.0.1 before the server starts.
Nothing installed is edited.
"""

from __future__ import annotations

import sys

import aiomonitor

HOST = "127.0.0.1"
_monitor_init = aiomonitor.Monitor.__init__


def _loopback_monitor(self, *args, **kwargs) -> None:
    kwargs["host"] = HOST
    _monitor_init(self, *args, **kwargs)


if __name__ == "__main__":
    aiomonitor.Monitor.__init__ = _loopback_monitor
    from ai.backend.cli.__main__ import main

    sys.argv = ["backend.ai", *sys.argv[1:]]
    sys.exit(main())
