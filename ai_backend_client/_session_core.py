"""What a client session is, without its function classes: configuration, negotiation, wire.

Opening a session negotiates the API version with an unsigned ``GET /`` probe through the core
transport (so it fails over across the configured endpoints, like every request; skipped in
``proxy_mode``), then opens the generated clients of the chosen version
(``_generated.neutral.open_wire``). The function classes (``func/``) are typed against the
classes here, and ``session.py`` adds them, so neither imports the other's module.
"""

from __future__ import annotations

import contextvars
import logging
import warnings
from typing import TYPE_CHECKING, Any, Final, cast

import httpx

from ._base_client import AsyncAPIClient, RetryPolicy, SyncAPIClient
from ._cookies import load_cookies
from ._generated.neutral import open_async_wire, open_wire
from ._redact import redact_url
from .config import APIConfig, get_config
from .exceptions import APIVersionWarning, BackendClientError, MalformedResponseError
from .versioning import APIVersion, negotiate, parse_version

if TYPE_CHECKING:
    from ._generated.neutral import AsyncVersionedWire, AsyncWire, VersionedWire, Wire
    from ._generated.neutral.graphql import AsyncGraphQLOps, GraphQLOps
    from ._generated.neutral.rest import AsyncRestOps, RestOps
    from ._generated.neutral.streams import StreamPaths

__all__ = ["AsyncSessionCore", "BaseSession", "SessionCore", "api_session"]

log = logging.getLogger("ai_backend_client")

#: The session most recently entered in this context (used by the low-level ``Request`` API).
api_session: Final[contextvars.ContextVar[BaseSession]] = contextvars.ContextVar("api_session")


#: The version probe goes out unsigned and without a version header (an empty value leaves it
#: out): a server refuses a version newer than its own ("Unsupported API version") even on ``GET /``.
_PROBE_HEADERS: Final = {"X-BackendAI-Version": ""}


def _interpret_probe(config: APIConfig, body: Any, url: str) -> tuple[APIVersion, dict[str, Any]]:
    """Pick the version from the probe's answer, warning where the user should know."""
    info = cast("dict[str, Any]", body) if isinstance(body, dict) else {}
    raw = info.get("version")
    try:
        server_version = parse_version(raw) if isinstance(raw, str) else None
    except ValueError:
        server_version = None
    if server_version is None:
        raise MalformedResponseError(
            f"the server's answer to the version probe names no API version: {body!r:.200}",
            status=200,
            method="GET",
            url=url,
        )
    chosen, warning = negotiate(server_version, parse_version(config.version))
    if warning:
        manager = info.get("manager")
        where = f" (manager {manager})" if manager else ""
        warnings.warn(warning.replace(" speaks ", f"{where} speaks ", 1), APIVersionWarning, 4)
    return chosen, info


class BaseSession:
    """What both session kinds share: configuration and the outcome of negotiation."""

    _config: APIConfig
    _proxy_mode: bool
    _closed: bool
    _negotiated: APIVersion | None
    _server_info: dict[str, Any]

    def __init__(self, *, config: APIConfig | None = None, proxy_mode: bool = False) -> None:
        self._config = config if config is not None else get_config()
        self._proxy_mode = proxy_mode
        self._closed = False
        self._opened = False
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
        """The API version agreed with the server (before opening: the configured one)."""
        return self._negotiated or negotiate(parse_version(self._config.version)).version

    @property
    def api_version(self) -> APIVersion:
        """The API version whose generated clients this session uses."""
        return self.negotiated_version

    @property
    def server_info(self) -> dict[str, Any]:
        """The server's answer to the version probe (``version``, ``manager``), if any."""
        return dict(self._server_info)

    def _check_openable(self) -> bool:
        if self._closed:
            raise BackendClientError("this session is closed; create a new one")
        return not self._opened

    def _push_context(self) -> None:
        self._token = api_session.set(self)

    def _pop_context(self) -> None:
        if self._token is not None:
            try:
                api_session.reset(self._token)
            except ValueError:  # reset from another context (e.g. closed in a different task)
                pass
            self._token = None

    def _announcement(self, data: Any) -> None:
        handler = self._config.announcement_handler
        if handler is not None and isinstance(data, dict):
            info = cast("dict[str, Any]", data)
            if info.get("enabled") and info.get("message"):
                handler(str(info["message"]))

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        endpoint = redact_url(self._config.endpoint)
        return f"<{type(self).__name__} {state} endpoint={endpoint!r} api={self.api_version}>"


