"""Server-Sent Events: an auto-reconnecting event stream, in an async and a blocking shell.

The streams reconnect (freshly signed) when the connection drops without a ``server_close``
event, after the server's ``retry:`` delay (default 5 s), at most ``max_reconnects`` times in a
row; they end after ``server_close``, which is not yielded. Reads use a per-chunk read timeout.
Every decision (headers, timeouts, what an event means, when to give up) is made once, I/O-free,
in :class:`_SSEState`; :class:`SSEStream` and :class:`SyncSSEStream` only do the I/O. ``httpx-sse``
is imported only when a stream is opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterator,
    Mapping,
)
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

import httpx

from .._base_client import redact_url
from ..exceptions import (
    BackendClientError,
    BackendConnectionError,
    EventStreamTimeoutError,
    NotFoundError,
)
from ._websocket import json_object

if TYPE_CHECKING:
    from httpx_sse import ServerSentEvent
    from typing_extensions import Self

    from .._session_core import AsyncSessionCore as AsyncSession
    from .._session_core import SessionCore as Session

__all__ = ["SSEEvent", "SSEStream", "SyncSSEStream", "listen_sse", "listen_sse_sync"]

log = logging.getLogger("ai_backend_client")

_S = TypeVar("_S", "AsyncSession", "Session")

DEFAULT_SSE_RETRY: Final = 5.0  # seconds, as the official client assumes
MAX_SSE_RETRY: Final = 60.0
# The manager (aiohttp-sse) pings every 15 s, so silence this long is a dead link.
DEFAULT_SSE_READ_TIMEOUT: Final = 120.0
DEFAULT_MAX_RECONNECTS: Final = 10
SERVER_CLOSE_EVENT: Final = "server_close"


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
        return json_object(self.data)


def _retry_seconds(value: int) -> float:
    """The reconnect delay a ``retry:`` field asks for.

    The SSE standard counts milliseconds, but the Backend.AI manager sends ``retry: 5`` meaning
    seconds and the official client reads it so; small values are therefore taken as seconds and
    large ones as milliseconds. Always capped.
    """
    seconds = float(value) if value <= MAX_SSE_RETRY else value / 1000.0
    return max(0.0, min(seconds, MAX_SSE_RETRY))


# Errors after which the event stream reconnects: the connection dropped or went silent, or the
# endpoint went away entirely.
_DROPPED: tuple[type[BaseException], ...] = (
    httpx.ReadError,
    httpx.ReadTimeout,
    httpx.RemoteProtocolError,
    BackendConnectionError,
)


class _DeadlineResponse:
    """The response as ``httpx_sse.EventSource`` reads it (headers and text chunks), with the
    stream's deadline checked on every chunk: the manager's keep-alive pings are SSE comments,
    which never reach the event level, so this is where a stream kept alive past its deadline is
    noticed (at most one ping interval late; a silent one is ended by the read timeout)."""

    def __init__(self, response: httpx.Response, check: Callable[[], None]) -> None:
        self._response = response
        self._check = check
        self.headers = response.headers

    async def aiter_text(self) -> AsyncIterator[str]:
        async for text in self._response.aiter_text():
            self._check()
            yield text

    def iter_text(self) -> Iterator[str]:
        for text in self._response.iter_text():
            self._check()
            yield text


class _SSEState(Generic[_S]):
    """The I/O-free core of the sync and async SSE streams: parameters, decoding, reconnects."""

    def __init__(
        self,
        session: _S,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        max_reconnects: int = DEFAULT_MAX_RECONNECTS,
        read_timeout: float | None = None,
        empty_means_not_found: bool = False,
        timeout: float | None = None,
    ) -> None:
        if max_reconnects < 0:
            raise ValueError("max_reconnects must be >= 0")
        if timeout is not None and not timeout > 0:
            raise ValueError("timeout must be > 0 (or None: no overall limit)")
        # The whole stream's deadline, counted from here; None: it may stay open indefinitely.
        self.timeout: float | None = timeout
        self.deadline: float | None = None if timeout is None else time.monotonic() + timeout
        self._session: _S = session
        self.path: str = path
        self.params: dict[str, str] = dict(params) if params else {}
        self.max_reconnects: int = max_reconnects
        config = session.config
        read = read_timeout if read_timeout is not None else (config.read_timeout or 0.0)
        # Never wait forever for the next chunk: "0 = no limit" in the config becomes the default.
        self.read_timeout: float = read if read > 0 else DEFAULT_SSE_READ_TIMEOUT
        self.retry_delay: float = DEFAULT_SSE_RETRY
        self.last_event_id: str | None = None
        self.reconnects: int = 0  # consecutive reconnects without an event in between
        self.finished: bool = False  # server_close seen (or closed by us)
        # The 24.09 manager answers an unknown background task with an empty stream (22.03: 404).
        self.empty_means_not_found: bool = empty_means_not_found
        self._delivered = False  # whether the current connection delivered an event

    def _request_args(self) -> dict[str, Any]:
        """The keyword arguments of the core's ``stream()`` for one (re)connection."""
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        connect = self._session.config.connection_timeout or 10.0
        read = self.read_timeout
        if self.deadline is not None:
            # a silent server is noticed at the deadline, not one read timeout later
            read = max(0.05, min(read, self.deadline - time.monotonic()))
        timeout = httpx.Timeout(connect=connect, read=read, write=connect, pool=connect)
        return {
            "params": self.params,
            "headers": headers,
            "timeout": timeout,
            "stream_extension": True,
        }

    def _check_content_type(self, response: httpx.Response) -> None:
        ctype = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
        if ctype != "text/event-stream":
            raise BackendClientError(
                f"GET {redact_url(response.request.url)} answered {ctype or 'no content type'}, "
                "not an event stream"
            )

    def _connected(self) -> None:
        self._delivered = False

    def _readable(self, response: httpx.Response) -> httpx.Response:
        """What ``EventSource`` reads: the response, or with a deadline its checked proxy."""
        if self.deadline is None:
            return response
        return cast(httpx.Response, _DeadlineResponse(response, self._check_deadline))

    def _check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise EventStreamTimeoutError(
                f"the event stream {redact_url(self.path)} did not end within {self.timeout:g} s"
            )

    def _accept(self, sse: ServerSentEvent) -> SSEEvent | None:
        """One received event: what to yield, or ``None`` (no data; or ``server_close``, which
        sets ``finished``)."""
        if sse.retry is not None:
            self.retry_delay = _retry_seconds(sse.retry)
        if sse.id:
            self.last_event_id = sse.id
        if not sse.data:
            return None  # no data: nothing to dispatch (SSE standard; retry/id kept)
        self.reconnects = 0
        self._delivered = True
        if sse.event == SERVER_CLOSE_EVENT:
            self.finished = True
            return None
        return SSEEvent(
            event=sse.event or "message", data=sse.data, id=sse.id or None, retry=sse.retry
        )

    def _reconnect_delay(self, cause: BaseException | None) -> float | None:
        """After a connection ended: ``None`` when the stream is over, else the seconds to wait
        before reconnecting. Raises when the stream ends in an error (unknown task, too many
        drops in a row)."""
        if self.finished:
            return None
        self._check_deadline()
        if self.empty_means_not_found and cause is None and not self._delivered:
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
        if self.deadline is not None:
            return max(0.0, min(self.retry_delay, self.deadline - time.monotonic()))
        return self.retry_delay


