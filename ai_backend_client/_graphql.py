"""GraphQL over the signed core client.

``GraphQLClient`` / ``AsyncGraphQLClient`` post ``{"query", "variables"}`` to ``/admin/gql``
through :class:`~ai_backend_client._base_client.SyncAPIClient` (or the async one), so signing,
the ``/func`` prefix in session mode, retries (queries only; mutations are not safe to repeat),
failover and HTTP error mapping are the core's. GraphQL ``errors`` become :class:`GraphQLError`
(or :class:`GraphQLPermissionError`), with every message and path and the partial ``data``.

The generated documents were validated against their version's schema when they were
generated, so sending them needs no GraphQL library. Raw documents (``Admin.query``, the
``fields=`` arguments) are parsed and validated locally first with graphql-core, which is
imported only then (``_graphql_documents``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Concatenate,
    Generic,
    NamedTuple,
    TypeAlias,
    TypeVar,
    cast,
)

import pydantic
from pydantic_core import to_jsonable_python
from typing_extensions import ParamSpec

from ._types import NotGiven
from .exceptions import (
    GraphQLError,
    GraphQLPermissionError,
    GraphQLValidationError,
    MalformedResponseError,
)

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, SyncAPIClient

__all__ = [
    "GRAPHQL_PATH",
    "AsyncGraphQLClient",
    "AsyncOperationCall",
    "AsyncPageList",
    "GraphQLClient",
    "GraphQLError",
    "GraphQLInput",
    "GraphQLPermissionError",
    "GraphQLValidationError",
    "JSONInput",
    "JSONString",
    "OperationCall",
    "PaginatedResult",
    "Selection",
    "SyncPageList",
    "graphql_error",
]

GRAPHQL_PATH = "/admin/gql"

_M = TypeVar("_M", bound=pydantic.BaseModel)
_T = TypeVar("_T")


# -- scalars and models used by the generated code ---------------------------------------------
def _decode_json_string(value: Any) -> Any:
    # JSONString fields arrive JSON-encoded inside the JSON answer; decode once. A value already
    # decoded (a model re-validated, a mapping built by hand) passes through.
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _encode_json_input(value: Any) -> Any:
    return value if isinstance(value, str) else json.dumps(to_jsonable_python(value))


#: A ``JSONString`` result field: the decoded JSON value (slot maps, stats, metadata).
JSONString = Annotated[Any, pydantic.BeforeValidator(_decode_json_string)]
#: A ``JSONString`` variable: a JSON-encoded string as is, or any JSON value (encoded for you).
JSONInput = Annotated[Any, pydantic.PlainSerializer(_encode_json_input)]


class Selection(NamedTuple):
    """Where a selection set is in a generated document: the offsets of its braces, and the
    leaf fields it selects without an alias (``operations.selections``, for ``fields=``)."""

    start: int
    end: int
    leaves: frozenset[str]


class GraphQLInput(pydantic.BaseModel):
    """Base of the generated input-object models: unknown keys are errors (nothing is sent)."""

    model_config: ClassVar[pydantic.ConfigDict] = pydantic.ConfigDict(
        extra="forbid", populate_by_name=True, defer_build=True
    )


@dataclass(frozen=True)
class PaginatedResult(Generic[_T]):
    """One page of a paginated GraphQL list: the items and the total count on the server."""

    items: list[_T]
    total_count: int


_C = TypeVar("_C")
_LP = ParamSpec("_LP")

#: A ``paginated_list`` class method as its class body sees it (``func/_async`` and
#: ``func/_sync`` flavours): ``cls`` first, ``page_offset``/``page_size`` among its keywords.
AsyncPageList: TypeAlias = Callable[Concatenate[type[_C], _LP], Awaitable[PaginatedResult[_T]]]
SyncPageList: TypeAlias = Callable[Concatenate[type[_C], _LP], PaginatedResult[_T]]

_P = ParamSpec("_P")
_R = TypeVar("_R")
#: A generated GraphQL operation method (``func/_async`` and ``func/_sync`` flavours).
AsyncOperationCall: TypeAlias = Callable[_P, Awaitable[_R]]
OperationCall: TypeAlias = Callable[_P, _R]


# -- answers -------------------------------------------------------------------------------------
def graphql_error(
    errors: Sequence[Any], data: Mapping[str, Any] | None, *, url: str | None = None
) -> GraphQLError:
    """The typed exception for the ``errors`` of an answer (permission errors get their class)."""
    from .exceptions import is_permission_message

    items: list[Mapping[str, Any]] = [
        cast("Mapping[str, Any]", e) if isinstance(e, Mapping) else {"message": str(e)}
        for e in errors
    ]
    if any(is_permission_message(str(e.get("message", ""))) for e in items):
        return GraphQLPermissionError(items, data, url=url)
    return GraphQLError(items, data, url=url)


def _jsonable_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in variables.items():
        if isinstance(value, NotGiven):
            continue
        if isinstance(value, pydantic.BaseModel):
            value = value.model_dump(mode="json", by_alias=True, exclude_unset=True)
        result[name] = to_jsonable_python(value)
    return result


def _data(body: Mapping[str, Any], url: str) -> dict[str, Any]:
    errors = body.get("errors")
    data = body.get("data")
    if errors:
        partial = cast("Mapping[str, Any]", data) if isinstance(data, Mapping) else None
        raise graphql_error(cast("Sequence[Any]", errors), partial, url=url)
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"the GraphQL answer's data is not an object: {data!r:.200}",
            status=200,
            method="POST",
            url=url,
        )
    return dict(cast("Mapping[str, Any]", data))


def _parse_data(result_type: type[_M], data: Any, url: str, *, strict: bool) -> _M:
    from ._base_client import MalformedResponseError, describe_validation_error
    from ._models import validate_response

    try:
        return cast(
            _M,
            validate_response(
                result_type,
                data if data is not None else {},
                strict=strict,
                what="the GraphQL data",
            ),
        )
    except pydantic.ValidationError as e:
        raise MalformedResponseError(
            f"the GraphQL data does not match {result_type.__name__}: "
            + describe_validation_error(e),
            status=200,
            method="POST",
            url=url,
            data=data,
        ) from None


# -- clients -------------------------------------------------------------------------------------
class _ClientBase:
    """What both flavours share: the payload, the schema for raw documents, the answer."""

    def __init__(self, core: SyncAPIClient | AsyncAPIClient, sdl: Callable[[], str]) -> None:
        self.core = core
        self._sdl = sdl

    @property
    def url(self) -> str:
        return self.core.build_url(GRAPHQL_PATH)

    def sdl(self) -> str:
        """The schema (SDL) of the negotiated version, as shipped with this package."""
        return self._sdl()

    def _payload(
        self, document: str, variables: Mapping[str, Any] | None, *, check: bool
    ) -> tuple[dict[str, Any], bool]:
        """The JSON body, and whether the document is a query (then it is safe to retry)."""
        values = _jsonable_variables(variables or {})
        is_query = True
        if check:
            from ._graphql_documents import check_document

            is_query = check_document(self.sdl(), document, values)
        return {"query": document, "variables": values}, is_query


class GraphQLClient(_ClientBase):
    """Blocking GraphQL client over one core client."""

    core: SyncAPIClient

    def __init__(self, core: SyncAPIClient, sdl: Callable[[], str]) -> None:
        super().__init__(core, sdl)

    def _post(self, payload: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        body = self.core.request(
            "POST", GRAPHQL_PATH, cast_to=dict[str, Any], json=payload, idempotent=idempotent
        )
        return _data(body, self.url)

    def execute(
        self,
        document: str,
        *,
        variables: Mapping[str, Any] | None = None,
        result_type: type[_M],
        mutation: bool,
        check: bool = False,
    ) -> _M:
        """Send a document and parse ``data`` into *result_type* (``check``: validate first)."""
        payload, _ = self._payload(document, variables, check=check)
        data = self._post(payload, idempotent=not mutation)
        return _parse_data(result_type, data, self.url, strict=self.core.config.strict_responses)

    def query(self, document: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Validate a raw document against the schema, send it, return ``data``."""
        payload, is_query = self._payload(document, variables, check=True)
        return self._post(payload, idempotent=is_query)


class AsyncGraphQLClient(_ClientBase):
    """Async GraphQL client over one core client."""

    core: AsyncAPIClient

    def __init__(self, core: AsyncAPIClient, sdl: Callable[[], str]) -> None:
        super().__init__(core, sdl)

    async def _post(self, payload: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        body = await self.core.request(
            "POST", GRAPHQL_PATH, cast_to=dict[str, Any], json=payload, idempotent=idempotent
        )
        return _data(body, self.url)

    async def execute(
        self,
        document: str,
        *,
        variables: Mapping[str, Any] | None = None,
        result_type: type[_M],
        mutation: bool,
        check: bool = False,
    ) -> _M:
        """Send a document and parse ``data`` into *result_type* (``check``: validate first)."""
        payload, _ = self._payload(document, variables, check=check)
        data = await self._post(payload, idempotent=not mutation)
        return _parse_data(result_type, data, self.url, strict=self.core.config.strict_responses)

    async def query(
        self, document: str, variables: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Validate a raw document against the schema, send it, return ``data``."""
        payload, is_query = self._payload(document, variables, check=True)
        return await self._post(payload, idempotent=is_query)
