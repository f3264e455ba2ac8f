"""Configuration files of the Backend.AI services, rendered from Python data.

A tiny TOML writer keeps the driver stdlib-only (``tomllib`` reads, nothing in the stdlib writes).
"""

from __future__ import annotations

import json
from typing import Any

from . import settings as S
from .settings import Layout


class Inline(dict):
    """A mapping written as a TOML inline table (``addr = { host = ..., port = ... }``)."""


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, Inline):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _key(k: str) -> str:
    return k if k and all(c.isalnum() or c in "-_" for c in k) else json.dumps(k)


def to_toml(doc: dict[str, Any]) -> str:
    lines: list[str] = []

    def table(prefix: list[str], body: dict[str, Any]) -> None:
        scalars = [
            (k, v)
            for k, v in body.items()
            if not (isinstance(v, dict) and not isinstance(v, Inline))
        ]
        subtables = [
            (k, v) for k, v in body.items() if isinstance(v, dict) and not isinstance(v, Inline)
        ]
        if prefix:
            lines.append("")
            lines.append("[" + ".".join(_key(p) for p in prefix) + "]")
        for k, v in scalars:
            lines.append(f"{_key(k)} = {_value(v)}")
        for k, v in subtables:
            table([*prefix, k], v)

    table([], doc)
    return "\n".join(lines).lstrip("\n") + "\n"


def _addr(port: int) -> Inline:
    return Inline(host=S.HOST, port=port)


def _etcd() -> dict[str, Any]:
    return {"namespace": S.ETCD_NAMESPACE, "addr": _addr(S.ETCD_PORT), "user": "", "password": ""}


def _logging(extra_ns: dict[str, str] | None = None) -> dict[str, Any]:
    ns = {"": "WARNING", "aiotools": "INFO", "aiohttp": "INFO", "ai.backend": "INFO"}
    ns.update(extra_ns or {})
    return {
        "level": "INFO",
        "drivers": ["console"],
        "pkg-ns": ns,
        "console": {"colored": False, "format": "verbose"},
    }


def manager_toml(lay: Layout) -> str:
    term, web = S.AIOMONITOR["manager"]
    return to_toml(
        {
            "etcd": _etcd(),
            "db": {
                "type": "postgresql",
                "addr": _addr(S.PG_PORT),
                "name": S.PG_DB,
                "user": S.PG_USER,
                "password": S.PG_PASSWORD,
                "pool-recycle": 50,
                "pool-pre-ping": False,
            },
            "manager": {
                "num-proc": 1,
                "service-addr": _addr(S.MANAGER_PORT),
                "ssl-enabled": False,
                "heartbeat-timeout": 40.0,
                "pid-file": str(lay.run / "manager.server.pid"),
                "ipc-base-path": str(lay.ipc("manager")),
                "distributed-lock": "filelock",
                "aiomonitor-termui-port": term,
                "aiomonitor-webui-port": web,
                "rpc-auth-manager-keypair": str(lay.etc / "manager.key_secret"),
                "disabled-plugins": [],
                "hide-agents": False,
                "agent-selection-resource-priority": ["cuda", "rocm", "tpu", "cpu", "mem"],
            },
            "docker-registry": {"ssl-verify": False},
            "logging": _logging({"alembic": "INFO", "sqlalchemy": "WARNING"}),
            "debug": {"enabled": False},
        }
    )


