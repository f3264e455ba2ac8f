"""``BackgroundTask``: wait on any background task of the manager, with progress.

Folder clones, session commits, image conversions, image purges and more answer a task id and
go on on the server; its progress comes as Server-Sent Events
(``GET /events/background-task?task_id=...``: ``bgtask_updated`` with ``current_progress`` /
``total_progress``, then ``bgtask_done``, ``bgtask_failed`` or ``bgtask_cancelled``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from ..._results import BgtaskEvent as BackgroundTaskProgress
from ...exceptions import BackendAPIError, BackendClientError
from .._streaming import AsyncStreams
from .base import AsyncFunction

if TYPE_CHECKING:
    from ..._session_core import AsyncSessionCore as AsyncSession

__all__ = ["BackgroundTask", "BackgroundTaskProgress"]


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
        self, progress: Callable[[BackgroundTaskProgress], None] | None = None
    ) -> BackgroundTaskProgress:
        """Follow the task until it ends and return its last report (``event`` is
        ``bgtask_done``); each report on the way is passed to *progress*. A failed or
        cancelled task raises ``BackendAPIError`` with the server's message."""
        return await wait_background_task(self._session(), self.task_id, progress)


async def wait_background_task(
    session: AsyncSession,
    task_id: str,
    progress: Callable[[BackgroundTaskProgress], None] | None,
) -> BackgroundTaskProgress:
    """Follow the task's event stream until it ends; raise if it did not succeed (also what
    ``VFolder.clone(wait=True)`` waits with)."""
    last = BackgroundTaskProgress(event="bgtask_started", task_id=task_id)
    async with AsyncStreams.bgtask_events(session, task_id) as events:
        async for last in events:
            if progress is not None:
                progress(last)
    if last.outcome in ("failed", "cancelled"):
        raise BackendAPIError(
            500,
            "Background task failed",
            {"title": f"background task {task_id} {last.outcome}", "msg": last.message or ""},
        )
    return last
