"""Fixed facts of the local stack: the server lines, their versions and ports, the accounts and
the state-root layout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Ports:
    """Every port one line listens on (all on 127.0.0.1)."""

    pg: int
    redis: int
    etcd: int
    etcd_peer: int
    manager: int
    webserver: int
    storage_client: int
    storage_manager: int
    agent_rpc: int
    agent_sock: int
    agent_watcher: int
    agent_metadata: int
    # aiomonitor (terminal UI, web UI) per service, kept out of the kernel's ephemeral port range
    # (32768-60999): the upstream defaults (48100...) can collide with an outgoing connection and
    # hang a server.
    aiomonitor: dict[str, tuple[int, int]]
    # host ports the agent hands out to service ports (the dummy agent never binds them)
    container_range: tuple[int, int]
    # internal listeners that only newer lines open (None: the line has none)
    manager_internal: int | None = None
    storage_internal: int | None = None
    agent_internal: int | None = None
    # The app proxy (26.x only): coordinator (the resource group's wsproxy_addr), worker API, and
    # the worker's port range: one port per service endpoint or app circuit.
    appproxy_coordinator: int | None = None
    appproxy_worker: int | None = None
    appproxy_port_range: tuple[int, int] | None = None


@dataclass(frozen=True)
class Line:
    """One Backend.AI release line the stack can run."""

    name: str  # "24.09"
    version: str  # the PyPI release, "24.9.6"
    manager: str  # the manager's GET / answers {"version": api_version, "manager": manager}
    api_version: str
    python: tuple[int, int]  # the CPython the services need
    root: str  # default state root
    ports: Ports
    # Fixtures under stack/fixtures/<name>/, applied in this order (see stack/fixtures/LOCK.md).
    fixtures: tuple[str, ...]
    # RBAC (26.x): role presets rendered by the installed manager, SQL for the graph edges
    # upstream's fixtures carry, then `mgr permissions provision`.
    rbac: bool = False

    @property
    def major(self) -> int:
        return int(self.name.split(".")[0])

    @property
    def service_packages(self) -> list[str]:
        names = ["manager", "agent", "storage-proxy", "webserver"]
        if self.ports.appproxy_coordinator is not None:
            # one resolve with the rest: the coordinator's profiler pulls a newer `rich` than the
            # client allows when installed on its own
            names += ["appproxy-coordinator", "appproxy-worker"]
        return [f"backend.ai-{n}=={self.version}" for n in names]

    @property
    def krunner_packages(self) -> list[str]:
        return [f"backend.ai-kernel=={self.version}", "ipykernel"]

    @property
    def python_name(self) -> str:
        return f"{self.python[0]}.{self.python[1]}"


LINE_24 = Line(
    name="24.09",
    version="24.9.6",
    manager="24.09.6",
    api_version="v8.20240915",
    python=(3, 12),
    root="/var/tmp/ai-backend-client-stack",
    ports=Ports(
        pg=8100,
        redis=8111,
        etcd=8120,
        etcd_peer=8320,
        manager=8091,
        webserver=8090,
        storage_client=6021,
        storage_manager=6022,
        agent_rpc=6011,
        agent_sock=6017,
        agent_watcher=6019,
        agent_metadata=40128,
        aiomonitor={
            "manager": (18100, 19100),
            "agent": (18200, 19200),
            "storage-proxy": (18300, 19300),
        },
        container_range=(30000, 31000),
    ),
    fixtures=(
        "example-container-registries-harbor",
        "example-users",
        "example-keypairs",
        "example-set-user-main-access-keys",
        "example-resource-presets",
    ),
)

# The 24.09 ports plus 1000 (9xxx, 7xxx), aiomonitor on 184xx-186xx/194xx-196xx: both lines can run
# side by side.
LINE_26 = Line(
    name="26.09",
    version="26.9.6",
    manager="26.9.6",
    api_version="v9.20250722",
    python=(3, 13),
    root="/var/tmp/ai-backend-client-stack-26.09",
    ports=Ports(
        pg=9100,
        redis=9111,
        etcd=9120,
        etcd_peer=9320,
        manager=9091,
        webserver=9090,
        storage_client=7021,
        storage_manager=7022,
        agent_rpc=7011,
        agent_sock=7017,
        agent_watcher=7019,
        agent_metadata=9128,
        aiomonitor={
            "manager": (18400, 19400),
            "agent": (18500, 19500),
            "storage-proxy": (18600, 19600),
            "appproxy-coordinator": (18700, 19700),
            "appproxy-worker": (18800, 19800),
        },
        container_range=(31000, 32000),
        manager_internal=9081,
        storage_internal=7023,
        agent_internal=7013,
        # not the fixture's 5050: that is 24.09's wsproxy_addr too (`up` points 26.09's here)
        appproxy_coordinator=6050,
        appproxy_worker=6051,
        appproxy_port_range=(6060, 6079),
    ),
    fixtures=(
        "example-container-registries-harbor",
        "example-users",
        "example-keypairs",
        "example-resource-slot-types",
        "example-resource-presets",
        "example-runtime-variants",
        "example-runtime-variant-presets",
        "example-login-client-types",
        "personal-projects",
    ),
    rbac=True,
)

LINES = {line.name: line for line in (LINE_24, LINE_26)}
# The newest line that comes up reliably (measured: see stack/README.md).
DEFAULT_LINE = "26.09"
LINE_ENV = "AIBC_STACK_LINE"


def resolve_line(name: str | None) -> Line:
    """``--line``, else $AIBC_STACK_LINE, else the default line."""
    name = name or os.environ.get(LINE_ENV) or DEFAULT_LINE
    try:
        return LINES[name]
    except KeyError:
        raise ValueError(f"unknown line {name!r}; one of: {', '.join(LINES)}") from None


PG_USER = "postgres"
PG_PASSWORD = "develove"
PG_DB = "backend"
ETCD_NAMESPACE = "local"

AGENT_ID = "i-dummy-agent"
VOLUME_NAME = "volume1"
VFOLDER_HOST = "local:volume1"
STORAGE_MANAGER_SECRET = "aibc-stack-manager-storage-shared-secret"
STORAGE_JWT_SECRET = "aibc-stack-storage-proxy-private-jwt-secret"
MANAGER_SECRET = "aibc-stack-manager-internal-secret-0123456789"
# The app proxy's database, and the token the manager sends it: the resource group's
# wsproxy_api_token from the users fixture (the coordinator's api_secret).
APPPROXY_DB = "appproxy"
APPPROXY_API_TOKEN = "v625xZLOgbMHhl0s49VuqQ"
APPPROXY_JWT_SECRET = "aibc-stack-appproxy-jwt-secret"
APPPROXY_PERMIT_SECRET = "aibc-stack-appproxy-permit-hash-secret"
APPPROXY_AUTHORITY = "aibc-stack"  # the worker's name at the coordinator

IMAGE = "cr.backend.ai/stable/python:3.9-ubuntu20.04"
IMAGE_ALIAS = "python"
ARCH = "x86_64"

VFOLDER_PERMISSIONS = [
    "create-vfolder",
    "modify-vfolder",
    "delete-vfolder",
    "mount-in-session",
    "upload-file",
    "download-file",
    "invite-others",
    "set-user-specific-permission",
]

DEBIAN_PACKAGES = ["postgresql", "redis-server", "etcd-server", "etcd-client"]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass(frozen=True)
class Account:
    role: str
    email: str
    password: str
    access_key: str
    secret_key: str


SUPERADMIN = Account(
    "superadmin",
    "admin@lablup.com",
    "wJalrXUt",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
)
USER = Account(
    "user",
    "user@lablup.com",
    "C8qnIo29",
    "AKIANABBDUSEREXAMPLE",
    "C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf",
)


def default_root(line: Line) -> Path:
    """$AIBC_STACK_ROOT (for the line it was made by), else the line's own state root."""
    return Path(os.environ.get("AIBC_STACK_ROOT") or line.root)


