"""Client sessions: ``Session`` (blocking) and ``AsyncSession`` (asyncio).

Opening a session negotiates the API version with an unsigned ``GET /`` probe (skipped in
``proxy_mode``), then builds the transport and the generated wire client of that version. The seed's
function classes (``session.ComputeSession``, ``session.VFolder``, ...) are bound to the session.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import warnings
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, cast

import httpx

from ._base_client import AsyncAPIClient, RetryPolicy, SyncAPIClient
from ._cookies import load_cookies
from ._redact import redact_url
from .config import APIConfig, get_config
from .exceptions import APIVersionWarning, BackendClientError
from .versioning import (
    CLIENT_API_VERSION,
    MIN_API_VERSION,
    SUPPORTED_API_VERSIONS,
    APIVersion,
    choose_generated_version,
    negotiate,
    parse_version,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._generated.v6_20220315.client import AsyncClient as AsyncClientV6
    from ._generated.v6_20220315.client import Client as ClientV6
    from ._generated.v8_20240915.client import AsyncClient as AsyncClientV8
    from ._generated.v8_20240915.client import Client as ClientV8
    from .func._async.admin import Admin as AAdmin
    from .func._async.agent import Agent as AAgent
    from .func._async.agent_watcher import AgentWatcher as AAgentWatcher
    from .func._async.auth import Auth as AAuth
    from .func._async.compute_session import ComputeSession as AComputeSession
    from .func._async.domain import Domain as ADomain
    from .func._async.dotfile import Dotfile as ADotfile
    from .func._async.etcd_config import EtcdConfig as AEtcdConfig
    from .func._async.group import Group as AGroup
    from .func._async.image import Image as AImage
    from .func._async.keypair import KeyPair as AKeyPair
    from .func._async.keypair_resource_policy import KeyPairResourcePolicy as AKeyPairResourcePolicy
    from .func._async.manager import Manager as AManager
    from .func._async.resource import Resource as AResource
    from .func._async.scaling_group import ScalingGroup as AScalingGroup
    from .func._async.server_log import ServerLog as AServerLog
    from .func._async.session_template import SessionTemplate as ASessionTemplate
    from .func._async.storage import Storage as AStorage
    from .func._async.system import System as ASystem
    from .func._async.user import User as AUser
    from .func._async.vfolder import VFolder as AVFolder
    from .func._sync.admin import Admin as SAdmin
    from .func._sync.agent import Agent as SAgent
    from .func._sync.agent_watcher import AgentWatcher as SAgentWatcher
    from .func._sync.auth import Auth as SAuth
    from .func._sync.compute_session import ComputeSession as SComputeSession
    from .func._sync.domain import Domain as SDomain
    from .func._sync.dotfile import Dotfile as SDotfile
    from .func._sync.etcd_config import EtcdConfig as SEtcdConfig
    from .func._sync.group import Group as SGroup
    from .func._sync.image import Image as SImage
    from .func._sync.keypair import KeyPair as SKeyPair
    from .func._sync.keypair_resource_policy import KeyPairResourcePolicy as SKeyPairResourcePolicy
    from .func._sync.manager import Manager as SManager
    from .func._sync.resource import Resource as SResource
    from .func._sync.scaling_group import ScalingGroup as SScalingGroup
    from .func._sync.server_log import ServerLog as SServerLog
    from .func._sync.session_template import SessionTemplate as SSessionTemplate
    from .func._sync.storage import Storage as SStorage
    from .func._sync.system import System as SSystem
    from .func._sync.user import User as SUser
    from .func._sync.vfolder import VFolder as SVFolder

__all__ = ["AsyncSession", "BaseSession", "Session", "api_session"]

log = logging.getLogger("ai_backend_client")

#: The session most recently entered in this context (used by the low-level ``Request`` API).
api_session: Final[contextvars.ContextVar[BaseSession]] = contextvars.ContextVar("api_session")


def _generated_package(version: APIVersion) -> str:
    return f"ai_backend_client._generated.v{version.major}_{version.date}"


def _probe_url(config: APIConfig) -> str:
    if config.endpoint_type == "session":
        return config.endpoint + "/func/"
    return config.endpoint + "/"


def _interpret_probe(config: APIConfig, body: Any) -> tuple[APIVersion, dict[str, Any]]:
    """Pick the version from the probe's answer, warning where the user should know."""
    client_version = parse_version(config.version)
    if not isinstance(body, dict):
        raise ValueError(f"unexpected answer to the version probe: {body!r}")
    info = cast(dict[str, Any], body)
    if not isinstance(info.get("version"), str):
        raise ValueError(f"unexpected answer to the version probe: {body!r}")
    server_version = parse_version(info["version"])
    if server_version > CLIENT_API_VERSION and client_version == CLIENT_API_VERSION:
        warnings.warn(
            f"The server speaks API {server_version} (manager {info.get('manager', '?')}), newer than "
            f"this client's {client_version}; using {client_version}. Upgrade ai-backend-client for "
            "the newer features.",
            APIVersionWarning,
            stacklevel=4,
        )
    elif server_version < MIN_API_VERSION or server_version < SUPPORTED_API_VERSIONS[0]:
        warnings.warn(
            f"The server speaks API {server_version}, older than the oldest version this client "
            f"supports ({SUPPORTED_API_VERSIONS[0]}); requests use {SUPPORTED_API_VERSIONS[0]} "
            "and may fail.",
            APIVersionWarning,
            stacklevel=4,
        )
    return negotiate(server_version, client_version), info


