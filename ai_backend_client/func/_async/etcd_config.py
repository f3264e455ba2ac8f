"""The manager's etcd configuration (REST ``/config/get|set|delete``, superadmin)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias, cast

from ..._generated.latest import models
from ...exceptions import BackendClientError
from .base import AsyncFunction, coerce_model

__all__ = ["EtcdConfig", "EtcdValue"]

#: etcd holds strings; a prefix read gives the nested mapping of keys under it.
EtcdValue: TypeAlias = "str | dict[str, EtcdValue] | None"


def _etcd_value(value: object) -> EtcdValue:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        items = cast("dict[object, object]", value)
        return {str(k): _etcd_value(v) for k, v in items.items()}
    if isinstance(value, (int, float, bool)):
        return str(value)
    raise BackendClientError(f"unexpected etcd value from the manager: {value!r}")


class EtcdConfig(AsyncFunction):
    """Read and write keys of the cluster configuration in etcd."""

    @classmethod
    async def get(cls, key: str, prefix: bool = False) -> EtcdValue:
        """The value of *key* (with ``prefix``, the nested mapping under it; ``None`` if unset)."""
        result = await cls._session().wire.config.get_config(key=key, prefix=prefix)
        return _etcd_value(coerce_model(models.EtcdResultResponse, result).result)

    @classmethod
    async def set(cls, key: str, value: str | Mapping[str, Any]) -> None:
        """Set *key* to a string or, with a mapping, the keys under it."""
        await cls._session().wire.config.set_config(key=key, value=value)

    @classmethod
    async def delete(cls, key: str, prefix: bool = False) -> None:
        """Delete *key* (with ``prefix``, everything under it)."""
        await cls._session().wire.config.delete_config(key=key, prefix=prefix)
