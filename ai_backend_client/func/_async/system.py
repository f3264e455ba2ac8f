"""``System``: the server's versions (a signed ``GET /``)."""

from __future__ import annotations

from ..._generated.latest import models
from .base import AsyncFunction, coerce_model

__all__ = ["System"]


class System(AsyncFunction):
    """Information about the API server."""

    @classmethod
    async def get_versions(cls) -> models.HelloResponse:
        """``version`` (API) and ``manager`` (release) of the server."""
        resp = await cls._session().wire.root.hello()
        return coerce_model(models.HelloResponse, resp)

    @classmethod
    async def get_manager_version(cls) -> str:
        return (await cls.get_versions()).manager

    @classmethod
    async def get_api_version(cls) -> str:
        return (await cls.get_versions()).version