class BaseSession:
    """What both session kinds share: configuration, negotiation result, bound function classes."""

    _config: APIConfig
    _proxy_mode: bool
    _closed: bool
    _negotiated: APIVersion | None
    _server_info: dict[str, Any]

    def __init__(self, *, config: APIConfig | None = None, proxy_mode: bool = False) -> None:
        self._config = config if config is not None else get_config()
        self._proxy_mode = proxy_mode
        self._closed = False
        self._negotiated = None
        self._server_info = {}
        self._token: contextvars.Token[BaseSession] | None = None

    @property
    def config(self) -> APIConfig:
        """The configuration used by this session."""
        return self._config

    @property
    def proxy_mode(self) -> bool:
        """If true, opening the session skips version negotiation."""
        return self._proxy_mode

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def negotiated_version(self) -> APIVersion:
        """The API version agreed with the server (the configured one before opening)."""
        return self._negotiated or parse_version(self._config.version)

    @property
    def api_version(self) -> APIVersion:
        """The version of the wire protocol in use (the generated client set chosen)."""
        return choose_generated_version(self.negotiated_version)

    @property
    def server_info(self) -> dict[str, Any]:
        """The server's answer to the version probe (``version``, ``manager``), if any."""
        return dict(self._server_info)

    def _wire_module(self) -> Any:
        return importlib.import_module(_generated_package(self.api_version) + ".client")

    def _push_context(self) -> None:
        self._token = api_session.set(self)

    def _pop_context(self) -> None:
        if self._token is not None:
            try:
                api_session.reset(self._token)
            except ValueError:  # reset from another context (e.g. closed in a different task)
                pass
            self._token = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        endpoint = redact_url(self._config.endpoint)
        return f"<{type(self).__name__} {state} endpoint={endpoint!r} api={self.api_version}>"