class SSEStream(_SSEState["AsyncSession"]):
    """An auto-reconnecting event stream; an async context manager and an async iterator."""

    _stack: contextlib.AsyncExitStack | None = None
    _events: AsyncGenerator[ServerSentEvent, None] | None = None
    _iterator: AsyncGenerator[SSEEvent, None] | None = None

    async def _connect(self) -> AsyncGenerator[ServerSentEvent, None]:
        from httpx_sse import EventSource

        stack = contextlib.AsyncExitStack()
        try:
            response = await stack.enter_async_context(
                self._session.core.stream("GET", self.path, **self._request_args())
            )
            self._check_content_type(response)
            events = EventSource(self._readable(response)).aiter_sse()
            stack.push_async_callback(events.aclose)
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self._events = stack, events
        self._connected()
        return events

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

    # A deliberate async/blocking pair with SyncSSEStream._iterate: every decision is _SSEState's.
    async def _iterate(self) -> AsyncGenerator[SSEEvent, None]:
        try:
            while not self.finished:
                cause: BaseException | None = None
                try:
                    events = self._events or await self._connect()
                    async for sse in events:
                        event = self._accept(sse)
                        if self.finished:
                            break
                        if event is not None:
                            yield event
                except _DROPPED as e:
                    cause = e
                await self._disconnect()
                delay = self._reconnect_delay(cause)
                if delay is None:
                    break
                await asyncio.sleep(delay)
        finally:
            await self._disconnect()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
        if self._iterator is not None:
            await self._iterator.aclose()


class SyncSSEStream(_SSEState["Session"]):
    """The blocking shell of :class:`SSEStream` for ``Session``."""

    _stack: contextlib.ExitStack | None = None
    _events: Iterator[ServerSentEvent] | None = None
    _iterator: Generator[SSEEvent, None, None] | None = None

    def _connect(self) -> Iterator[ServerSentEvent]:
        from httpx_sse import EventSource

        stack = contextlib.ExitStack()
        try:
            response = stack.enter_context(
                self._session.core.stream("GET", self.path, **self._request_args())
            )
            self._check_content_type(response)
            # ends when the response is closed
            events = EventSource(self._readable(response)).iter_sse()
        except BaseException:
            stack.close()
            raise
        self._stack, self._events = stack, events
        self._connected()
        return events

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

    # A deliberate async/blocking pair with SSEStream._iterate: every decision is _SSEState's.
    def _iterate(self) -> Generator[SSEEvent, None, None]:
        try:
            while not self.finished:
                cause: BaseException | None = None
                try:
                    events = self._events or self._connect()
                    for sse in events:
                        event = self._accept(sse)
                        if self.finished:
                            break
                        if event is not None:
                            yield event
                except _DROPPED as e:
                    cause = e
                self._disconnect()
                delay = self._reconnect_delay(cause)
                if delay is None:
                    break
                time.sleep(delay)
        finally:
            self._disconnect()

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
        if self._iterator is not None:
            self._iterator.close()


#: ``listen_sse(session, path, params=None, *, max_reconnects=10, read_timeout=None,
#: timeout=None)``: an event stream of *path*; use ``async with`` (connects on entry) and
#: ``async for``. *timeout* bounds the whole stream (``EventStreamTimeoutError`` after it).
listen_sse = SSEStream
#: The blocking :func:`listen_sse` for a ``Session``; use ``with`` and ``for``.
listen_sse_sync = SyncSSEStream
