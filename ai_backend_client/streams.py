"""WebSocket and Server-Sent-Events streams (catalogue §5), and the ``backend.ai app`` TCP proxy.

Every stream request is a signed ``GET`` (headers as in §1.1, signed with the content type
``application/octet-stream`` while **no** ``Content-Type`` header is sent; in session mode the
webserver's cookies replace the signature). WebSockets use ``websockets`` (asyncio client), SSE
uses ``httpx-sse`` over the session's own httpx client. Both libraries are imported only when a
stream is opened, so ``import ai_backend_client`` stays cheap.

Public interface
================
WebSockets (``session`` is an :class:`~ai_backend_client.session.AsyncSession`; a blocking
``Session`` works too, since only its configuration, signer and cookies are used)::

    connect_websocket(session, path, params=None, *, open_timeout=None, ping_interval=30.0,
                      max_size=16 MiB) -> AsyncContextManager[WebSocketStream]

    class WebSocketStream:                       # async context manager, always closes
        async for msg in stream                  # WSMessage(type=TEXT|BINARY, data=str|bytes)
        await receive(timeout=None) -> WSMessage # aiohttp-style: CLOSED message when closed
        await receive_text() / receive_str() -> str
        await receive_bytes() -> bytes
        await receive_json() -> dict[str, Any]
        await send_text(str) / send_str(str), send_bytes(bytes), send_json(obj)
        await close(code=1000, reason=""); .closed; .close_code; .close_reason

    WSMsgType (IntEnum with aiohttp's values), WSMessage(type, data, extra=None)
    websocket_handshake(session, path, params=None) -> (ws_url, headers)  # freshly signed

Streaming execute (§5.1), PTY (§5.2)::

    stream_execute(session, session_ref, code="", *, mode="query", options=None, params=None,
                   input_handler=None) -> AsyncContextManager[ExecuteStream]
    class ExecuteStream:  async for result in stream -> ExecutionResult (ends after "finished");
                          await send_input(text); .ws (the raw WebSocketStream)
    stream_pty(session, session_ref, params=None) -> AsyncContextManager[StreamPty]
    class StreamPty:      async for chunk in pty -> bytes (decoded "out" frames);
                          send_stdin(str|bytes), resize(rows, cols), ping(), restart(); .ws

Server-Sent Events (§5.3, §5.4)::

    listen_sse(session, path, params=None, *, max_reconnects=10, read_timeout=None)
        -> SSEStream                # async context manager and async iterator of SSEEvent
    listen_sse_sync(session, path, params=None, ...) -> SyncSSEStream   # blocking twin
    SSEEvent(event, data, id, retry).json() -> dict[str, Any]
    listen_session_events(session, *, session_name=None, session_id=None,
        owner_access_key=None, group=None, scope="*") -> EventStream[SessionEvent]
    listen_bgtask_events(session, task_id) -> EventStream[BgtaskEvent]   # ends after the final
        # event; an unknown task raises NotFoundError (24.09 answers it with an empty stream)
    (and the blocking ``listen_session_events_sync`` / ``listen_bgtask_events_sync``)

The SSE streams reconnect (freshly signed) when the connection drops without a ``server_close``
event, after the server's ``retry:`` delay (default 5 s), at most ``max_reconnects`` times in a
row; they end after ``server_close``, which is not yielded. Reads use a per-chunk read timeout.

TCP proxy for ``backend.ai app`` (§5.6)::

    serve_app_proxy(session, session_name, app, *, host="127.0.0.1", port=8080,
                    protocol="http", envs=None, arguments=None, on_error=None) -> AppProxy
    async with serve_app_proxy(...) as proxy:  # listening once entered; proxy.port is bound
        await proxy.serve_forever()

Errors: a rejected handshake or SSE request raises the same ``BackendAPIError`` subclasses as REST
(``AuthenticationError`` for 401, ``NotFoundError`` for 404, ...); unreachable endpoints raise
``BackendConnectionError``; an abnormal WebSocket close while reading raises
:class:`WebSocketClosedError`; an execution error frame raises :class:`ExecutionStreamError`.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import contextlib
import enum
import json as jsonlib
import logging
import ssl
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Mapping,
)
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, Literal, TypeVar, cast

import httpx
import pydantic

from ._base_client import redact_url, ssl_verify
from ._models import BaseModel
from .auth import STREAM_EXTENSION
from .exceptions import (
    BackendAPIError,
    BackendClientError,
    BackendConnectionError,
    BackendError,
    NotFoundError,
    error_for_status,
)

if TYPE_CHECKING:
    from httpx_sse import ServerSentEvent
    from typing_extensions import Self
    from websockets.asyncio.client import ClientConnection

    from ._base_client import AsyncAPIClient, SyncAPIClient
    from ._session_core import AsyncSessionCore as AsyncSession
    from ._session_core import SessionCore as Session

__all__ = [
    "AppProxy",
    "BgtaskEvent",
    "ConsoleItem",
    "EventStream",
    "ExecuteStream",
    "ExecutionResult",
    "ExecutionStreamError",
    "SSEEvent",
    "SSEStream",
    "SessionEvent",
    "StreamPty",
    "SyncEventStream",
    "SyncSSEStream",
    "WSMessage",
    "WSMsgType",
    "WebSocketClosedError",
    "WebSocketStream",
    "connect_websocket",
    "listen_bgtask_events",
    "listen_bgtask_events_sync",
    "listen_session_events",
    "listen_session_events_sync",
    "listen_sse",
    "listen_sse_sync",
    "serve_app_proxy",
    "stream_execute",
    "stream_pty",
    "websocket_handshake",
]

log = logging.getLogger("ai_backend_client")

_T = TypeVar("_T")

DEFAULT_PING_INTERVAL: Final = 30.0  # the official client's aiohttp heartbeat
DEFAULT_CLOSE_TIMEOUT: Final = 10.0
DEFAULT_MAX_MESSAGE_SIZE: Final = 16 * 2**20
DEFAULT_SSE_RETRY: Final = 5.0  # seconds, as the official client assumes (§5.3)
MAX_SSE_RETRY: Final = 60.0
DEFAULT_SSE_READ_TIMEOUT: Final = (
    120.0  # aiohttp-sse pings every 15 s, so silence this long is a dead link
)
DEFAULT_MAX_RECONNECTS: Final = 10
SERVER_CLOSE_EVENT: Final = "server_close"
_NORMAL_CLOSE_CODES: Final = frozenset({1000, 1001})
_PROXY_CHUNK: Final = 64 * 1024
_HALF_CLOSE_GRACE: Final = 5.0  # seconds the app may still answer after the client's EOF


# ------------------------------------------------------------------------------------------------
# WebSocket messages
# ------------------------------------------------------------------------------------------------
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
        return _json_object(self.data)


class WebSocketClosedError(BackendClientError):
    """The WebSocket closed abnormally (or was already closed) while data was expected."""

    def __init__(self, message: str, *, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class ExecutionStreamError(BackendError):
    """The streaming-execute server sent an ``error`` or ``server-restarting`` frame."""

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result
        super().__init__(f"execution stream {result.status}: {result.msg or '(no message)'}")


def _json_object(data: str | bytes) -> dict[str, Any]:
    try:
        value = jsonlib.loads(data)
    except ValueError as e:
        raise BackendClientError(f"expected a JSON frame, got {_snippet(data)!r}") from e
    if not isinstance(value, dict):
        raise BackendClientError(f"expected a JSON object frame, got {_snippet(data)!r}")
    return cast(dict[str, Any], value)


def _snippet(data: str | bytes, limit: int = 200) -> str:
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
            raise _closed_error(self)
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
        return _json_object((await self._receive_data(timeout)).data)

    def __aiter__(self) -> AsyncIterator[WSMessage]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[WSMessage]:
        while True:
            msg = await self.receive()
            if msg.type == WSMsgType.CLOSED:
                code = self.close_code
                if code is not None and code not in _NORMAL_CLOSE_CODES:
                    raise _closed_error(self)
                return
            yield msg

    async def _send(self, data: str | bytes) -> None:
        from websockets.exceptions import ConnectionClosed

        if self._closed:
            raise _closed_error(self)
        try:
            await self._conn.send(data)
        except ConnectionClosed as e:
            self._record_close(e)
            raise _closed_error(self) from None

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

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await _close_ws(self)


def _closed_error(ws: WebSocketStream) -> WebSocketClosedError:
    code = ws.close_code
    reason = ws.close_reason
    return WebSocketClosedError(
        f"the WebSocket {ws.url} closed (code {code}" + (f", {reason}" if reason else "") + ")",
        code=code,
        reason=reason,
    )


async def _close_ws(ws: WebSocketStream) -> None:
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
                ping_timeout=ping_interval,
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

    ``open_timeout`` defaults to the configured connection timeout; the keepalive ping runs every
    ``ping_interval`` seconds and a missing pong within the same time closes the socket (1011).
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
        await _close_ws(ws)


# ------------------------------------------------------------------------------------------------
# Streaming execute (§5.1)
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConsoleItem:
    """One console record: ``kind`` is stdout/stderr/media/html/log/completion/goto.

    For ``media`` records ``mime`` is the media type and ``data`` the payload (data URI, SVG,
    JSON drawing); for the others ``mime`` is ``None`` and ``data`` is the text.
    """

    kind: str
    data: str
    mime: str | None = None


class ExecutionResult(BaseModel):
    """One server frame of a streaming execution (dict access by wire key works too)."""

    status: str
    run_id: str | None = pydantic.Field(default=None, alias="runId")
    console: list[list[Any]] = pydantic.Field(default_factory=lambda: [])
    exit_code: int | None = pydantic.Field(default=None, alias="exitCode")
    options: dict[str, Any] | None = None
    files: list[Any] | None = None
    msg: str | None = None

    @property
    def records(self) -> list[ConsoleItem]:
        """The console records, typed."""
        items: list[ConsoleItem] = []
        for rec in self.console:
            if not rec:
                continue
            kind = str(rec[0])
            payload: Any = rec[1] if len(rec) > 1 else ""
            media = cast("list[object]", payload) if isinstance(payload, list) else None
            if kind == "media" and media is not None and len(media) >= 2:
                items.append(ConsoleItem(kind, _as_text(media[1]), str(media[0])))
            else:
                items.append(ConsoleItem(kind, _as_text(rec[1]) if len(rec) > 1 else ""))
        return items

    @property
    def stdout(self) -> str:
        return "".join(r.data for r in self.records if r.kind == "stdout")

    @property
    def stderr(self) -> str:
        return "".join(r.data for r in self.records if r.kind == "stderr")

    @property
    def is_finished(self) -> bool:
        return self.status == "finished"

    @property
    def is_waiting_input(self) -> bool:
        return self.status == "waiting-input"

    @property
    def is_password_prompt(self) -> bool:
        """On ``waiting-input``: whether the input should be hidden."""
        return bool((self.options or {}).get("is_password", False))


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    return jsonlib.dumps(value, ensure_ascii=False)


InputHandler = Callable[[ExecutionResult], "str | Awaitable[str]"]

_EXECUTE_MODES: Final = ("query", "batch")


class ExecuteStream:
    """A streaming execution: the socket is one run, so no run ID is exchanged.

    Iterating yields each :class:`ExecutionResult` frame and ends after the ``finished`` one. On
    ``waiting-input`` the frame is yielded and the caller answers with :meth:`send_input` (or an
    ``input_handler`` answers automatically). ``error`` and ``server-restarting`` frames raise
    :class:`ExecutionStreamError`.
    """

    def __init__(self, ws: WebSocketStream, *, input_handler: InputHandler | None = None) -> None:
        self.ws = ws
        self._input_handler = input_handler
        self._finished = False

    async def start(
        self, code: str, mode: str = "query", options: Mapping[str, object] | None = None
    ) -> None:
        """Send the first frame ``{code, mode, options}``."""
        await self.ws.send_json({"code": code, "mode": mode, "options": dict(options or {})})

    async def send_input(self, text: str) -> None:
        """Answer a ``waiting-input`` frame: the raw text is sent as a text frame (not JSON)."""
        await self.ws.send_text(text)

    async def next_result(self, timeout: float | None = None) -> ExecutionResult | None:
        """The next frame, or ``None`` once the run has finished (or the socket closed cleanly)."""
        if self._finished:
            return None
        msg = await self.ws.receive(timeout)
        if msg.type == WSMsgType.CLOSED:
            self._finished = True
            code = self.ws.close_code
            if code is not None and code not in _NORMAL_CLOSE_CODES:
                raise _closed_error(self.ws)
            return None
        try:
            result = ExecutionResult.model_validate(msg.json())
        except pydantic.ValidationError as e:
            raise BackendClientError(
                f"malformed execution frame {_snippet(msg.data)!r}: {e}"
            ) from None
        if result.status in ("error", "server-restarting"):
            self._finished = True
            raise ExecutionStreamError(result)
        if result.is_finished:
            self._finished = True
        return result

    def __aiter__(self) -> AsyncIterator[ExecutionResult]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[ExecutionResult]:
        while True:
            result = await self.next_result()
            if result is None:
                return
            yield result
            if result.is_waiting_input and self._input_handler is not None:
                answer = self._input_handler(result)
                if not isinstance(answer, str):
                    answer = await answer
                await self.send_input(answer)

    async def close(self) -> None:
        await _close_ws(self.ws)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


@contextlib.asynccontextmanager
async def stream_execute(
    session: AsyncSession | Session,
    session_ref: str,
    code: str = "",
    *,
    mode: Literal["query", "batch"] = "query",
    options: Mapping[str, object] | None = None,
    params: Mapping[str, str] | None = None,
    input_handler: InputHandler | None = None,
) -> AsyncGenerator[ExecuteStream, None]:
    """Open ``GET /stream/session/{session_ref}/execute`` and send the first frame.

    ``session_ref`` is the session's UUID or name. ``options`` for ``batch``: ``clean``,
    ``build``, ``exec`` (shell commands, ``"*"`` for the default), ``buildLog``.
    """
    if mode not in _EXECUTE_MODES:
        raise BackendClientError(
            f"streaming execution supports only the modes query and batch, not {mode!r}"
        )
    async with connect_websocket(session, f"/stream/session/{session_ref}/execute", params) as ws:
        stream = ExecuteStream(ws, input_handler=input_handler)
        await stream.start(code, mode, options)
        yield stream


# ------------------------------------------------------------------------------------------------
# PTY (§5.2)
# ------------------------------------------------------------------------------------------------
class StreamPty:
    """A terminal of a session: iterate for output bytes; control frames are JSON text."""

    def __init__(self, ws: WebSocketStream) -> None:
        self.ws = ws

    async def send_stdin(self, data: str | bytes) -> None:
        """Type *data* (text is UTF-8 encoded); the protocol carries it base64-encoded."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        await self.ws.send_json({"type": "stdin", "chars": base64.b64encode(raw).decode("ascii")})

    async def resize(self, rows: int, cols: int) -> None:
        await self.ws.send_json({"type": "resize", "rows": int(rows), "cols": int(cols)})

    async def ping(self) -> None:
        await self.ws.send_json({"type": "ping"})

    async def restart(self) -> None:
        """Restart the kernel behind the terminal."""
        await self.ws.send_json({"type": "restart"})

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        async for msg in self.ws:
            try:
                frame = msg.json()
            except BackendClientError:
                log.debug("ignoring a non-JSON PTY frame")
                continue
            if frame.get("type") != "out":
                continue
            data = frame.get("data")
            if not isinstance(data, str):
                continue
            try:
                yield base64.b64decode(data)
            except ValueError:
                raise BackendClientError("the terminal sent output that is not base64") from None

    async def iter_text(self, encoding: str = "utf-8") -> AsyncIterator[str]:
        """The output as text; multi-byte characters split across frames are joined."""
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        async for chunk in self:
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    async def close(self) -> None:
        await _close_ws(self.ws)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


