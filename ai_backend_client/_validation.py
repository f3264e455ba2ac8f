"""Argument validation for generated methods: wrong types fail before any request is sent."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

import pydantic

from .exceptions import InvalidArgumentError

__all__ = ["validate_arguments"]

_F = TypeVar("_F", bound=Callable[..., Any])


_CONFIG = pydantic.ConfigDict(arbitrary_types_allowed=True)


def validate_arguments(func: _F) -> _F:
    """Validate a call's arguments against its annotations (pydantic ``validate_call``).

    Errors surface as :class:`InvalidArgumentError` naming each bad argument. Only the
    validation of this call's own arguments is converted (pydantic titles it with the
    function's qualified name); other validation errors raised inside pass through unchanged.

    The validator is built on the first call, not when the module is imported: the
    annotations name models that load only then, so a program pays only for the operations
    it uses.
    """
    name = func.__qualname__
    built: list[Callable[..., Any]] = []

    def validated() -> Callable[..., Any]:
        if not built:
            built.append(pydantic.validate_call(config=_CONFIG)(func))
        return built[0]

    def _is_ours(e: pydantic.ValidationError) -> bool:
        return e.title in (name, func.__name__)

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            if len(args) == 1 and not kwargs:  # only ``self``: defaults are not validated anyway
                return await func(*args)
            # pydantic validates async arguments when the coroutine starts running.
            try:
                return await validated()(*args, **kwargs)
            except pydantic.ValidationError as e:
                if _is_ours(e):
                    raise InvalidArgumentError(name, e) from None
                raise

        return cast(_F, async_wrapper)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs:  # only ``self``: defaults are not validated anyway
            return func(*args)
        try:
            return validated()(*args, **kwargs)
        except pydantic.ValidationError as e:
            if _is_ours(e):
                raise InvalidArgumentError(name, e) from None
            raise

    return cast(_F, wrapper)
