"""Base of the function classes; a session binds a subclass of each to itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import pydantic

from ..._models import parsed_strictly, validate_response, wire_data
from ...exceptions import BackendClientError

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..._session_core import AsyncSessionCore as AsyncSession

__all__ = ["AsyncFunction", "coerce_model"]

_M = TypeVar("_M", bound=pydantic.BaseModel)


class AsyncFunction:
    """A function class: class methods act on the bound session, instances on one object."""

    session: ClassVar[AsyncSession]

    @classmethod
    def bind(cls, session: AsyncSession) -> type[Self]:
        """A subclass of *cls* whose methods use *session*."""
        bound = type(
            cls.__name__,
            (cls,),
            {"session": session, "__module__": cls.__module__, "__qualname__": cls.__qualname__},
        )
        return cast("type[Self]", bound)

    @classmethod
    def _session(cls) -> AsyncSession:
        session = cls.__dict__.get("session") or getattr(cls, "session", None)
        if session is None:
            raise BackendClientError(
                f"{cls.__name__} is not bound to a session: use it as session.{cls.__name__}"
            )
        return session  # type: ignore[no-any-return]


def coerce_model(model: type[_M], value: Any) -> _M:
    """Turn the wire model of any API version into the public (newest) model of the same shape.

    The public model is built from the server's own JSON, as strictly as the answer was parsed
    (``strict_responses``), so an older server's answer is read as leniently as a new one's.
    """
    if isinstance(value, model):
        return value
    strict = parsed_strictly(value)
    if isinstance(value, pydantic.BaseModel):
        value = wire_data(value)
    if strict is None:
        return model.model_validate(value)
    return cast(_M, validate_response(model, value, strict=strict))