def alembic_ini() -> str:
    url = f"postgresql+asyncpg://{S.PG_USER}:{S.PG_PASSWORD}@{S.HOST}:{S.PG_PORT}/{S.PG_DB}"
    return f"""[alembic]
script_location = ai.backend.manager.models:alembic
sqlalchemy.url = {url}

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""


def etcd_config() -> dict[str, Any]:
    """Shared configuration stored in etcd under ``config``."""
    return {
        "system": {"timezone": "UTC"},
        "redis": {
            "addr": f"{S.HOST}:{S.REDIS_PORT}",
            "redis_helper_config": {
                "socket_timeout": 5.0,
                "socket_connect_timeout": 2.0,
                "reconnect_poll_timeout": 0.3,
            },
        },
        "idle": {"enabled": "", "checkers": {}},
        "network": {"subnet": {"agent": "0.0.0.0/0", "container": "0.0.0.0/0"}},
        "watcher": {"token": "aibc-stack-watcher-token"},
        "plugins": {"scheduler": {"fifo": {"num_retries_to_skip": 3}}},
    }


def etcd_volumes() -> dict[str, Any]:
    """Storage-proxy registry stored in etcd under ``volumes``."""
    return {
        "_types": {"group": "", "user": ""},
        "default_host": S.VFOLDER_HOST,
        "proxies": {
            "local": {
                "client_api": f"http://{S.HOST}:{S.STORAGE_CLIENT_PORT}",
                "manager_api": f"http://{S.HOST}:{S.STORAGE_MANAGER_PORT}",
                "secret": S.STORAGE_MANAGER_SECRET,
                "ssl_verify": "false",
            }
        },
        "exposed_volume_info": "percentage",
    }


def storage_proxy_toml(lay: Layout) -> str:
    term, web = S.AIOMONITOR["storage-proxy"]
    return to_toml(
        {
            "etcd": _etcd(),
            "storage-proxy": {
                "node-id": "i-storage-proxy-local",
                "num-proc": 1,
                "pid-file": str(lay.run / "storage-proxy.server.pid"),
                "ipc-base-path": str(lay.ipc("storage")),
                "event-loop": "asyncio",
                "scandir-limit": 1000,
                "max-upload-size": "100g",
                "secret": S.STORAGE_JWT_SECRET,
                "session-expire": "1d",
                "use-watcher": False,
                "aiomonitor-termui-port": term,
                "aiomonitor-webui-port": web,
            },
            "api": {
                "client": {"service-addr": _addr(S.STORAGE_CLIENT_PORT), "ssl-enabled": False},
                "manager": {
                    "service-addr": _addr(S.STORAGE_MANAGER_PORT),
                    "ssl-enabled": False,
                    "secret": S.STORAGE_MANAGER_SECRET,
                },
            },
            "debug": {"enabled": False},
            "logging": _logging(),
            "volume": {S.VOLUME_NAME: {"backend": "vfs", "path": str(lay.volume_dir)}},
        }
    )


def agent_toml(lay: Layout) -> str:
    term, web = S.AIOMONITOR["agent"]
    return to_toml(
        {
            "etcd": _etcd(),
            "agent": {
                "mode": "dummy",
                "rpc-listen-addr": _addr(S.AGENT_RPC_PORT),
                "agent-sock-port": S.AGENT_SOCK_PORT,
                "id": S.AGENT_ID,
                "scaling-group": "default",
                "pid-file": str(lay.run / "agent.server.pid"),
                "event-loop": "asyncio",
                "ipc-base-path": str(lay.ipc("agent")),
                "var-base-path": str(lay.root / "var" / "lib" / "backend.ai"),
                "image-commit-path": str(lay.root / "var" / "commit"),
                "mount-path": str(lay.mount_root),
                "cohabiting-storage-proxy": True,
                "metadata-server-bind-host": S.HOST,
                "metadata-server-port": S.AGENT_METADATA_PORT,
                "aiomonitor-termui-port": term,
                "aiomonitor-webui-port": web,
                "allow-compute-plugins": [],
            },
            "container": {
                "port-range": [30000, 31000],
                "kernel-uid": -1,
                "kernel-gid": -1,
                "bind-host": S.HOST,
                "advertised-host": S.HOST,
                "sandbox-type": "docker",
                "scratch-type": "hostdir",
                "scratch-root": str(lay.root / "scratches"),
                "scratch-size": "1G",
                "stats-type": "docker",
            },
            "watcher": {
                "service-addr": _addr(S.AGENT_WATCHER_PORT),
                "ssl-enabled": False,
                "target-service": "backendai-agent.service",
                "soft-reset-available": False,
            },
            "logging": _logging(),
            "resource": {
                "reserved-cpu": 0,
                "reserved-mem": "0",
                "reserved-disk": "0",
                "allocation-order": ["cuda", "rocm", "tpu", "cpu", "mem"],
                "affinity-policy": "INTERLEAVED",
            },
            "debug": {"enabled": False},
        }
    )


def agent_dummy_toml() -> str:
    """Read by the dummy backend from the agent's working directory (``./agent.dummy.toml``)."""
    d = 0.1
    return to_toml(
        {
            "agent": {
                "delay": {
                    k: d
                    for k in (
                        "scan-image",
                        "pull-image",
                        "destroy-kernel",
                        "clean-kernel",
                        "create-network",
                        "destroy-network",
                    )
                },
                "image": {"already-have": [S.IMAGE], "need-to-pull": [], "missing": []},
                "resource": {
                    "cpu": {"core-indexes": [0, 1, 2, 3, 4, 5, 6, 7]},
                    "memory": {"size": 16 * 1024**3},
                },
            },
            "kernel-creation-ctx": {
                "delay": {
                    k: d
                    for k in (
                        "prepare-scratch",
                        "prepare-ssh",
                        "spawn",
                        "start-container",
                        "mount-krunner",
                    )
                },
            },
            "kernel": {
                # false: the agent talks ZMQ to a real kernel runner (started by agent_shim.py).
                "use-fake-code-runner": False,
                "delay": {
                    **{
                        k: d
                        for k in (
                            "check-status",
                            "get-completions",
                            "get-logs",
                            "interrupt-kernel",
                            "start-service",
                            "start-model-service",
                            "shutdown-service",
                            "get-service-apps",
                            "accept-file",
                            "download-file",
                            "download-single",
                            "list-files",
                        )
                    },
                    "commit": 1.0,
                },
            },
        }
    )