@contextlib.asynccontextmanager
async def stream_pty(
    session: AsyncSession | Session, session_ref: str, params: Mapping[str, str] | None = None
) -> AsyncGenerator[StreamPty, None]:
    """Open ``GET /stream/session/{session_ref}/pty``."""
    async with connect_websocket(session, f"/stream/session/{session_ref}/pty", params) as ws:
        yield StreamPty(ws)


# ------------------------------------------------------------------------------------------------
# Server-Sent Events (§5.3, §5.4)
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SSEEvent:
    """One server-sent event (the event name defaults to ``message``)."""

    event: str
    data: str
    id: str | None = None
    retry: int | None = None

    def json(self) -> dict[str, Any]:
        """``data`` parsed as a JSON object (``{}`` for an empty payload)."""
        if not self.data.strip():
            return {}
        return _json_object(self.data)


def _retry_seconds(value: int) -> float:
    """The reconnect delay a ``retry:`` field asks for.

    The SSE standard counts milliseconds, but the Backend.AI manager sends ``retry: 5`` meaning
    seconds and the official client reads it so; small values are therefore taken as seconds and
    large ones as milliseconds. Always capped.
    """
    seconds = float(value) if value <= MAX_SSE_RETRY else value / 1000.0
    return max(0.0, min(seconds, MAX_SSE_RETRY))


