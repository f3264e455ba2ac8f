"""Typed event streams: session lifecycle and background-task events over SSE.

``GET /events/session`` and ``GET /events/background-task`` send JSON payloads whose SSE event
name says what happened; :class:`EventStream` (async) and :class:`SyncEventStream` (blocking) parse
each into a model. The parsing and filtering is done once, in :class:`_EventReader`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

import pydantic

from .._models import BaseModel
from .._results import BgtaskEvent, SessionEvent
from ..exceptions import BackendClientError
from ._sse import (
    DEFAULT_MAX_RECONNECTS,
    SSEEvent,
    SSEStream,
    SyncSSEStream,
    listen_sse,
    listen_sse_sync,
)
from ._websocket import snippet

if TYPE_CHECKING:
    from typing_extensions import Self

    from .._session_core import AsyncSessionCore as AsyncSession
    from .._session_core import SessionCore as Session

__all__ = [
    "BgtaskEvent",
    "EventStream",
    "SessionEvent",
    "SyncEventStream",
    "listen_bgtask_events",
    "listen_bgtask_events_sync",
    "listen_session_events",
    "listen_session_events_sync",
]


_E = TypeVar("_E", bound=BaseModel)


class _EventReader(Generic[_E]):
    """The I/O-free part of an event stream: which SSE events become which items, and when the
    stream is over."""

    def __init__(
        self,
        model: type[_E],
        *,
        stop_when_finished: bool = False,
        keep: Callable[[_E], bool] | None = None,
    ) -> None:
        self._model = model
        self._stop_when_finished = stop_when_finished
        self._keep = keep

    def _item(self, event: SSEEvent) -> _E | None:
        """The parsed item of *event*, or ``None`` when it is skipped."""
        if event.event == "message" and not event.data.strip():
            return None
        try:
            item = self._model.model_validate(
                {**event.json(), "event": event.event}, context={"sse_data": event.data}
            )
        except pydantic.ValidationError as e:
            raise BackendClientError(
                f"malformed {event.event} event {snippet(event.data)!r}: {e}"
            ) from None
        if self._keep is not None and not self._keep(item):
            return None
        return item

    def _last(self, item: _E) -> bool:
        """Whether *item* ends the stream."""
        return self._stop_when_finished and bool(getattr(item, "is_finished", False))


class EventStream(_EventReader[_E]):
    """An :class:`SSEStream` whose events are parsed into a model."""

    def __init__(
        self,
        stream: SSEStream,
        model: type[_E],
        *,
        stop_when_finished: bool = False,
        keep: Callable[[_E], bool] | None = None,
    ) -> None:
        super().__init__(model, stop_when_finished=stop_when_finished, keep=keep)
        self.sse = stream

    def __aiter__(self) -> AsyncIterator[_E]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[_E]:
        async for event in self.sse:
            item = self._item(event)
            if item is not None:
                yield item
                if self._last(item):
                    return

    async def close(self) -> None:
        await self.sse.close()

    async def __aenter__(self) -> Self:
        await self.sse.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.sse.__aexit__(*exc_info)


class SyncEventStream(_EventReader[_E]):
    """A :class:`SyncSSEStream` whose events are parsed into a model."""

    def __init__(
        self,
        stream: SyncSSEStream,
        model: type[_E],
        *,
        stop_when_finished: bool = False,
        keep: Callable[[_E], bool] | None = None,
    ) -> None:
        super().__init__(model, stop_when_finished=stop_when_finished, keep=keep)
        self.sse = stream

    def __iter__(self) -> Iterator[_E]:
        for event in self.sse:
            item = self._item(event)
            if item is not None:
                yield item
                if self._last(item):
                    return

    def close(self) -> None:
        self.sse.close()

    def __enter__(self) -> Self:
        self.sse.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.sse.__exit__(*exc_info)


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


# listen_session_events/_sync and listen_bgtask_events/_sync are deliberate async/blocking pairs:
# the parameters and their meaning are built once (_session_event_params, _only_session).
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
        listen_sse(
            session,
            session.stream_paths.push_session_events_path(),
            params,
            max_reconnects=max_reconnects,
        ),
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
        listen_sse_sync(
            session,
            session.stream_paths.push_session_events_path(),
            params,
            max_reconnects=max_reconnects,
        ),
        SessionEvent,
        keep=_only_session(session_id),
    )


def listen_bgtask_events(
    session: AsyncSession,
    task_id: str,
    *,
    max_reconnects: int = DEFAULT_MAX_RECONNECTS,
    timeout: float | None = None,
) -> EventStream[BgtaskEvent]:
    """Progress of a background task; ends with its final event (``outcome`` tells which).

    An unknown (or expired) task raises ``NotFoundError``: a 22.03 manager answers 404, a 24.09
    one an event stream that ends without any event. A 26.09 manager cannot tell an unknown
    task from one that has not reported yet: its stream stays open, so bound the wait with
    *timeout* (seconds from now; ``EventStreamTimeoutError`` after it) when the task may be
    unknown.
    """
    stream = SSEStream(
        session,
        session.stream_paths.push_background_task_events_path(),
        {"taskId": str(task_id)},  # the key every version accepts (26.09 no other)
        max_reconnects=max_reconnects,
        empty_means_not_found=True,
        timeout=timeout,
    )
    return EventStream(stream, BgtaskEvent, stop_when_finished=True)


def listen_bgtask_events_sync(
    session: Session,
    task_id: str,
    *,
    max_reconnects: int = DEFAULT_MAX_RECONNECTS,
    timeout: float | None = None,
) -> SyncEventStream[BgtaskEvent]:
    stream = SyncSSEStream(
        session,
        session.stream_paths.push_background_task_events_path(),
        {"taskId": str(task_id)},  # the key every version accepts (26.09 no other)
        max_reconnects=max_reconnects,
        empty_means_not_found=True,
        timeout=timeout,
    )
    return SyncEventStream(stream, BgtaskEvent, stop_when_finished=True)