class Session(BaseSession):
    """A blocking API session. Use it as a context manager::

    with Session() as session:
        print(session.System.get_versions())
    """

    def __init__(
        self,
        *,
        config: APIConfig | None = None,
        proxy_mode: bool = False,
        http_client: httpx.Client | None = None,
        max_retries: int = 2,
    ) -> None:
        super().__init__(config=config, proxy_mode=proxy_mode)
        self._core = SyncAPIClient(
            self._config, retry=RetryPolicy(max_retries), http_client=http_client
        )
        if self._config.endpoint_type == "session":
            load_cookies(self._core.http.cookies)
        self._wire: Any = None
        self._opened = False

    @property
    def core(self) -> SyncAPIClient:
        """The signed transport (for calls the spec does not cover)."""
        return self._core

    @property
    def wire(self) -> ClientV6 | ClientV8:
        """The generated client of the negotiated API version."""
        if self._wire is None:
            self._wire = self._wire_module().Client(self._core)
        return self._wire  # type: ignore[no-any-return]

    def open(self) -> None:
        """Negotiate the API version (unless in proxy mode) and get ready for requests."""
        if self._opened:
            return
        if self._closed:
            raise BackendClientError("this session is closed; create a new one")
        if not self._proxy_mode:
            self._negotiate()
        self._core.api_version = str(self.api_version)
        self._wire = None
        self._opened = True
        self._push_context()
        self._announce()

    def _negotiate(self) -> None:
        try:
            response = self._core.http.get(
                _probe_url(self._config),
                headers={"User-Agent": self._config.user_agent},
                timeout=self._config.connection_timeout,
            )
            response.raise_for_status()
            self._negotiated, self._server_info = _interpret_probe(self._config, response.json())
        except (httpx.HTTPError, ValueError) as e:
            log.debug("version probe failed (%s); using %s", e, self._config.version)
            self._negotiated = parse_version(self._config.version)

    def _announce(self) -> None:
        handler = self._config.announcement_handler
        if handler is None:
            return
        try:
            data = self._core.request("GET", "/manager/announcement", cast_to=dict[str, Any])
        except Exception as e:  # announcements are best-effort
            log.debug("could not fetch the announcement: %s", e)
            return
        if data.get("enabled") and data.get("message"):
            handler(str(data["message"]))

    # -- the seed's function classes, bound to this session (see ai_backend_client.func) --
    @cached_property
    def Admin(self) -> type[SAdmin]:
        from .func._sync.admin import Admin

        return Admin.bind(self)

    @cached_property
    def Agent(self) -> type[SAgent]:
        from .func._sync.agent import Agent

        return Agent.bind(self)

    @cached_property
    def AgentWatcher(self) -> type[SAgentWatcher]:
        from .func._sync.agent_watcher import AgentWatcher

        return AgentWatcher.bind(self)

    @cached_property
    def Auth(self) -> type[SAuth]:
        from .func._sync.auth import Auth

        return Auth.bind(self)

    @cached_property
    def ComputeSession(self) -> type[SComputeSession]:
        from .func._sync.compute_session import ComputeSession

        return ComputeSession.bind(self)

    @cached_property
    def Domain(self) -> type[SDomain]:
        from .func._sync.domain import Domain

        return Domain.bind(self)

    @cached_property
    def Dotfile(self) -> type[SDotfile]:
        from .func._sync.dotfile import Dotfile

        return Dotfile.bind(self)

    @cached_property
    def EtcdConfig(self) -> type[SEtcdConfig]:
        from .func._sync.etcd_config import EtcdConfig

        return EtcdConfig.bind(self)

    @cached_property
    def Group(self) -> type[SGroup]:
        from .func._sync.group import Group

        return Group.bind(self)

    @cached_property
    def Image(self) -> type[SImage]:
        from .func._sync.image import Image

        return Image.bind(self)

    @cached_property
    def KeyPair(self) -> type[SKeyPair]:
        from .func._sync.keypair import KeyPair

        return KeyPair.bind(self)

    @cached_property
    def KeyPairResourcePolicy(self) -> type[SKeyPairResourcePolicy]:
        from .func._sync.keypair_resource_policy import KeyPairResourcePolicy

        return KeyPairResourcePolicy.bind(self)

    @cached_property
    def Manager(self) -> type[SManager]:
        from .func._sync.manager import Manager

        return Manager.bind(self)

    @cached_property
    def Resource(self) -> type[SResource]:
        from .func._sync.resource import Resource

        return Resource.bind(self)

    @cached_property
    def ScalingGroup(self) -> type[SScalingGroup]:
        from .func._sync.scaling_group import ScalingGroup

        return ScalingGroup.bind(self)

    @cached_property
    def ServerLog(self) -> type[SServerLog]:
        from .func._sync.server_log import ServerLog

        return ServerLog.bind(self)

    @cached_property
    def SessionTemplate(self) -> type[SSessionTemplate]:
        from .func._sync.session_template import SessionTemplate

        return SessionTemplate.bind(self)

    @cached_property
    def Storage(self) -> type[SStorage]:
        from .func._sync.storage import Storage

        return Storage.bind(self)

    @cached_property
    def System(self) -> type[SSystem]:
        from .func._sync.system import System

        return System.bind(self)

    @cached_property
    def User(self) -> type[SUser]:
        from .func._sync.user import User

        return User.bind(self)

    @cached_property
    def VFolder(self) -> type[SVFolder]:
        from .func._sync.vfolder import VFolder

        return VFolder.bind(self)

    def close(self) -> None:
        """Release the connections; the session cannot be reopened."""
        if self._closed:
            return
        self._closed = True
        self._pop_context()
        self._core.close()

    def __enter__(self) -> Self:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncSession(BaseSession):
    """An asyncio API session. Use it as an async context manager::

    async with AsyncSession() as session:
        print(await session.System.get_versions())
    """

    def __init__(
        self,
        *,
        config: APIConfig | None = None,
        proxy_mode: bool = False,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = 2,
    ) -> None:
        super().__init__(config=config, proxy_mode=proxy_mode)
        self._core = AsyncAPIClient(
            self._config, retry=RetryPolicy(max_retries), http_client=http_client
        )
        if self._config.endpoint_type == "session":
            load_cookies(self._core.http.cookies)
        self._wire: Any = None
        self._opened = False

    @property
    def core(self) -> AsyncAPIClient:
        return self._core

    @property
    def wire(self) -> AsyncClientV6 | AsyncClientV8:
        if self._wire is None:
            self._wire = self._wire_module().AsyncClient(self._core)
        return self._wire  # type: ignore[no-any-return]

    async def open(self) -> None:
        if self._opened:
            return
        if self._closed:
            raise BackendClientError("this session is closed; create a new one")
        if not self._proxy_mode:
            await self._negotiate()
        self._core.api_version = str(self.api_version)
        self._wire = None
        self._opened = True
        self._push_context()
        await self._announce()

    async def _negotiate(self) -> None:
        try:
            response = await self._core.http.get(
                _probe_url(self._config),
                headers={"User-Agent": self._config.user_agent},
                timeout=self._config.connection_timeout,
            )
            response.raise_for_status()
            self._negotiated, self._server_info = _interpret_probe(self._config, response.json())
        except (httpx.HTTPError, ValueError) as e:
            log.debug("version probe failed (%s); using %s", e, self._config.version)
            self._negotiated = parse_version(self._config.version)

    async def _announce(self) -> None:
        handler = self._config.announcement_handler
        if handler is None:
            return
        try:
            data = await self._core.request("GET", "/manager/announcement", cast_to=dict[str, Any])
        except Exception as e:
            log.debug("could not fetch the announcement: %s", e)
            return
        if data.get("enabled") and data.get("message"):
            handler(str(data["message"]))

    # -- the seed's function classes, bound to this session (see ai_backend_client.func) --
    @cached_property
    def Admin(self) -> type[AAdmin]:
        from .func._async.admin import Admin

        return Admin.bind(self)

    @cached_property
    def Agent(self) -> type[AAgent]:
        from .func._async.agent import Agent

        return Agent.bind(self)

    @cached_property
    def AgentWatcher(self) -> type[AAgentWatcher]:
        from .func._async.agent_watcher import AgentWatcher

        return AgentWatcher.bind(self)

    @cached_property
    def Auth(self) -> type[AAuth]:
        from .func._async.auth import Auth

        return Auth.bind(self)

    @cached_property
    def ComputeSession(self) -> type[AComputeSession]:
        from .func._async.compute_session import ComputeSession

        return ComputeSession.bind(self)

    @cached_property
    def Domain(self) -> type[ADomain]:
        from .func._async.domain import Domain

        return Domain.bind(self)

    @cached_property
    def Dotfile(self) -> type[ADotfile]:
        from .func._async.dotfile import Dotfile

        return Dotfile.bind(self)

    @cached_property
    def EtcdConfig(self) -> type[AEtcdConfig]:
        from .func._async.etcd_config import EtcdConfig

        return EtcdConfig.bind(self)

    @cached_property
    def Group(self) -> type[AGroup]:
        from .func._async.group import Group

        return Group.bind(self)

    @cached_property
    def Image(self) -> type[AImage]:
        from .func._async.image import Image

        return Image.bind(self)

    @cached_property
    def KeyPair(self) -> type[AKeyPair]:
        from .func._async.keypair import KeyPair

        return KeyPair.bind(self)

    @cached_property
    def KeyPairResourcePolicy(self) -> type[AKeyPairResourcePolicy]:
        from .func._async.keypair_resource_policy import KeyPairResourcePolicy

        return KeyPairResourcePolicy.bind(self)

    @cached_property
    def Manager(self) -> type[AManager]:
        from .func._async.manager import Manager

        return Manager.bind(self)

    @cached_property
    def Resource(self) -> type[AResource]:
        from .func._async.resource import Resource

        return Resource.bind(self)

    @cached_property
    def ScalingGroup(self) -> type[AScalingGroup]:
        from .func._async.scaling_group import ScalingGroup

        return ScalingGroup.bind(self)

    @cached_property
    def ServerLog(self) -> type[AServerLog]:
        from .func._async.server_log import ServerLog

        return ServerLog.bind(self)

    @cached_property
    def SessionTemplate(self) -> type[ASessionTemplate]:
        from .func._async.session_template import SessionTemplate

        return SessionTemplate.bind(self)

    @cached_property
    def Storage(self) -> type[AStorage]:
        from .func._async.storage import Storage

        return Storage.bind(self)

    @cached_property
    def System(self) -> type[ASystem]:
        from .func._async.system import System

        return System.bind(self)

    @cached_property
    def User(self) -> type[AUser]:
        from .func._async.user import User

        return User.bind(self)

    @cached_property
    def VFolder(self) -> type[AVFolder]:
        from .func._async.vfolder import VFolder

        return VFolder.bind(self)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pop_context()
        await self._core.close()

    async def __aenter__(self) -> Self:
        try:
            await self.open()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