class _SSEState:
    """What the sync and async SSE streams share: parameters, decoding, reconnect bookkeeping."""

    def __init__(
        self,
        session: AsyncSession | Session,
        path: str,
        params: Mapping[str, str] | None,
        *,
        max_reconnects: int,
        read_timeout: float | None,
        empty_means_not_found: bool = False,
    ) -> None:
        if max_reconnects < 0:
            raise ValueError("max_reconnects must be >= 0")
        self._session = session
        self.path = path
        self.params = dict(params) if params else {}
        self.max_reconnects = max_reconnects
        config = session.config
        read = read_timeout if read_timeout is not None else (config.read_timeout or 0.0)
        # Never wait forever for the next chunk: "0 = no limit" in the config becomes the default.
        self.read_timeout = read if read > 0 else DEFAULT_SSE_READ_TIMEOUT
        self.retry_delay = DEFAULT_SSE_RETRY
        self.last_event_id: str | None = None
        self.reconnects = 0  # consecutive reconnects without an event in between
        self.finished = False  # server_close seen (or closed by us)
        # The 24.09 manager answers an unknown background task with an empty stream (22.03: 404).
        self.empty_means_not_found = empty_means_not_found

    def _timeout(self) -> httpx.Timeout:
        connect = self._session.config.connection_timeout or 10.0
        return httpx.Timeout(connect=connect, read=self.read_timeout, write=connect, pool=connect)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        return headers

    def _convert(self, sse: ServerSentEvent) -> SSEEvent:
        if sse.retry is not None:
            self.retry_delay = _retry_seconds(sse.retry)
        if sse.id:
            self.last_event_id = sse.id
        return SSEEvent(
            event=sse.event or "message",
            data=sse.data,
            id=sse.id or None,
            retry=sse.retry,
        )

    def _check_content_type(self, response: httpx.Response) -> None:
        ctype = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
        if ctype != "text/event-stream":
            raise BackendClientError(
                f"GET {redact_url(response.request.url)} answered {ctype or 'no content type'}, "
                "not an event stream"
            )

    def _check_empty(self, cause: BaseException | None, delivered: bool) -> None:
        if self.empty_means_not_found and cause is None and not delivered:
            raise NotFoundError(
                404,
                "Not Found",
                {
                    "type": "https://api.backend.ai/probs/object-not-found",
                    "title": "No such background task.",
                    "msg": "the server closed the event stream without any event",
                },
                method="GET",
                url=redact_url(self._session.core.build_url(self.path)),
            )

    def _next_delay(self, cause: BaseException | None) -> float:
        """Count one reconnect and return its delay, or raise when the budget is spent."""
        if self.reconnects >= self.max_reconnects:
            detail = f": {type(cause).__name__}: {cause}" if cause is not None else ""
            raise BackendConnectionError(
                f"the event stream {redact_url(self.path)} dropped {self.reconnects + 1} times in a "
                f"row without server_close; giving up{detail}"
            )
        self.reconnects += 1
        log.debug(
            "event stream %s dropped; reconnecting in %.1f s (%d/%d)",
            redact_url(self.path),
            self.retry_delay,
            self.reconnects,
            self.max_reconnects,
        )
        return self.retry_delay


