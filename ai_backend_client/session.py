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
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import httpx

from ._base_client import AsyncAPIClient, RetryPolicy, SyncAPIClient
from ._cookies import load_cookies
from .config import APIConfig, get_config
from .exceptions import APIVersionWarning, BackendClientError
from .versioning import (
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
    if not isinstance(body, dict) or not isinstance(body.get("version"), str):
        raise ValueError(f"unexpected answer to the version probe: {body!r}")
    info: dict[str, Any] = dict(body)
    server_version = parse_version(info["version"])
    if server_version > client_version:
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
        return f"<{type(self).__name__} {state} endpoint={self._config.endpoint!r} api={self.api_version}>"


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

    def close(self) -> None:
        """Release the connections; the session cannot be reopened."""
        if self._closed:
            return
        self._closed = True
        self._pop_context()
        self._core.close()

    def __enter__(self) -> Self:
        self.open()
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

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pop_context()
        await self._core.close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
