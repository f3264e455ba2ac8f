"""The manager's error log (REST ``/logs/error``)."""

from __future__ import annotations

from ..._generated.latest import models
from ...exceptions import BackendClientError
from .base import AsyncFunction, coerce_model

__all__ = ["ServerLog"]


class ServerLog(AsyncFunction):
    """Error logs recorded by the manager (an admin sees everyone's)."""

    @classmethod
    async def list(
        cls, mark_read: bool = False, page_size: int = 20, page_no: int = 1
    ) -> models.ErrorLogListResponse:
        """One page of error logs (``logs`` and the total ``count``)."""
        if not 1 <= page_size <= 100:
            raise BackendClientError(f"page_size must be between 1 and 100, not {page_size}")
        result = await cls._session().wire.logs_error.list_logs(
            mark_read=mark_read, page_size=page_size, page_no=page_no
        )
        return coerce_model(models.ErrorLogListResponse, result)