# Errors after which the event stream reconnects (the connection dropped or went silent).
_DROPPED: tuple[type[BaseException], ...] = (
    httpx.ReadError,
    httpx.ReadTimeout,
    httpx.RemoteProtocolError,
)


class SSEStream(_SSEState):
    """An auto-reconnecting event stream; an async context manager and an async iterator."""

    def __init__(
        self,
        session: AsyncSession,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        max_reconnects: int = DEFAULT_MAX_RECONNECTS,
        read_timeout: float | None = None,
        empty_means_not_found: bool = False,
    ) -> None:
        super().__init__(
            session,
            path,
            params,
            max_reconnects=max_reconnects,
            read_timeout=read_timeout,
            empty_means_not_found=empty_means_not_found,
        )
        self._async_session = session
        self._stack: contextlib.AsyncExitStack | None = None
        self._events: AsyncGenerator[ServerSentEvent, None] | None = None
        self._iterator: AsyncGenerator[SSEEvent, None] | None = None

    async def _connect(self) -> None:
        from httpx_sse import EventSource

        stack = contextlib.AsyncExitStack()
        try:
            response = await stack.enter_async_context(
                self._async_session.core.stream(
                    "GET",
                    self.path,
                    params=self.params,
                    headers=self._headers(),
                    timeout=self._timeout(),
                    stream_extension=True,
                )
            )
            self._check_content_type(response)
            events = EventSource(response).aiter_sse()
            stack.push_async_callback(events.aclose)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        self._events = events

    async def _disconnect(self) -> None:
        stack, self._stack, self._events = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    async def open(self) -> None:
        """Connect now (so a refused request raises here); iteration connects when needed."""
        if self._stack is None and not self.finished:
            await self._connect()

    async def close(self) -> None:
        self.finished = True
        await self._disconnect()

    def __aiter__(self) -> AsyncIterator[SSEEvent]:
        if self._iterator is None:
            self._iterator = self._iterate()
        return self._iterator

    async def __anext__(self) -> SSEEvent:
        return await self.__aiter__().__anext__()

    async def _iterate(self) -> AsyncGenerator[SSEEvent, None]:
        try:
            while not self.finished:
                cause: BaseException | None = None
                delivered = False
                try:
                    if self._events is None:
                        await self._connect()
                    assert self._events is not None
                    async for sse in self._events:
                        event = self._convert(sse)
                        if not sse.data:
                            continue  # no data: nothing to dispatch (SSE standard; retry/id kept)
                        self.reconnects = 0
                        delivered = True
                        if event.event == SERVER_CLOSE_EVENT:
                            self.finished = True
                            break
                        yield event
                except _DROPPED as e:
                    cause = e
                except BackendConnectionError as e:  # the endpoint went away entirely
                    cause = e
                await self._disconnect()
                if self.finished:
                    break
                self._check_empty(cause, delivered)
                await asyncio.sleep(self._next_delay(cause))
        finally:
            await self._disconnect()

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
        if self._iterator is not None:
            await self._iterator.aclose()