class SessionCore(BaseSession):
    """A blocking session's transport and generated clients."""

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
        self._versioned: VersionedWire | None = None

    @property
    def core(self) -> SyncAPIClient:
        """The signed transport (for calls the spec does not cover)."""
        return self._core

    @property
    def versioned(self) -> VersionedWire:
        """The generated clients of the negotiated version, as that version's own types."""
        if self._versioned is None:
            self._versioned = open_wire(str(self.api_version), self._core)
        return self._versioned

    @property
    def neutral(self) -> Wire:
        """The generated clients seen through what every version offers alike."""
        return self.versioned

    @property
    def wire(self) -> RestOps:
        """The generated REST client of the negotiated version (``wire.<tag>.<operation>``)."""
        return self.neutral.rest

    @property
    def graphql(self) -> GraphQLOps:
        """The generated GraphQL operations of the negotiated version."""
        return self.neutral.graphql

    @property
    def stream_paths(self) -> StreamPaths:
        return self.neutral.streams

    def open(self) -> None:
        """Negotiate the API version (unless in proxy mode) and get ready for requests."""
        if not self._check_openable():
            return
        if not self._proxy_mode:
            url = self._core.build_url("/")
            body = self._core.request(
                "GET", "/", cast_to=dict[str, Any], authenticated=False, headers=_PROBE_HEADERS
            )
            self._negotiated, self._server_info = _interpret_probe(self._config, body, url)
        self._core.api_version = str(self.api_version)
        self._versioned = None
        self._opened = True
        self._push_context()
        if self._config.announcement_handler is not None:
            try:
                self._announcement(
                    self._core.request("GET", "/manager/announcement", cast_to=dict[str, Any])
                )
            except Exception as e:  # announcements are best-effort
                log.debug("could not fetch the announcement: %s", e)

    def close(self) -> None:
        """Release the connections; the session cannot be reopened."""
        if self._closed:
            return
        self._closed = True
        self._pop_context()
        self._core.close()


# A deliberate sync/async pair with SessionCore above: open, negotiate and close, with await;
# what does not do I/O is shared in BaseSession.
class AsyncSessionCore(BaseSession):
    """An asyncio session's transport and generated clients."""

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
        self._versioned: AsyncVersionedWire | None = None

    @property
    def core(self) -> AsyncAPIClient:
        """The signed transport (for calls the spec does not cover)."""
        return self._core

    @property
    def versioned(self) -> AsyncVersionedWire:
        """The generated clients of the negotiated version, as that version's own types."""
        if self._versioned is None:
            self._versioned = open_async_wire(str(self.api_version), self._core)
        return self._versioned

    @property
    def neutral(self) -> AsyncWire:
        """The generated clients seen through what every version offers alike."""
        return self.versioned

    @property
    def wire(self) -> AsyncRestOps:
        """The generated REST client of the negotiated version (``wire.<tag>.<operation>``)."""
        return self.neutral.rest

    @property
    def graphql(self) -> AsyncGraphQLOps:
        """The generated GraphQL operations of the negotiated version."""
        return self.neutral.graphql

    @property
    def stream_paths(self) -> StreamPaths:
        return self.neutral.streams

    async def open(self) -> None:
        """Negotiate the API version (unless in proxy mode) and get ready for requests."""
        if not self._check_openable():
            return
        if not self._proxy_mode:
            url = self._core.build_url("/")
            body = await self._core.request(
                "GET", "/", cast_to=dict[str, Any], authenticated=False, headers=_PROBE_HEADERS
            )
            self._negotiated, self._server_info = _interpret_probe(self._config, body, url)
        self._core.api_version = str(self.api_version)
        self._versioned = None
        self._opened = True
        self._push_context()
        if self._config.announcement_handler is not None:
            try:
                self._announcement(
                    await self._core.request("GET", "/manager/announcement", cast_to=dict[str, Any])
                )
            except Exception as e:  # announcements are best-effort
                log.debug("could not fetch the announcement: %s", e)

    async def close(self) -> None:
        """Release the connections; the session cannot be reopened."""
        if self._closed:
            return
        self._closed = True
        self._pop_context()
        await self._core.close()
