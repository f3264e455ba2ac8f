"""The base class of every generated model.

Models are typed pydantic objects, and they also answer the seed's dict-style access by wire key
(``result["runId"]``, ``result.get("console", [])``), so the 22.03 documentation's examples keep
working while new code uses attributes (``result.run_id``).
Lenient by default: fields a newer server adds are kept (``extra="allow"``), not rejected.
A field named like a credential (``token``, ``secret_key``, ``password``, ...) is masked in the
repr (the storage proxy's JWT of a ``TransferSession``, for one); the value itself is untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic

from ._redact import MASK, SECRET_NAMES

__all__ = ["BaseModel", "StrictBaseModel"]

_MISSING: Any = object()


class BaseModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(
        extra="allow",
        populate_by_name=True,
        arbitrary_types_allowed=True,
        protected_namespaces=(),
    )

    @classmethod
    def _key_map(cls) -> dict[str, str]:
        # wire key (alias) and python name -> python attribute name
        cached: dict[str, str] | None = cls.__dict__.get("_wire_keys_cache")
        if cached is not None:
            return cached
        mapping: dict[str, str] = {}
        for name, field in cls.model_fields.items():
            mapping[name] = name
            if field.alias:
                mapping[field.alias] = name
        cls._wire_keys_cache = mapping  # type: ignore[attr-defined]
        return mapping

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name is not None and name.lower() in SECRET_NAMES and value:
                yield name, MASK
            else:
                yield name, value

    def _lookup(self, key: str) -> Any:
        name = self._key_map().get(key)
        if name is not None:
            return getattr(self, name)
        extra = self.__pydantic_extra__
        if extra is not None and key in extra:
            return extra[key]
        return _MISSING

    def __getitem__(self, key: str) -> Any:
        value = self._lookup(key)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        """Dict-style access by wire key or attribute name (``None`` values count as absent)."""
        value = self._lookup(key)
        return default if value is _MISSING or value is None else value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) not in (_MISSING, None)

    def keys(self) -> Iterator[str]:
        """Wire keys of the fields that are set."""
        data = self.model_dump(by_alias=True, exclude_unset=True)
        return iter(data.keys())

    def to_dict(self) -> dict[str, Any]:
        """The wire representation (aliases, JSON-compatible values, unset fields left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class StrictBaseModel(BaseModel):
    """For tests: unknown fields are errors, so spec drift shows up."""

    model_config = pydantic.ConfigDict(extra="forbid")