class SyncSSEStream(_SSEState):
    """The blocking twin of :class:`SSEStream` for ``Session``."""

    def __init__(
        self,
        session: Session,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        max_reconnects: int = DEFAULT_MAX_RECONNECTS,
        read_timeout: float | None = None,
        empty_means_not_found: bool = False,
    ) -> None:
        super().__init__(
            session,
            path,
            params,
            max_reconnects=max_reconnects,
            read_timeout=read_timeout,
            empty_means_not_found=empty_means_not_found,
        )
        self._sync_session = session
        self._stack: contextlib.ExitStack | None = None
        self._events: Iterator[ServerSentEvent] | None = None
        self._iterator: Generator[SSEEvent, None, None] | None = None

    def _connect(self) -> None:
        from httpx_sse import EventSource

        stack = contextlib.ExitStack()
        try:
            response = stack.enter_context(
                self._sync_session.core.stream(
                    "GET",
                    self.path,
                    params=self.params,
                    headers=self._headers(),
                    timeout=self._timeout(),
                    stream_extension=True,
                )
            )
            self._check_content_type(response)
            events = EventSource(response).iter_sse()  # ends when the response is closed
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        self._events = events

    def _disconnect(self) -> None:
        stack, self._stack, self._events = self._stack, None, None
        if stack is not None:
            stack.close()

    def open(self) -> None:
        if self._stack is None and not self.finished:
            self._connect()

    def close(self) -> None:
        self.finished = True
        self._disconnect()

    def __iter__(self) -> Iterator[SSEEvent]:
        if self._iterator is None:
            self._iterator = self._iterate()
        return self._iterator

    def __next__(self) -> SSEEvent:
        return next(iter(self))

    def _iterate(self) -> Generator[SSEEvent, None, None]:
        try:
            while not self.finished:
                cause: BaseException | None = None
                delivered = False
                try:
                    if self._events is None:
                        self._connect()
                    assert self._events is not None
                    for sse in self._events:
                        event = self._convert(sse)
                        if not sse.data:
                            continue  # no data: nothing to dispatch (SSE standard; retry/id kept)
                        self.reconnects = 0
                        delivered = True
                        if event.event == SERVER_CLOSE_EVENT:
                            self.finished = True
                            break
                        yield event
                except _DROPPED as e:
                    cause = e
                except BackendConnectionError as e:
                    cause = e
                self._disconnect()
                if self.finished:
                    break
                self._check_empty(cause, delivered)
                time.sleep(self._next_delay(cause))
        finally:
            self._disconnect()

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
        if self._iterator is not None:
            self._iterator.close()


