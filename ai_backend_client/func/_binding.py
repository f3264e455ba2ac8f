"""``Bound``: a session attribute that binds one function class to that session on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Bindable", "Bound"]


class Bindable(Protocol):
    @classmethod
    def bind(cls, session: Any) -> type[Self]: ...


_F = TypeVar("_F", bound=Bindable)


class Bound(Generic[_F]):
    """``session.<Name>``: the class ``<Name>`` of ``func.<flavour>.<module>``, bound to the
    session (imported, subclassed and cached the first time it is used)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    @overload
    def __get__(self, session: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, session: object, owner: type[Any]) -> type[_F]: ...
    def __get__(self, session: object | None, owner: type[Any]) -> Self | type[_F]:
        if session is None:
            return self
        cls: type[_F] = getattr(importlib.import_module(self.module), self.name)
        bound = cls.bind(session)
        session.__dict__[self.name] = bound  # later lookups skip the descriptor
        return bound
