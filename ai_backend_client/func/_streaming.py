"""Stream openers for the function classes, in an async and a blocking flavour.

``func/_async`` code refers to ``AsyncStreams`` and ``Async*`` stream types; the derived
``func/_sync`` code gets ``SyncStreams`` and ``Sync*`` by unasync's name rule. WebSocket streams
(streaming execution, terminals, app proxies) exist only for ``AsyncSession``, as in the 22.03
SDK; the blocking twins raise a clear error. Session events (SSE) work in both.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import TYPE_CHECKING, Literal, NoReturn, Protocol, TypeAlias

from .._results import ExecutionResult
from ..exceptions import BackendClientError

if TYPE_CHECKING:
    from typing_extensions import Self

    from .._session_core import AsyncSessionCore as AsyncSession
    from .._session_core import SessionCore as Session
    from ..streams import (
        AppProxy,
        BgtaskEvent,
        EventStream,
        ExecuteStream,
        InputHandler,
        SessionEvent,
        StreamPty,
        SyncEventStream,
        WebSocketStream,
    )

__all__ = [
    "AsyncAppProxy",
    "AsyncExecuteStream",
    "AsyncSessionEventStream",
    "AsyncStreamPty",
    "AsyncStreams",
    "AsyncWebSocketOwner",
    "SyncAppProxy",
    "SyncExecuteStream",
    "SyncSessionEventStream",
    "SyncStreamPty",
    "SyncStreams",
    "SyncWebSocketOwner",
]

EventScope = Literal["*", "session", "kernel"]


class AsyncExecuteStream:
    """One streaming run (a WebSocket). ``async for frame in stream`` yields typed results
    (``frame.status``, ``frame.stdout``, ``frame.records``, ``frame["console"]``), which also
    carry ``.type``/``.data`` like an aiohttp text message; answer ``waiting-input`` with
    :meth:`send_text`. Iteration ends after the ``finished`` frame."""

    def __init__(self, inner: ExecuteStream) -> None:
        self._inner = inner

    @property
    def ws(self) -> WebSocketStream:
        return self._inner.ws

    def __aiter__(self) -> AsyncIterator[ExecutionResult]:
        return self._inner.__aiter__()

    async def send_text(self, text: str) -> None:
        """Send user input (raw text frame, as the protocol wants)."""
        await self._inner.send_input(text)

    send_str = send_text
    send_input = send_text

    async def close(self) -> None:
        await self._inner.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


AsyncStreamPty: TypeAlias = "StreamPty"
AsyncAppProxy: TypeAlias = "AppProxy"
AsyncSessionEventStream: TypeAlias = "EventStream[SessionEvent]"
SyncSessionEventStream: TypeAlias = "SyncEventStream[SessionEvent]"


class AsyncWebSocketOwner(Protocol):
    """The ``self`` of the WebSocket stream methods (``stream_execute``, ``stream_pty``,
    ``stream_proxy``): a function class whose session is an ``AsyncSession``."""

    def _session(self) -> AsyncSession: ...
    def _ref(self) -> str: ...
    def _stream_ref(self) -> str: ...


#: The same protocol for the derived blocking methods: a blocking function class's session is a
#: ``Session``, so it does not match and calling a WebSocket stream method on it is a type error
#: at the call site (at run time it raises :class:`BackendClientError`).
SyncWebSocketOwner: TypeAlias = AsyncWebSocketOwner


class NeedsAsyncSession:
    """Placeholder type of the WebSocket streams of blocking sessions: the openers raise."""


SyncExecuteStream: TypeAlias = NeedsAsyncSession
SyncStreamPty: TypeAlias = NeedsAsyncSession
SyncAppProxy: TypeAlias = NeedsAsyncSession


@contextlib.asynccontextmanager
async def _execute(
    session: AsyncSession,
    session_ref: str,
    code: str,
    mode: Literal["query", "batch"],
    options: Mapping[str, object] | None,
    input_handler: InputHandler | None,
) -> AsyncGenerator[AsyncExecuteStream, None]:
    from .. import streams

    async with streams.stream_execute(
        session, session_ref, code, mode=mode, options=options, input_handler=input_handler
    ) as inner:
        yield AsyncExecuteStream(inner)


class AsyncStreams:
    @staticmethod
    def execute(
        session: AsyncSession,
        session_ref: str,
        code: str,
        *,
        mode: Literal["query", "batch"],
        options: Mapping[str, object] | None,
        input_handler: InputHandler | None,
    ) -> AbstractAsyncContextManager[AsyncExecuteStream]:
        return _execute(session, session_ref, code, mode, options, input_handler)

    @staticmethod
    def pty(session: AsyncSession, session_ref: str) -> AbstractAsyncContextManager[StreamPty]:
        from .. import streams

        return streams.stream_pty(session, session_ref)

    @staticmethod
    def session_events(
        session: AsyncSession,
        *,
        session_name: str | None,
        session_id: str | None,
        owner_access_key: str | None,
        scope: EventScope,
    ) -> EventStream[SessionEvent]:
        from .. import streams

        return streams.listen_session_events(
            session,
            session_name=session_name,
            session_id=session_id,
            owner_access_key=owner_access_key,
            scope=scope,
        )

    @staticmethod
    def bgtask_events(
        session: AsyncSession, task_id: str, *, timeout: float | None = None
    ) -> EventStream[BgtaskEvent]:
        from .. import streams

        return streams.listen_bgtask_events(session, task_id, timeout=timeout)

    @staticmethod
    def app_proxy(
        session: AsyncSession,
        session_name: str,
        app: str,
        *,
        host: str,
        port: int,
        protocol: Literal["http", "tcp"],
        envs: Mapping[str, str] | None,
        arguments: Mapping[str, object] | None,
    ) -> AppProxy:
        from .. import streams

        return streams.serve_app_proxy(
            session,
            session_name,
            app,
            host=host,
            port=port,
            protocol=protocol,
            envs=envs,
            arguments=arguments,
        )


def _needs_async(what: str) -> NoReturn:
    raise BackendClientError(
        f"{what} streams over a WebSocket and needs an AsyncSession (as in the 22.03 SDK); "
        "use `async with AsyncSession() as session:`"
    )


# A deliberate sync/async pair with AsyncStreams above: the same entry points, blocking (the
# WebSocket ones refuse a blocking session, see NeedsAsyncSession).
class SyncStreams:
    @staticmethod
    def execute(
        session: AsyncSession | Session,
        session_ref: str,
        code: str,
        *,
        mode: Literal["query", "batch"],
        options: Mapping[str, object] | None,
        input_handler: InputHandler | None,
    ) -> AbstractContextManager[SyncExecuteStream]:
        _needs_async("stream_execute()")

    @staticmethod
    def pty(
        session: AsyncSession | Session, session_ref: str
    ) -> AbstractContextManager[SyncStreamPty]:
        _needs_async("stream_pty()")

    @staticmethod
    def session_events(
        session: Session,
        *,
        session_name: str | None,
        session_id: str | None,
        owner_access_key: str | None,
        scope: EventScope,
    ) -> SyncEventStream[SessionEvent]:
        from .. import streams

        return streams.listen_session_events_sync(
            session,
            session_name=session_name,
            session_id=session_id,
            owner_access_key=owner_access_key,
            scope=scope,
        )

    @staticmethod
    def bgtask_events(
        session: Session, task_id: str, *, timeout: float | None = None
    ) -> SyncEventStream[BgtaskEvent]:
        from .. import streams

        return streams.listen_bgtask_events_sync(session, task_id, timeout=timeout)

    @staticmethod
    def app_proxy(
        session: AsyncSession | Session,
        session_name: str,
        app: str,
        *,
        host: str,
        port: int,
        protocol: Literal["http", "tcp"],
        envs: Mapping[str, str] | None,
        arguments: Mapping[str, object] | None,
    ) -> SyncAppProxy:
        _needs_async("the app proxy")