def listen_sse(
    session: AsyncSession,
    path: str,
    params: Mapping[str, str] | None = None,
    *,
    max_reconnects: int = DEFAULT_MAX_RECONNECTS,
    read_timeout: float | None = None,
) -> SSEStream:
    """An event stream of *path*; use ``async with`` (connects on entry) and ``async for``."""
    return SSEStream(
        session, path, params, max_reconnects=max_reconnects, read_timeout=read_timeout
    )


def listen_sse_sync(
    session: Session,
    path: str,
    params: Mapping[str, str] | None = None,
    *,
    max_reconnects: int = DEFAULT_MAX_RECONNECTS,
    read_timeout: float | None = None,
) -> SyncSSEStream:
    """The blocking :func:`listen_sse`; use ``with`` and ``for``."""
    return SyncSSEStream(
        session, path, params, max_reconnects=max_reconnects, read_timeout=read_timeout
    )


# -- typed events --------------------------------------------------------------------------------
class SessionEvent(BaseModel):
    """A session/kernel lifecycle event; ``event`` is its name (``session_started``, ...)."""

    event: str = ""
    session_id: str | None = pydantic.Field(default=None, alias="sessionId")
    session_name: str | None = pydantic.Field(default=None, alias="sessionName")
    owner_access_key: str | None = pydantic.Field(default=None, alias="ownerAccessKey")
    reason: str | None = None
    exit_code: int | None = pydantic.Field(default=None, alias="exitCode")
    kernel_id: str | None = pydantic.Field(default=None, alias="kernelId")
    cluster_role: str | None = pydantic.Field(default=None, alias="clusterRole")
    cluster_idx: int | None = pydantic.Field(default=None, alias="clusterIdx")

    _sse_data: str = pydantic.PrivateAttr(default="")

    @pydantic.model_validator(mode="after")
    def _keep_sse_data(self, info: pydantic.ValidationInfo) -> SessionEvent:
        context: Any = info.context
        text = (
            cast("dict[str, Any]", context).get("sse_data") if isinstance(context, dict) else None
        )
        if isinstance(text, str):
            self._sse_data = text
        return self

    @property
    def data(self) -> str:
        """The event's payload as the server sent it: the raw JSON text, so the seed's
        ``print(ev.event, ev.data)`` prints what the 22.03 client printed."""
        return self._sse_data

    @property
    def is_terminal(self) -> bool:
        """Whether the session (not just a kernel) has ended."""
        return self.event in (
            "session_terminated",
            "session_cancelled",
            "session_failure",
            "session_success",
        )


_BGTASK_OUTCOMES: Final = {
    "bgtask_done": "done",
    "bgtask_failed": "failed",
    "bgtask_cancelled": "cancelled",
    "task_done": "done",  # the names used for a task that had already finished (§5.4)
    "task_failed": "failed",
    "task_cancelled": "cancelled",
}


def _lenient_number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


