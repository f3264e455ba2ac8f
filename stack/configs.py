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


def _etcd(lay: Layout) -> dict[str, Any]:
    return {
        "namespace": S.ETCD_NAMESPACE,
        "addr": _addr(lay.ports.etcd),
        "user": "",
        "password": "",
    }


def _logging(extra_ns: dict[str, str] | None = None) -> dict[str, Any]:
    ns = {"": "WARNING", "aiotools": "INFO", "aiohttp": "INFO", "ai.backend": "INFO"}
    ns.update(extra_ns or {})
    return {
        "level": "INFO",
        "drivers": ["console"],
        "pkg-ns": ns,
        "console": {"colored": False, "format": "verbose"},
    }


# Tracing and profiling exporters (26.x): off, nothing to send them to.
_NO_TELEMETRY = {"otel": {"enabled": False}, "pyroscope": {"enabled": False}}


def _aiomonitor(lay: Layout, service: str) -> dict[str, int]:
    term, web = lay.ports.aiomonitor[service]
    return {"aiomonitor-termui-port": term, "aiomonitor-webui-port": web}


def manager_toml(lay: Layout) -> str:
    p = lay.ports
    manager: dict[str, Any] = {
        "num-proc": 1,
        "service-addr": _addr(p.manager),
        "ssl-enabled": False,
        "heartbeat-timeout": 40.0,
        "pid-file": str(lay.run / "manager.server.pid"),
        "ipc-base-path": str(lay.ipc("manager")),
        "distributed-lock": "filelock",
        **_aiomonitor(lay, "manager"),
        "rpc-auth-manager-keypair": str(lay.etc / "manager.key_secret"),
        "disabled-plugins": [],
        "hide-agents": False,
        "agent-selection-resource-priority": ["cuda", "rocm", "tpu", "cpu", "mem"],
    }
    doc: dict[str, Any] = {
        "etcd": _etcd(lay),
        "db": {
            "type": "postgresql",
            "addr": _addr(p.pg),
            "name": S.PG_DB,
            "user": S.PG_USER,
            "password": S.PG_PASSWORD,
            "pool-recycle": 50,
            "pool-pre-ping": False,
        },
        "manager": manager,
        "docker-registry": {"ssl-verify": False},
        "logging": _logging({"alembic": "INFO", "sqlalchemy": "WARNING"}),
        "debug": {"enabled": False},
    }
    if p.manager_internal is not None:
        # 26.x: a second listener for the other components (default 0.0.0.0:18080), and the
        # addresses announced to them.
        manager.update(
            {
                "id": "i-aibc-manager",
                "announce-addr": _addr(p.manager),
                "internal-addr": _addr(p.manager_internal),
                "announce-internal-addr": _addr(p.manager_internal),
                "secret": S.MANAGER_SECRET,
            }
        )
        doc.update(_NO_TELEMETRY)
    return to_toml(doc)


