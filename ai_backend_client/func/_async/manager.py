"""The manager itself: status, freeze/unfreeze, announcements and scheduler operations (REST)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ..._generated.latest import models
from . import _adapters
from .base import AsyncFunction

__all__ = ["Manager"]


class Manager(AsyncFunction):
    """Manager status and global settings (freeze/unfreeze, announcements need a superadmin)."""

    @classmethod
    async def status(cls) -> models.ManagerStatusResponse:
        """The manager nodes, their status (``running``/``frozen``) and the active sessions."""
        return await cls._session().wire.manager.fetch_manager_status()

    @classmethod
    async def freeze(cls, force_kill: bool = False) -> None:
        """Stop accepting new sessions (``force_kill`` also terminates the running ones).

        The server wants an explicit ``force_kill`` (22.03's client sent ``{"status": "frozen"}``
        alone, which a 22.03 manager rejects).
        """
        await _adapters.manager_update_manager_status(
            cls._session().versioned, status="frozen", force_kill=force_kill
        )

    @classmethod
    async def unfreeze(cls) -> None:
        """Accept new sessions again."""
        await _adapters.manager_update_manager_status(
            cls._session().versioned, status="running", force_kill=False
        )

    @classmethod
    async def get_announcement(cls) -> models.AnnouncementResponse:
        """The global announcement (``enabled``, ``message``)."""
        return await cls._session().wire.manager.get_announcement()

    @classmethod
    async def update_announcement(cls, enabled: bool = True, message: str | None = None) -> None:
        """Post (or, with ``enabled=False``, withdraw) the global announcement."""
        # The server refuses a blank message; "" (what get_announcement says when unset) is None.
        await cls._session().wire.manager.update_announcement(
            enabled=enabled, message=message or None
        )

    @classmethod
    async def scheduler_op(
        cls, op: Literal["include-agents", "exclude-agents"], args: Sequence[str]
    ) -> None:
        """Include agents in or exclude them from scheduling."""
        await cls._session().wire.manager.perform_scheduler_ops(op=op, args=list(args))