class BgtaskEvent(BaseModel):
    """A background-task event: live ``bgtask_updated`` or a final ``bgtask_*``/``task_*`` one."""

    event: str = ""
    task_id: str | None = None
    message: str | None = None
    status: str | None = None
    current_progress: float | None = None
    total_progress: float | None = None

    @pydantic.field_validator("current_progress", "total_progress", mode="before")
    @classmethod
    def _progress(cls, value: object) -> float | None:
        # Finished tasks report the numbers as strings read back from Redis.
        return _lenient_number(value)

    @property
    def outcome(self) -> Literal["done", "failed", "cancelled"] | None:
        """How the task ended, or ``None`` for a progress update."""
        return cast(
            'Literal["done", "failed", "cancelled"] | None', _BGTASK_OUTCOMES.get(self.event)
        )

    @property
    def is_finished(self) -> bool:
        return self.outcome is not None


_E = TypeVar("_E", bound=BaseModel)


def _typed_event(model: type[_E], event: SSEEvent) -> _E:
    data = event.json()
    try:
        return model.model_validate(
            {**data, "event": event.event}, context={"sse_data": event.data}
        )
    except pydantic.ValidationError as e:
        raise BackendClientError(
            f"malformed {event.event} event {_snippet(event.data)!r}: {e}"
        ) from None


class EventStream(Generic[_E]):
    """An :class:`SSEStream` whose events are parsed into a model."""

    def __init__(
        self,
        stream: SSEStream,
        model: type[_E],
        *,
        stop_when_finished: bool = False,
        keep: Callable[[_E], bool] | None = None,
    ) -> None:
        self.sse = stream
        self._model = model
        self._stop_when_finished = stop_when_finished
        self._keep = keep

    def __aiter__(self) -> AsyncIterator[_E]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[_E]:
        async for event in self.sse:
            if event.event == "message" and not event.data.strip():
                continue
            item = _typed_event(self._model, event)
            if self._keep is not None and not self._keep(item):
                continue
            yield item
            if self._stop_when_finished and getattr(item, "is_finished", False):
                return

    async def close(self) -> None:
        await self.sse.close()

    async def __aenter__(self) -> Self:
        await self.sse.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.sse.__aexit__(exc_type, exc, tb)


class SyncEventStream(Generic[_E]):
    """A :class:`SyncSSEStream` whose events are parsed into a model."""

    def __init__(
        self,
        stream: SyncSSEStream,
        model: type[_E],
        *,
        stop_when_finished: bool = False,
        keep: Callable[[_E], bool] | None = None,
    ) -> None:
        self.sse = stream
        self._model = model
        self._stop_when_finished = stop_when_finished
        self._keep = keep

    def __iter__(self) -> Iterator[_E]:
        for event in self.sse:
            if event.event == "message" and not event.data.strip():
                continue
            item = _typed_event(self._model, event)
            if self._keep is not None and not self._keep(item):
                continue
            yield item
            if self._stop_when_finished and getattr(item, "is_finished", False):
                return

    def close(self) -> None:
        self.sse.close()

    def __enter__(self) -> Self:
        self.sse.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.sse.__exit__(exc_type, exc, tb)


def _session_event_params(
    session_name: str | None,
    session_id: str | None,
    owner_access_key: str | None,
    group: str | None,
    scope: str,
) -> dict[str, str]:
    # The keys every manager from 22.03 on accepts (26.09 knows no others); extra keys are
    # rejected. 26.09 ignores ``sessionId``: :func:`_only_session` filters by it here.
    params: dict[str, str] = {"sessionName": session_name if session_name is not None else "*"}
    if session_id is not None:
        params["sessionId"] = str(session_id)
    if owner_access_key is not None:
        params["ownerAccessKey"] = owner_access_key
    if group is not None:
        params["groupName"] = group
    params["scope"] = scope
    return params


def _only_session(session_id: str | None) -> Callable[[SessionEvent], bool] | None:
    if session_id is None:
        return None
    wanted = str(session_id)
    return lambda event: event.session_id in (None, wanted)


def listen_session_events(
    session: AsyncSession,
    *,
    session_name: str | None = None,
    session_id: str | None = None,
    owner_access_key: str | None = None,
    group: str | None = None,
    scope: Literal["*", "session", "kernel"] = "*",
    max_reconnects: int = DEFAULT_MAX_RECONNECTS,
) -> EventStream[SessionEvent]:
    """Lifecycle events of one session (by name or UUID), or of all own sessions by default.

    The server never ends this stream by itself: stop iterating when you have seen enough.
    """
    params = _session_event_params(session_name, session_id, owner_access_key, group, scope)
    return EventStream(
        listen_sse(session, "/events/session", params, max_reconnects=max_reconnects),
        SessionEvent,
        keep=_only_session(session_id),
    )


