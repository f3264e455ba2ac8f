"""``BackgroundTask``: wait on any background task of the manager, with progress.

Folder clones, session commits, image conversions, image purges and more answer a task id and
go on on the server; its progress comes as Server-Sent Events
(``GET /events/background-task?task_id=...``: ``bgtask_updated`` with ``current_progress`` /
``total_progress``, then ``bgtask_done``, ``bgtask_failed`` or ``bgtask_cancelled``).

Waits are bounded: a 26.09 manager keeps the stream of an unknown task id open forever (it cannot
tell it from a task that has not reported yet), so ``wait`` gives up after ``timeout`` seconds
with :class:`~ai_backend_client.exceptions.BackgroundTaskTimeoutError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final
from uuid import UUID

from ..._results import BgtaskEvent as BackgroundTaskProgress
from ...exceptions import (
    BackendAPIError,
    BackendClientError,
    BackgroundTaskTimeoutError,
    EventStreamTimeoutError,
)
from .._streaming import AsyncStreams
from .base import AsyncFunction

if TYPE_CHECKING:
    from ..._session_core import AsyncSessionCore as AsyncSession

__all__ = ["DEFAULT_WAIT_TIMEOUT", "BackgroundTask", "BackgroundTaskProgress"]

#: How long ``BackgroundTask.wait`` waits by default (seconds): long enough for a folder clone
#: or an image commit on a busy cluster, short enough that an unknown task id does not hang a
#: script forever. ``timeout=None`` waits without limit.
DEFAULT_WAIT_TIMEOUT: Final = 3600.0


class BackgroundTask(AsyncFunction):
    """A background task of the manager, by its id: ``session.BackgroundTask(task_id)``."""

    def __init__(self, task_id: str | UUID) -> None:
        try:
            self.task_id = str(UUID(str(task_id)))
        except ValueError:
            raise BackendClientError(f"{task_id!r} is not a background task id") from None

    def __repr__(self) -> str:
        return f"<BackgroundTask {self.task_id}>"

    async def wait(
        self,
        progress: Callable[[BackgroundTaskProgress], None] | None = None,
        *,
        timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    ) -> BackgroundTaskProgress:
        """Follow the task until it ends and return its last report (``event`` is
        ``bgtask_done``); each report on the way is passed to *progress*. A failed or
        cancelled task raises ``BackendAPIError`` with the server's message; an unknown one
        ``NotFoundError`` (22.03, 24.09) or, since a 26.09 manager never ends its stream,
        ``BackgroundTaskTimeoutError`` after *timeout* seconds (``None``: no limit), which is
        also what a task that runs longer than that raises."""
        return await wait_background_task(self._session(), self.task_id, progress, timeout)


async def wait_background_task(
    session: AsyncSession,
    task_id: str,
    progress: Callable[[BackgroundTaskProgress], None] | None,
    timeout: float | None = DEFAULT_WAIT_TIMEOUT,
) -> BackgroundTaskProgress:
    """Follow the task's event stream until it ends; raise if it did not succeed (also what
    ``VFolder.clone(wait=True)`` waits with)."""
    if timeout is not None and not timeout > 0:
        raise BackendClientError(f"timeout must be positive seconds or None, not {timeout!r}")
    last = BackgroundTaskProgress(event="bgtask_started", task_id=task_id)
    try:
        async with AsyncStreams.bgtask_events(session, task_id, timeout=timeout) as events:
            async for last in events:
                if progress is not None:
                    progress(last)
    except EventStreamTimeoutError as e:
        raise BackgroundTaskTimeoutError(task_id, timeout or 0.0) from e
    if last.outcome in ("failed", "cancelled"):
        raise BackendAPIError(
            500,
            "Background task failed",
            {"title": f"background task {task_id} {last.outcome}", "msg": last.message or ""},
        )
    return last