@dataclass(frozen=True)
class Layout:
    """One line's stack: where everything lives under its state root, and its ports."""

    root: Path
    line: Line

    @property
    def ports(self) -> Ports:
        return self.line.ports

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def tools(self) -> Path:
        return self.root / "tools"

    @property
    def fixtures(self) -> Path:
        return self.root / "fixtures"

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def krunner_venv(self) -> Path:
        return self.root / "venv-krunner"

    @property
    def pgdata(self) -> Path:
        return self.root / "pgdata"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def etcd_dir(self) -> Path:
        return self.root / "etcd"

    @property
    def volume_dir(self) -> Path:
        return self.root / "vfroot" / "local" / VOLUME_NAME

    @property
    def mount_root(self) -> Path:
        return self.root / "vfroot" / "local"

    @property
    def kernels(self) -> Path:
        return self.root / "kernels"

    @property
    def kernel_pids(self) -> Path:
        return self.run / "kernels"

    @property
    def agent_cwd(self) -> Path:
        return self.root / "agent-cwd"

    @property
    def line_file(self) -> Path:
        """Names the line that made this state root (a root serves one line only)."""
        return self.root / "LINE"

    @property
    def docker_host(self) -> str:
        # The manager and agent construct an aiodocker client at start-up; point it at a socket
        # that does not exist (nothing ever connects to it).
        return f"unix://{self.run}/nodocker.sock"

    def ipc(self, name: str) -> Path:
        return self.root / "ipc" / name

    def dirs(self) -> list[Path]:
        return [
            self.run,
            self.logs,
            self.etc,
            self.tools,
            self.fixtures,
            self.redis_dir,
            self.etcd_dir,
            self.volume_dir,
            self.kernels,
            self.kernel_pids,
            self.agent_cwd,
            self.root / "var" / "lib" / "backend.ai",
            self.root / "var" / "commit",
            self.root / "scratches",
            *(self.ipc(n) for n in ("manager", "storage", "agent", "webserver")),
            *((self.ipc("appproxy"),) if self.line.ports.appproxy_coordinator else ()),
        ]