def listen_session_events_sync(
    session: Session,
    *,
    session_name: str | None = None,
    session_id: str | None = None,
    owner_access_key: str | None = None,
    group: str | None = None,
    scope: Literal["*", "session", "kernel"] = "*",
    max_reconnects: int = DEFAULT_MAX_RECONNECTS,
) -> SyncEventStream[SessionEvent]:
    params = _session_event_params(session_name, session_id, owner_access_key, group, scope)
    return SyncEventStream(
        listen_sse_sync(session, "/events/session", params, max_reconnects=max_reconnects),
        SessionEvent,
        keep=_only_session(session_id),
    )


def listen_bgtask_events(
    session: AsyncSession, task_id: str, *, max_reconnects: int = DEFAULT_MAX_RECONNECTS
) -> EventStream[BgtaskEvent]:
    """Progress of a background task; ends with its final event (``outcome`` tells which).

    An unknown (or expired) task raises ``NotFoundError``: a 22.03 manager answers 404, a 24.09
    one an event stream that ends without any event. A 26.09 manager cannot tell an unknown
    task from one that has not reported yet: its stream stays open, so bound the wait
    (``asyncio.timeout``) when the task may be unknown.
    """
    stream = SSEStream(
        session,
        "/events/background-task",
        {"taskId": str(task_id)},  # the key every version accepts (26.09 no other)
        max_reconnects=max_reconnects,
        empty_means_not_found=True,
    )
    return EventStream(stream, BgtaskEvent, stop_when_finished=True)


def listen_bgtask_events_sync(
    session: Session, task_id: str, *, max_reconnects: int = DEFAULT_MAX_RECONNECTS
) -> SyncEventStream[BgtaskEvent]:
    stream = SyncSSEStream(
        session,
        "/events/background-task",
        {"taskId": str(task_id)},  # the key every version accepts (26.09 no other)
        max_reconnects=max_reconnects,
        empty_means_not_found=True,
    )
    return SyncEventStream(stream, BgtaskEvent, stop_when_finished=True)


# ------------------------------------------------------------------------------------------------
# TCP proxy for `backend.ai app` (§5.6)
# ------------------------------------------------------------------------------------------------
class AppProxy:
    """A local TCP listener; each accepted connection gets its own app WebSocket.

    Bytes are relayed as binary frames both ways until either side closes. Errors of one
    connection (unknown app, refused port, ...) close that connection, are logged and passed to
    ``on_error``; the listener keeps running.
    """

    def __init__(
        self,
        session: AsyncSession | Session,
        session_name: str,
        app: str,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        protocol: Literal["http", "tcp"] = "http",
        envs: Mapping[str, str] | None = None,
        arguments: Mapping[str, object] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if protocol not in ("http", "tcp"):
            raise BackendClientError(f"unsupported app protocol {protocol!r}: use 'http' or 'tcp'")
        self._session = session
        self.session_name = session_name
        self.app = app
        self.host = host
        self._port = port
        self.protocol = protocol
        self.path = (
            f"/stream/session/{session_name}/{'httpproxy' if protocol == 'http' else 'tcpproxy'}"
        )
        self.params: dict[str, str] = {"app": app}
        if arguments:
            self.params["arguments"] = jsonlib.dumps(dict(arguments))
        if envs:
            self.params["envs"] = jsonlib.dumps(dict(envs))
        self._on_error = on_error
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._port

    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, self.host, self._port)

    async def serve_forever(self) -> None:
        await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            async with connect_websocket(self._session, self.path, self.params) as ws:
                await _relay(reader, writer, ws)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("app proxy %s/%s: %s", self.session_name, self.app, e)
            if self._on_error is not None:
                self._on_error(e)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if task is not None:
                self._tasks.discard(task)


async def _relay(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ws: WebSocketStream
) -> None:
    async def upstream() -> None:
        while True:
            chunk = await reader.read(_PROXY_CHUNK)
            if not chunk:
                return
            await ws.send_bytes(chunk)

    async def downstream() -> None:
        async for msg in ws:
            writer.write(msg.data if isinstance(msg.data, bytes) else msg.data.encode("utf-8"))
            await writer.drain()

    up, down = asyncio.ensure_future(upstream()), asyncio.ensure_future(downstream())
    tasks = [up, down]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if up in done and up.exception() is None and not down.done():
            # The client sent EOF (maybe only half-closed): let the app's answer drain briefly.
            done, _ = await asyncio.wait([down], timeout=_HALF_CLOSE_GRACE)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for t in done:
        exc = t.exception()
        if exc is not None:
            raise exc


def serve_app_proxy(
    session: AsyncSession | Session,
    session_name: str,
    app: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    protocol: Literal["http", "tcp"] = "http",
    envs: Mapping[str, str] | None = None,
    arguments: Mapping[str, object] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> AppProxy:
    """A proxy from ``host:port`` to *app* of *session_name*; ``async with`` it to listen."""
    return AppProxy(
        session,
        session_name,
        app,
        host=host,
        port=port,
        protocol=protocol,
        envs=envs,
        arguments=arguments,
        on_error=on_error,
    )