def alembic_ini(
    lay: Layout, db: str = S.PG_DB, scripts: str = "ai.backend.manager.models:alembic"
) -> str:
    p = lay.ports
    url = f"postgresql+asyncpg://{S.PG_USER}:{S.PG_PASSWORD}@{S.HOST}:{p.pg}/{db}"
    return f"""[alembic]
script_location = {scripts}
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


def etcd_config(lay: Layout) -> dict[str, Any]:
    """Shared configuration stored in etcd under ``config``."""
    return {
        "system": {"timezone": "UTC"},
        "redis": {
            "addr": f"{S.HOST}:{lay.ports.redis}",
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


def etcd_volumes(lay: Layout) -> dict[str, Any]:
    """Storage-proxy registry stored in etcd under ``volumes``."""
    p = lay.ports
    return {
        "_types": {"group": "", "user": ""},
        "default_host": S.VFOLDER_HOST,
        "proxies": {
            "local": {
                "client_api": f"http://{S.HOST}:{p.storage_client}",
                "manager_api": f"http://{S.HOST}:{p.storage_manager}",
                "secret": S.STORAGE_MANAGER_SECRET,
                "ssl_verify": "false",
            }
        },
        "exposed_volume_info": "percentage",
    }


def storage_proxy_toml(lay: Layout) -> str:
    p = lay.ports
    manager_api: dict[str, Any] = {
        "service-addr": _addr(p.storage_manager),
        "ssl-enabled": False,
        "secret": S.STORAGE_MANAGER_SECRET,
    }
    doc: dict[str, Any] = {
        "etcd": _etcd(lay),
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
            **_aiomonitor(lay, "storage-proxy"),
        },
        "api": {
            "client": {"service-addr": _addr(p.storage_client), "ssl-enabled": False},
            "manager": manager_api,
        },
        "debug": {"enabled": False},
        "logging": _logging(),
        "volume": {S.VOLUME_NAME: {"backend": "vfs", "path": str(lay.volume_dir)}},
    }
    if p.storage_internal is not None:
        # The API for compute containers (26.x announces it to the manager).
        manager_api["internal-addr"] = _addr(p.storage_internal)
        manager_api["announce-internal-addr"] = _addr(p.storage_internal)
        doc.update(_NO_TELEMETRY)
    return to_toml(doc)


def agent_toml(lay: Layout) -> str:
    p = lay.ports
    agent: dict[str, Any] = {
        "mode": "dummy",
        "rpc-listen-addr": _addr(p.agent_rpc),
        "agent-sock-port": p.agent_sock,
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
        "metadata-server-port": p.agent_metadata,
        **_aiomonitor(lay, "agent"),
        "allow-compute-plugins": [],
    }
    doc: dict[str, Any] = {
        "etcd": _etcd(lay),
        "agent": agent,
        "container": {
            "port-range": list(p.container_range),
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
            "service-addr": _addr(p.agent_watcher),
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
    if p.agent_internal is not None:
        # 26.x refuses `scaling-group`; it has an internal listener (default 0.0.0.0:6003) and
        # announces its RPC address.
        del agent["scaling-group"]
        agent["initial-resource-group-name"] = "default"
        agent["advertised-rpc-addr"] = _addr(p.agent_rpc)
        agent["service-addr"] = _addr(p.agent_internal)
        agent["announce-internal-addr"] = _addr(p.agent_internal)
        doc.update(_NO_TELEMETRY)
    return to_toml(doc)


def agent_dummy_toml(lay: Layout) -> str:
    """Read by the dummy backend from the agent's working directory (``./agent.dummy.toml``)."""
    d = 0.1
    agent_delays = ["scan-image", "pull-image", "destroy-kernel", "clean-kernel", "create-network",
                    "destroy-network"]  # fmt: skip
    cpu: dict[str, Any] = {"core-indexes": list(range(8))}
    if lay.line.major >= 26:
        agent_delays += ["push-image", "purge-images"]
        cpu = {"num-core": 8}
    return to_toml(
        {
            "agent": {
                "delay": {k: d for k in agent_delays},
                "image": {"already-have": [S.IMAGE], "need-to-pull": [], "missing": []},
                "resource": {"cpu": cpu, "memory": {"size": 16 * 1024**3}},
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


def appproxy_alembic_ini(lay: Layout) -> str:
    return alembic_ini(lay, S.APPPROXY_DB, "ai.backend.appproxy.coordinator.models:alembic")


def _appproxy_common(lay: Layout) -> dict[str, Any]:
    """What the coordinator and the worker share: redis, secrets, logging, no profilers."""
    return {
        "redis": {"addr": _addr(lay.ports.redis)},
        "secrets": {"jwt_secret": S.APPPROXY_JWT_SECRET, "api_secret": S.APPPROXY_API_TOKEN},
        "permit_hash": {"secret": S.APPPROXY_PERMIT_SECRET},
        "etcd": _etcd(lay),
        "logging": _logging(),
        "debug": {"enabled": False},
        "profiling": {"enable_memray": False, "enable_pyroscope": False},
        **_NO_TELEMETRY,
    }


def _appproxy_process(lay: Layout, role: str) -> dict[str, Any]:
    """The process settings of the coordinator or the worker (``role``)."""
    term, web = lay.ports.aiomonitor[f"appproxy-{role}"]
    return {
        "id": f"i-aibc-appproxy-{role}",
        "ipc_base_path": str(lay.ipc("appproxy")),
        "event_loop": "asyncio",
        "pid_file": str(lay.run / f"appproxy-{role}.server.pid"),
        # root, as the rest of the stack (the default is the installed files' owner)
        "user": 0,
        "group": 0,
        "aiomonitor_termui_port": term,
        "aiomonitor_webui_port": web,
    }


def appproxy_coordinator_toml(lay: Layout) -> str:
    p = lay.ports
    assert p.appproxy_coordinator is not None
    return to_toml(
        {
            "db": {
                "type": "postgresql",
                "addrs": [_addr(p.pg)],
                "name": S.APPPROXY_DB,
                "user": S.PG_USER,
                "password": S.PG_PASSWORD,
                "pool_size": 4,
                "max_overflow": 8,
            },
            "proxy_coordinator": {
                **_appproxy_process(lay, "coordinator"),
                "bind_addr": _addr(p.appproxy_coordinator),
                "announce_addr": _addr(p.appproxy_coordinator),
                "distributed_lock": "pg_advisory",
                # its checks of inference circuits (default every 30 s)
                "health_check_timer_interval": 5.0,
            },
            **_appproxy_common(lay),
        }
    )


def appproxy_worker_toml(lay: Layout) -> str:
    p = lay.ports
    assert p.appproxy_coordinator is not None and p.appproxy_worker is not None
    assert p.appproxy_port_range is not None
    return to_toml(
        {
            "proxy_worker": {
                **_appproxy_process(lay, "worker"),
                "api_bind_addr": _addr(p.appproxy_worker),
                "coordinator_endpoint": f"http://{S.HOST}:{p.appproxy_coordinator}",
                "authority": S.APPPROXY_AUTHORITY,
                # one port per circuit (wildcard mode needs DNS names)
                "frontend_mode": "port",
                "protocol": "http",
                "accepted_traffics": ["interactive", "inference"],
                "port_proxy": {"bind_host": S.HOST, "bind_port_range": list(p.appproxy_port_range)},
            },
            **_appproxy_common(lay),
        }
    )


def webserver_toml(lay: Layout) -> str:
    p = lay.ports
    service: dict[str, Any] = {
        "ip": S.HOST,
        "port": p.webserver,
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
    }
    doc: dict[str, Any] = {
        "service": service,
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
            "endpoint": f"http://{S.HOST}:{p.manager}",
            "text": "Backend.AI Cloud",
            "ssl_verify": False,
            "auth_token_name": "sToken",
        },
        "session": {
            "redis": {"addr": f"{S.HOST}:{p.redis}"},
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
    if lay.line.major >= 26:
        # No model store (reservoir) and no GraphQL federation router on this stack; plain HTTP.
        service["enable_reservoir"] = False
        del doc["ui"]["brand"]
        doc["security"] = {
            "cookie_secure": False,
            "request_policies": [
                "reject_metadata_local_link_policy",
                "reject_access_for_unsafe_file_policy",
            ],
            "response_policies": ["set_content_type_nosniff_policy"],
        }
        doc["apollo-router"] = {"enabled": False}
        doc.update(_NO_TELEMETRY)
    return to_toml(doc)
