"""The manager itself: status, freeze/unfreeze, announcements and scheduler operations (REST)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from ..._generated.v8_20240915 import models
from .base import AsyncFunction, coerce_model

if TYPE_CHECKING:
    from ...session import AsyncSession

__all__ = ["Manager"]


def _status_value(session: AsyncSession, status: Literal["frozen", "running"]) -> str:
    # 22.03 validates the enum *name* (FROZEN/RUNNING); 24.09 validates the enum value (frozen).
    return status.upper() if session.api_version.major < 8 else status


class Manager(AsyncFunction):
    """Manager status and global settings (freeze/unfreeze, announcements need a superadmin)."""

    @classmethod
    async def status(cls) -> models.ManagerStatusResponse:
        """The manager nodes, their status (``running``/``frozen``) and the active sessions."""
        result = await cls._session().wire.manager.fetch_manager_status()
        return coerce_model(models.ManagerStatusResponse, result)

    @classmethod
    async def freeze(cls, force_kill: bool = False) -> None:
        """Stop accepting new sessions (``force_kill`` also terminates the running ones).

        The server wants an explicit ``force_kill`` (22.03's client sent ``{"status": "frozen"}``
        alone, which a 22.03 manager rejects); see :func:`_status_value` for the status.
        """
        session = cls._session()
        wire: Any = session.wire.manager
        await wire.update_manager_status(
            status=_status_value(session, "frozen"), force_kill=force_kill
        )

    @classmethod
    async def unfreeze(cls) -> None:
        """Accept new sessions again."""
        session = cls._session()
        wire: Any = session.wire.manager
        await wire.update_manager_status(status=_status_value(session, "running"), force_kill=False)

    @classmethod
    async def get_announcement(cls) -> models.AnnouncementResponse:
        """The global announcement (``enabled``, ``message``)."""
        result = await cls._session().wire.manager.get_announcement()
        return coerce_model(models.AnnouncementResponse, result)

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
