"""Small shared types: the NOT_GIVEN sentinel, the seed's ``undefined`` and file tuples."""

from __future__ import annotations

import enum
from typing import IO, Any, Final, Literal, TypeAlias, TypeVar, Union

from pydantic import ConfigDict, GetCoreSchemaHandler, JsonValue, RootModel, SkipValidation
from pydantic_core import core_schema

__all__ = [
    "NOT_GIVEN",
    "FileContent",
    "FileTypes",
    "JSONValue",
    "JSONValueRoot",
    "NotGiven",
    "Undefined",
    "given",
    "undefined",
]


class NotGiven:
    """Marks an optional argument the caller did not pass, so it is not sent at all.

    ``None`` is a value (JSON ``null``); ``NOT_GIVEN`` means "leave the key out".
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Lets pydantic (validate_call, models) accept the sentinel as itself.
        return core_schema.is_instance_schema(cls)


NOT_GIVEN: Final = NotGiven()


class Undefined(enum.Enum):
    """The seed's ``undefined`` sentinel (``ai.backend.client.types.undefined``)."""

    token = 0

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


undefined: Final = Undefined.token

_T = TypeVar("_T")


def given(value: _T | None) -> _T | NotGiven:
    """*value*, or ``NOT_GIVEN`` for ``None``: an optional argument left out of the request."""
    return NOT_GIVEN if value is None else value


# File objects are passed through as they are (pydantic cannot check IO protocols).
FileContent: TypeAlias = Union[SkipValidation[IO[bytes]], bytes]  # noqa: UP007 - runtime alias on 3.10
# (filename, content, content type) as httpx accepts for multipart parts
FileTypes: TypeAlias = tuple[str, FileContent, str]

#: Any JSON value: the answer of an operation whose spec does not describe its shape.
JSONValue: TypeAlias = JsonValue


class JSONValueRoot(RootModel[JsonValue]):
    """Parses an undescribed JSON answer (the generated method returns its ``root``)."""

    model_config = ConfigDict(defer_build=True)  # built when an answer needs it