def webserver_toml(lay: Layout) -> str:
    return to_toml(
        {
            "service": {
                "ip": S.HOST,
                "port": S.WEBSERVER_PORT,
                "wsproxy": {"url": ""},
                "mode": "webui",
                "enable_signup": False,
                "allow_anonymous_change_password": False,
                "allow_project_resource_monitor": False,
                "allow_change_signin_mode": False,
                "allow_manual_image_name_for_session": False,
                "allow_signup_without_confirmation": False,
                "always_enqueue_compute_session": False,
                "webui_debug": True,
                "mask_user_info": False,
                "enable_2FA": False,
                "force_2FA": False,
                "directory_based_usage": False,
            },
            "resources": {
                "open_port_to_public": False,
                "allow_non_auth_tcp": False,
                "allow_preferred_port": False,
                "max_cpu_cores_per_container": 64,
                "max_memory_per_container": 64,
                "max_cuda_devices_per_container": 16,
                "max_cuda_shares_per_container": 16,
                "max_shm_per_container": 2,
                "max_file_upload_size": 4294967296,
            },
            "environments": {},
            "plugin": {},
            "ui": {"brand": "Lablup Cloud", "menu_blocklist": "pipeline"},
            "api": {
                "domain": "default",
                "endpoint": f"http://{S.HOST}:{S.MANAGER_PORT}",
                "text": "Backend.AI Cloud",
                "ssl_verify": False,
                "auth_token_name": "sToken",
            },
            "session": {
                "redis": {"addr": f"{S.HOST}:{S.REDIS_PORT}"},
                "max_age": 604800,
                "flush_on_startup": False,
                "login_block_time": 1200,
                "login_allowed_fail_count": 10,
                "max_count_for_preopen_ports": 10,
            },
            "license": {},
            "webserver": {
                "ipc-base-path": str(lay.ipc("webserver")),
                "pid-file": str(lay.run / "webserver.server.pid"),
            },
            "logging": _logging(),
            "debug": {"enabled": False},
        }
    )
