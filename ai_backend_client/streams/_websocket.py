"""The WebSocket transport: signed handshake, error mapping, :class:`WebSocketStream`.

A stream handshake is a signed ``GET``: the headers of every API request (``Date``,
``X-BackendAI-Version``, ``Authorization``), signed as if the content type were
``application/octet-stream`` while **no** ``Content-Type`` header is sent; in session mode the
webserver's cookies replace the signature. ``websockets`` (asyncio client) is imported only when a
socket is opened, so ``import ai_backend_client`` stays cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json as jsonlib
import logging
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

import httpx

from .._base_client import redact_url
from .._tls import ssl_verify
from ..auth import STREAM_EXTENSION
from ..exceptions import (
    BackendAPIError,
    BackendClientError,
    BackendConnectionError,
    WebSocketClosedError,
    error_for_status,
)

if TYPE_CHECKING:
    from typing_extensions import Self
    from websockets.asyncio.client import ClientConnection

    from .._base_client import AsyncAPIClient, SyncAPIClient
    from .._session_core import AsyncSessionCore as AsyncSession
    from .._session_core import SessionCore as Session

__all__ = [
    "WSMessage",
    "WSMsgType",
    "WebSocketStream",
    "connect_websocket",
    "websocket_handshake",
]

log = logging.getLogger("ai_backend_client")

DEFAULT_PING_INTERVAL: Final = 30.0  # the official client's aiohttp heartbeat
DEFAULT_CLOSE_TIMEOUT: Final = 10.0
DEFAULT_MAX_MESSAGE_SIZE: Final = 16 * 2**20
NORMAL_CLOSE_CODES: Final = frozenset({1000, 1001})


class WSMsgType(enum.IntEnum):
    """Message kinds; the values equal ``aiohttp.WSMsgType`` so comparisons with it work."""

    CONTINUATION = 0
    TEXT = 1
    BINARY = 2
    PING = 9
    PONG = 10
    CLOSE = 8
    CLOSING = 256
    CLOSED = 257
    ERROR = 258


@dataclass(frozen=True)
class WSMessage:
    """One WebSocket message. For ``CLOSED``, ``data`` is the close reason and ``extra`` the code."""

    type: WSMsgType
    data: str | bytes
    extra: int | None = None

    def json(self) -> dict[str, Any]:
        """The payload parsed as a JSON object."""
        return json_object(self.data)


def json_object(data: str | bytes) -> dict[str, Any]:
    try:
        value = jsonlib.loads(data)
    except ValueError as e:
        raise BackendClientError(f"expected a JSON frame, got {snippet(data)!r}") from e
    if not isinstance(value, dict):
        raise BackendClientError(f"expected a JSON object frame, got {snippet(data)!r}")
    return cast(dict[str, Any], value)


def snippet(data: str | bytes, limit: int = 200) -> str:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    return text[:limit]


# ------------------------------------------------------------------------------------------------
# Handshake: URL, headers and error mapping
# ------------------------------------------------------------------------------------------------
def _core(session: AsyncSession | Session) -> AsyncAPIClient | SyncAPIClient:
    return session.core


def _signed_stream_request(
    core: AsyncAPIClient | SyncAPIClient, path: str, params: Mapping[str, str] | None
) -> httpx.Request:
    """A signed GET for a stream: signed as application/octet-stream, no Content-Type sent."""
    url = core.build_url(path)
    # build_request on the session's client also attaches its cookies (session mode).
    request = core.http.build_request(
        "GET",
        url,
        params=dict(params) if params else None,
        headers=core.default_headers(),
        extensions={STREAM_EXTENSION: True},
    )
    core.auth.sign(request)
    return request


_HANDSHAKE_HEADERS: Final = (
    "User-Agent",
    "X-BackendAI-Domain",
    "X-BackendAI-Version",
    "Date",
    "Authorization",
    "Cookie",
)


def websocket_handshake(
    session: AsyncSession | Session, path: str, params: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """The ``ws(s)://`` URL and the headers of a freshly signed handshake for *path*."""
    request = _signed_stream_request(_core(session), path, params)
    headers = {
        name: request.headers[name] for name in _HANDSHAKE_HEADERS if name in request.headers
    }
    http_url = str(request.url)
    if http_url.startswith("https://"):
        ws_url = "wss://" + http_url[len("https://") :]
    elif http_url.startswith("http://"):
        ws_url = "ws://" + http_url[len("http://") :]
    else:  # pragma: no cover - APIConfig only accepts http(s) endpoints
        raise BackendClientError(f"cannot open a WebSocket to {redact_url(http_url)}")
    return ws_url, headers


