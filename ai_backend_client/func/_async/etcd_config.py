"""The manager's etcd configuration (REST ``/config/get|set|delete``, superadmin)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._generated.v8_20240915 import models
from .base import AsyncFunction, coerce_model

__all__ = ["EtcdConfig"]


class EtcdConfig(AsyncFunction):
    """Read and write keys of the cluster configuration in etcd."""

    @classmethod
    async def get(cls, key: str, prefix: bool = False) -> Any:
        """The value of *key* (with ``prefix``, the nested mapping under it)."""
        result = await cls._session().wire.config.get_config(key=key, prefix=prefix)
        return coerce_model(models.EtcdResultResponse, result).result

    @classmethod
    async def set(cls, key: str, value: str | Mapping[str, Any]) -> None:
        """Set *key* to a string or, with a mapping, the keys under it."""
        await cls._session().wire.config.set_config(key=key, value=value)

    @classmethod
    async def delete(cls, key: str, prefix: bool = False) -> None:
        """Delete *key* (with ``prefix``, everything under it)."""
        await cls._session().wire.config.delete_config(key=key, prefix=prefix)
