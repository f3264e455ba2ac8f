"""Fixed facts of the local stack: versions, ports, accounts and the state-root layout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BACKEND_AI_VERSION = "24.9.6"
API_VERSION = "v8.20240915"
HOST = "127.0.0.1"

# Ports, all bound to 127.0.0.1.
PG_PORT = 8100
REDIS_PORT = 8111
ETCD_PORT = 8120
ETCD_PEER_PORT = 8320
MANAGER_PORT = 8091
WEBSERVER_PORT = 8090
STORAGE_CLIENT_PORT = 6021
STORAGE_MANAGER_PORT = 6022
AGENT_RPC_PORT = 6011
AGENT_SOCK_PORT = 6017
AGENT_WATCHER_PORT = 6019
AGENT_METADATA_PORT = 40128
# aiomonitor ports are kept out of the kernel's ephemeral port range (32768-60999): the
# upstream defaults (48100...) can collide with an outgoing connection and hang a server.
AIOMONITOR = {
    "manager": (18100, 19100),
    "agent": (18200, 19200),
    "storage-proxy": (18300, 19300),
}

PG_USER = "postgres"
PG_PASSWORD = "develove"
PG_DB = "backend"
ETCD_NAMESPACE = "local"

AGENT_ID = "i-dummy-agent"
VOLUME_NAME = "volume1"
VFOLDER_HOST = "local:volume1"
STORAGE_MANAGER_SECRET = "aibc-stack-manager-storage-shared-secret"
STORAGE_JWT_SECRET = "aibc-stack-storage-proxy-private-jwt-secret"

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

# Upstream example fixtures (lablup/backend.ai 24.09.6 fixtures/manager), applied in this order.
FIXTURES = [
    "example-container-registries-harbor",
    "example-users",
    "example-keypairs",
    "example-set-user-main-access-keys",
    "example-resource-presets",
]

DEBIAN_PACKAGES = ["postgresql", "redis-server", "etcd-server", "etcd-client"]
PG_BIN = Path("/usr/lib/postgresql/15/bin")

SERVICE_PACKAGES = [
    f"backend.ai-manager=={BACKEND_AI_VERSION}",
    f"backend.ai-agent=={BACKEND_AI_VERSION}",
    f"backend.ai-storage-proxy=={BACKEND_AI_VERSION}",
    f"backend.ai-webserver=={BACKEND_AI_VERSION}",
]
KRUNNER_PACKAGES = [f"backend.ai-kernel=={BACKEND_AI_VERSION}", "ipykernel"]


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


def default_root() -> Path:
    return Path(os.environ.get("AIBC_STACK_ROOT") or "/var/tmp/ai-backend-client-stack")


@dataclass(frozen=True)
class Layout:
    """Where everything lives under the state root."""

    root: Path

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
        ]