def _problem_error(
    status: int, reason: str, body: bytes, *, method: str, url: str
) -> BackendAPIError:
    """The typed error for a refused stream request, as the REST transport would raise it."""
    data: dict[str, Any]
    try:
        parsed = jsonlib.loads(body) if body else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        data = cast(dict[str, Any], parsed)
    else:
        data = {
            "type": "https://api.backend.ai/probs/generic-error",
            "title": "Generic Error (could not parse error string)",
            "content": body.decode("utf-8", "replace")[:2000] if parsed is None else parsed,
        }
    return error_for_status(status)(status, reason, data, method=method, url=url)


def _ssl_context(session: AsyncSession | Session, ws_url: str) -> ssl.SSLContext | None:
    if not ws_url.startswith("wss://"):
        return None
    verify = ssl_verify(session.config)  # the same trust (CA bundle, skip flag) as REST calls
    return verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)


# ------------------------------------------------------------------------------------------------


# ------------------------------------------------------------------------------------------------
# WebSocketStream
# ------------------------------------------------------------------------------------------------
class WebSocketStream:
    """An open WebSocket; iterate it for data messages. Closing is idempotent."""

    def __init__(self, connection: ClientConnection, url: str) -> None:
        self._conn = connection
        self._url = redact_url(url)
        self._close_code: int | None = None
        self._close_reason = ""
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<{type(self).__name__} {state} {self._url}>"

    @property
    def url(self) -> str:
        """The URL of the socket (credential-like query values masked)."""
        return self._url

    @property
    def closed(self) -> bool:
        from websockets.protocol import State

        return self._closed or self._conn.state in (State.CLOSING, State.CLOSED)

    @property
    def close_code(self) -> int | None:
        """The close code once closed (1000 normal, 1001 going away, 1006 dropped, ...)."""
        if self._close_code is None and self._conn.close_code is not None:
            return self._conn.close_code
        return self._close_code

    @property
    def close_reason(self) -> str:
        return self._close_reason or (self._conn.close_reason or "")

    def _record_close(self, exc: BaseException) -> None:
        from websockets.exceptions import ConnectionClosed

        if isinstance(exc, ConnectionClosed):
            frame = exc.rcvd or exc.sent
            self._close_code = frame.code if frame is not None else 1006
            self._close_reason = frame.reason if frame is not None else ""
        self._closed = True

    async def receive(self, timeout: float | None = None) -> WSMessage:
        """The next message; a ``CLOSED`` message (never an exception) once the socket is closed.

        ``timeout`` bounds the wait (``TimeoutError`` when it passes); liveness of an idle socket
        is checked by the keepalive pings anyway.
        """
        from websockets.exceptions import ConnectionClosed

        if self._closed:
            return WSMessage(WSMsgType.CLOSED, self.close_reason, self.close_code)
        try:
            if timeout is None:
                data = await self._conn.recv()
            else:
                data = await asyncio.wait_for(self._conn.recv(), timeout)
        except ConnectionClosed as e:
            self._record_close(e)
            return WSMessage(WSMsgType.CLOSED, self.close_reason, self.close_code)
        if isinstance(data, str):
            return WSMessage(WSMsgType.TEXT, data)
        return WSMessage(WSMsgType.BINARY, bytes(data))

    async def _receive_data(self, timeout: float | None = None) -> WSMessage:
        msg = await self.receive(timeout)
        if msg.type == WSMsgType.CLOSED:
            raise closed_error(self)
        return msg

    async def receive_text(self, timeout: float | None = None) -> str:
        """The next message as text (binary messages are decoded as UTF-8)."""
        msg = await self._receive_data(timeout)
        return msg.data if isinstance(msg.data, str) else msg.data.decode("utf-8")

    receive_str = receive_text  # the seed's (aiohttp's) name

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        """The next message as bytes (text messages are encoded as UTF-8)."""
        msg = await self._receive_data(timeout)
        return msg.data if isinstance(msg.data, bytes) else msg.data.encode("utf-8")

    async def receive_json(self, timeout: float | None = None) -> dict[str, Any]:
        """The next message parsed as a JSON object (every Backend.AI stream sends objects)."""
        return json_object((await self._receive_data(timeout)).data)

    def __aiter__(self) -> AsyncIterator[WSMessage]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[WSMessage]:
        while True:
            msg = await self.receive()
            if msg.type == WSMsgType.CLOSED:
                code = self.close_code
                if code is not None and code not in NORMAL_CLOSE_CODES:
                    raise closed_error(self)
                return
            yield msg

    async def _send(self, data: str | bytes) -> None:
        from websockets.exceptions import ConnectionClosed

        if self._closed:
            raise closed_error(self)
        try:
            await self._conn.send(data)
        except ConnectionClosed as e:
            self._record_close(e)
            raise closed_error(self) from None

    async def send_text(self, data: str) -> None:
        await self._send(data)

    send_str = send_text  # the seed's (aiohttp's) name

    async def send_bytes(self, data: bytes | bytearray | memoryview) -> None:
        await self._send(bytes(data))

    async def send_json(self, data: object) -> None:
        await self._send(jsonlib.dumps(data, ensure_ascii=False))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket (waits at most the close timeout for the server's answer)."""
        if not self._closed:
            try:
                await self._conn.close(code, reason)
            finally:
                self._closed = True
                if self._close_code is None:
                    self._close_code = self._conn.close_code or code
                    self._close_reason = self._conn.close_reason or reason

    def abort(self) -> None:
        """Drop the connection without the closing handshake."""
        self._conn.transport.abort()
        self._closed = True

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await close_ws(self)


def closed_error(ws: WebSocketStream) -> WebSocketClosedError:
    code = ws.close_code
    reason = ws.close_reason
    return WebSocketClosedError(
        f"the WebSocket {ws.url} closed (code {code}" + (f", {reason}" if reason else "") + ")",
        code=code,
        reason=reason,
    )


async def close_ws(ws: WebSocketStream) -> None:
    try:
        await ws.close()
    except asyncio.CancelledError:
        ws.abort()
        raise
    except Exception as e:  # closing must never mask the caller's own error
        log.debug("error while closing %s: %s", ws.url, e)
        ws.abort()


async def _open_websocket(
    session: AsyncSession | Session,
    path: str,
    params: Mapping[str, str] | None,
    *,
    open_timeout: float | None,
    ping_interval: float,
    max_size: int,
) -> WebSocketStream:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

    config = session.config
    timeout = open_timeout if open_timeout is not None else config.connection_timeout
    if not timeout or timeout <= 0:
        timeout = 10.0
    attempts = max(1, len(config.endpoints))
    last_error: BaseException | None = None
    for attempt in range(attempts):
        ws_url, headers = websocket_handshake(session, path, params)
        safe_url = redact_url(ws_url)
        log.debug("WebSocket GET %s", safe_url)
        try:
            conn = await connect(
                ws_url,
                additional_headers=headers,
                user_agent_header=None,
                open_timeout=timeout,
                ping_interval=ping_interval,
                # No pong deadline: the manager's aiohttp handlers answer pings only while they
                # read, and stream_execute does not read while the code runs. A pong deadline
                # cut every execution longer than two intervals (1011, keepalive ping timeout).
                ping_timeout=None,
                close_timeout=DEFAULT_CLOSE_TIMEOUT,
                max_size=max_size,
                compression=None,
                ssl=_ssl_context(session, ws_url),
            )
        except InvalidStatus as e:
            resp = e.response
            raise _problem_error(
                resp.status_code,
                resp.reason_phrase,
                bytes(resp.body or b""),
                method="GET",
                url=safe_url,
            ) from None
        except InvalidURI as e:
            raise BackendClientError(f"invalid WebSocket URL {safe_url}: {e}") from None
        except InvalidHandshake as e:
            raise BackendClientError(f"WebSocket handshake with {safe_url} failed: {e}") from None
        except (OSError, asyncio.TimeoutError) as e:
            last_error = e
            if attempt + 1 < attempts:
                config.rotate_endpoints()  # nothing reached the server: failover is safe
                continue
            break
        return WebSocketStream(conn, ws_url)
    assert last_error is not None
    endpoints = ", ".join(config.endpoints)
    raise BackendConnectionError(
        f"could not open the WebSocket {redact_url(path)} (tried: {endpoints}): "
        f"{type(last_error).__name__}: {last_error}"
    ) from last_error


@contextlib.asynccontextmanager
async def connect_websocket(
    session: AsyncSession | Session,
    path: str,
    params: Mapping[str, str] | None = None,
    *,
    open_timeout: float | None = None,
    ping_interval: float = DEFAULT_PING_INTERVAL,
    max_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> AsyncGenerator[WebSocketStream, None]:
    """Open a signed WebSocket to *path* (an API path such as ``/stream/session/x/execute``).

    ``open_timeout`` defaults to the configured connection timeout. A keepalive ping goes out every
    ``ping_interval`` seconds so that idle proxies keep the connection; a missing pong does not close
    it, because the manager does not answer pings while it runs code for the socket. A peer that is
    gone shows when those pings can no longer be sent.
    """
    ws = await _open_websocket(
        session,
        path,
        params,
        open_timeout=open_timeout,
        ping_interval=ping_interval,
        max_size=max_size,
    )
    try:
        yield ws
    finally:
        await close_ws(ws)
