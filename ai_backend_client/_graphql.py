"""GraphQL over the signed core client, with gql's client and transport interface.

``GraphQLClient`` / ``AsyncGraphQLClient`` run a gql ``Client`` whose transport posts to
``/admin/gql`` through :class:`~ai_backend_client._base_client.SyncAPIClient` (or the async one),
so signing, the ``/func`` prefix in session mode, retries (queries only; mutations are not safe to
repeat), failover and HTTP error mapping are the core's. GraphQL ``errors`` become
:class:`GraphQLError` (or :class:`GraphQLPermissionError`), with every message and path and the
partial ``data``. Raw documents are validated locally against the negotiated version's schema
(shipped in ``ai_backend_client._generated.<version>.graphql.schema``) before anything is sent.

This module imports gql and graphql-core; nothing imports it until GraphQL is used.
"""

from __future__ import annotations

import importlib
import json
import re
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, TypeAlias, TypeVar, cast

import pydantic
from gql import Client
from gql.client import AsyncClientSession, SyncClientSession
from gql.graphql_request import GraphQLRequest
from gql.transport.async_transport import AsyncTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.transport import Transport
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLSchema,
    OperationType,
    Source,
    build_ast_schema,
    get_operation_ast,
    parse,
    validate,
)
from graphql import GraphQLError as CoreGraphQLError
from graphql.execution.values import get_variable_values
from pydantic_core import to_jsonable_python

from ._types import NotGiven
from .exceptions import BackendClientError, GraphQLError, PermissionDeniedError
from .versioning import parse_version

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from ._base_client import AsyncAPIClient, SyncAPIClient

__all__ = [
    "GRAPHQL_PATH",
    "AsyncGraphQLClient",
    "GraphQLClient",
    "GraphQLError",
    "GraphQLInput",
    "GraphQLPermissionError",
    "GraphQLValidationError",
    "JSONInput",
    "JSONString",
    "PaginatedResult",
    "load_schema",
    "replace_selection",
]

GRAPHQL_PATH = "/admin/gql"

_M = TypeVar("_M", bound=pydantic.BaseModel)
_T = TypeVar("_T")

# How the manager words refusals (22.03 and 24.09): "... permission denied", InsufficientPrivilege,
# "Not enough privileges", "Unauthorized access", "forbidden".
_PERMISSION = re.compile(
    r"permission denied|insufficientprivilege|insufficient privilege|not enough privilege|"
    r"unauthorized|forbidden|only (?:super)?admin",
    re.IGNORECASE,
)


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


class GraphQLInput(pydantic.BaseModel):
    """Base of the generated input-object models: unknown keys are errors (nothing is sent)."""

    model_config = pydantic.ConfigDict(extra="forbid", populate_by_name=True)


@dataclass(frozen=True)
class PaginatedResult(Generic[_T]):
    """One page of a paginated GraphQL list: the items and the total count on the server."""

    items: list[_T]
    total_count: int


#: Fetches the page that starts at an offset (``func/_async`` and ``func/_sync`` flavours).
AsyncPageFetcher: TypeAlias = Callable[[int], Awaitable[PaginatedResult[_T]]]
PageFetcher: TypeAlias = Callable[[int], PaginatedResult[_T]]


# -- errors --------------------------------------------------------------------------------------
class GraphQLValidationError(BackendClientError, ValueError):
    """A document (or its variables) does not validate against the server's schema; not sent."""

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        self.errors: list[dict[str, Any]] = [dict(e) for e in errors]
        parts: list[str] = []
        for e in self.errors:
            locs: list[dict[str, int]] = e.get("locations") or []
            where = f"{locs[0]['line']}:{locs[0]['column']}: " if locs else ""
            parts.append(where + str(e.get("message")))
        super().__init__("invalid GraphQL document: " + "; ".join(parts))


class GraphQLPermissionError(GraphQLError, PermissionDeniedError):
    """The manager refused a GraphQL field or mutation for lack of privilege (HTTP 200 + errors)."""

    def __init__(
        self,
        errors: Sequence[Mapping[str, Any]],
        partial_data: Mapping[str, Any] | None = None,
        *,
        url: str | None = None,
    ) -> None:
        super().__init__(errors, partial_data, status=403, url=url)
        self.reason = "Forbidden"
        self.data["type"] = "https://api.backend.ai/probs/generic-forbidden"


def graphql_error(
    errors: Sequence[Any], data: Mapping[str, Any] | None, *, url: str | None = None
) -> GraphQLError:
    """The typed exception for the ``errors`` of an answer (permission errors get their class)."""
    items: list[Mapping[str, Any]] = [
        cast(Mapping[str, Any], e) if isinstance(e, Mapping) else {"message": str(e)}
        for e in errors
    ]
    if any(_PERMISSION.search(str(e.get("message", ""))) for e in items):
        return GraphQLPermissionError(items, data, url=url)
    return GraphQLError(items, data, url=url)


def _validation_error(errors: Sequence[CoreGraphQLError]) -> GraphQLValidationError:
    return GraphQLValidationError([cast(dict[str, Any], e.formatted) for e in errors])


# -- documents and schemas -----------------------------------------------------------------------
@lru_cache(maxsize=256)
def parse_document(document: str) -> DocumentNode:
    """Parse (and cache) a document; a syntax error is a :class:`GraphQLValidationError`."""
    try:
        return parse(Source(document, "GraphQL request"))
    except CoreGraphQLError as e:
        raise _validation_error([e]) from None


def _package(api_version: str) -> str:
    v = parse_version(api_version)
    return f"ai_backend_client._generated.v{v.major}_{v.date}"


@lru_cache(maxsize=8)
def load_schema(api_version: str) -> GraphQLSchema | None:
    """The schema the generated package of *api_version* ships, or ``None`` if there is none."""
    try:
        module = importlib.import_module(_package(api_version) + ".graphql.schema")
    except (ImportError, ValueError):
        return None
    return build_ast_schema(parse(module.SDL))


def check_document(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None = None
) -> None:
    """Raise :class:`GraphQLValidationError` unless *document* and *variables* fit *schema*."""
    errors = validate(schema, document)
    if errors:
        raise _validation_error(errors)
    operation = get_operation_ast(document)
    if operation is None:
        raise GraphQLValidationError([{"message": "the document must hold exactly one operation"}])
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), dict(variables or {})
    )
    if isinstance(coerced, list):
        raise _validation_error(coerced)


def replace_selection(document: str, path: Sequence[str], fields: Sequence[str]) -> str:
    """*document* with the selection at *path* (response keys from the root) set to *fields*.

    ``fields`` are GraphQL selections (``"id"``, ``"groups { id name }"``); this is how the
    function classes honour the seed's ``fields=`` arguments over the generated documents.
    """
    from graphql import FieldNode, OperationDefinitionNode, print_ast

    selection = "{ " + " ".join(fields) + " }"
    try:
        parse(selection)
    except CoreGraphQLError as e:
        raise _validation_error([e]) from None
    root = parse(document)
    node: FieldNode | OperationDefinitionNode = cast(OperationDefinitionNode, root.definitions[0])
    for key in path:
        assert node.selection_set is not None
        node = next(
            s
            for s in node.selection_set.selections
            if isinstance(s, FieldNode) and (s.alias or s.name).value == key
        )
    # AST nodes are immutable in graphql-core 3.3: splice the text at the selection's location.
    loc = node.selection_set.loc if node.selection_set is not None else None
    if loc is None:
        raise GraphQLValidationError([{"message": f"no selection at {'.'.join(path)}"}])
    return print_ast(parse(document[: loc.start] + selection + document[loc.end :]))


def _jsonable_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in variables.items():
        if isinstance(value, NotGiven):
            continue
        if isinstance(value, pydantic.BaseModel):
            value = value.model_dump(mode="json", by_alias=True, exclude_unset=True)
        result[name] = to_jsonable_python(value)
    return result


def _is_query(request: GraphQLRequest) -> bool:
    operation = get_operation_ast(request.document, request.operation_name)
    return operation is not None and operation.operation == OperationType.QUERY


def _payload(request: GraphQLRequest) -> dict[str, Any]:
    payload = request.payload
    payload.setdefault("variables", {})
    payload.pop("operationName", None)  # the 22.03 manager reads ``operation_name`` or nothing
    return payload


def _execution_result(body: Mapping[str, Any]) -> ExecutionResult:
    errors = body.get("errors")
    return ExecutionResult(data=body.get("data"), errors=errors or None)


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


# -- transports: gql's interfaces over our core ---------------------------------------------------
class CoreTransport(Transport):
    """A gql sync transport that posts through the signed :class:`SyncAPIClient`."""

    def __init__(self, core: SyncAPIClient) -> None:
        self.core = core

    def execute(self, request: GraphQLRequest, *args: Any, **kwargs: Any) -> ExecutionResult:
        body = self.core.request(
            "POST",
            GRAPHQL_PATH,
            cast_to=dict[str, Any],
            json=_payload(request),
            idempotent=_is_query(request),
        )
        return _execution_result(body)

    def connect(self) -> None:
        pass

    def close(self) -> None:
        pass


class AsyncCoreTransport(AsyncTransport):
    """A gql async transport that posts through the signed :class:`AsyncAPIClient`."""

    def __init__(self, core: AsyncAPIClient) -> None:
        self.core = core

    async def execute(self, request: GraphQLRequest, *args: Any, **kwargs: Any) -> ExecutionResult:
        body = await self.core.request(
            "POST",
            GRAPHQL_PATH,
            cast_to=dict[str, Any],
            json=_payload(request),
            idempotent=_is_query(request),
        )
        return _execution_result(body)

    async def connect(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def subscribe(self, request: GraphQLRequest) -> AsyncGenerator[ExecutionResult, None]:
        raise NotImplementedError("the manager's /admin/gql has no subscriptions")


# -- clients ---------------------------------------------------------------------------------------
class _ClientBase:
    def __init__(self, core: SyncAPIClient | AsyncAPIClient) -> None:
        self.core = core

    @property
    def url(self) -> str:
        return self.core.build_url(GRAPHQL_PATH)

    @property
    def schema(self) -> GraphQLSchema | None:
        """The negotiated version's schema (``None`` if this client has none for it)."""
        return load_schema(self.core.api_version)

    def _request(
        self,
        document: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        *,
        check: bool,
    ) -> GraphQLRequest:
        node = parse_document(document)
        values = _jsonable_variables(variables or {})
        if check:
            schema = self.schema
            if schema is not None:
                check_document(schema, node, values)
        return GraphQLRequest(node, variable_values=values, operation_name=operation_name)


class GraphQLClient(_ClientBase):
    """Blocking GraphQL client over one core client (see :meth:`for_core`)."""

    core: SyncAPIClient
    _instances: ClassVar[weakref.WeakKeyDictionary[SyncAPIClient, GraphQLClient]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, core: SyncAPIClient) -> None:
        super().__init__(core)
        self.gql = Client(transport=CoreTransport(core), execute_timeout=None)
        self._session = SyncClientSession(client=self.gql)

    @classmethod
    def for_core(cls, core: SyncAPIClient) -> GraphQLClient:
        """The client bound to *core* (one per core client)."""
        client = cls._instances.get(core)
        if client is None:
            client = cls._instances[core] = cls(core)
        return client

    def _run(self, request: GraphQLRequest) -> dict[str, Any]:
        try:
            return self._session.execute(request)
        except TransportQueryError as e:
            raise graphql_error(e.errors or [{"message": str(e)}], e.data, url=self.url) from None

    def execute(
        self,
        document: str,
        *,
        operation_name: str | None = None,
        variables: Mapping[str, Any] | None = None,
        result_type: type[_M],
        check: bool = False,
    ) -> _M:
        """Send a (generated, already validated) document and parse ``data`` into *result_type*."""
        data = self._run(self._request(document, variables, operation_name, check=check))
        return _parse_data(result_type, data, self.url, strict=self.core.config.strict_responses)

    def query(self, document: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Validate a raw document against the schema (when known), send it, return ``data``."""
        return self._run(self._request(document, variables, None, check=True))


class AsyncGraphQLClient(_ClientBase):
    """Async GraphQL client over one core client (see :meth:`for_core`)."""

    core: AsyncAPIClient
    _instances: ClassVar[weakref.WeakKeyDictionary[AsyncAPIClient, AsyncGraphQLClient]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, core: AsyncAPIClient) -> None:
        super().__init__(core)
        self.gql = Client(transport=AsyncCoreTransport(core), execute_timeout=None)
        self._session = AsyncClientSession(client=self.gql)

    @classmethod
    def for_core(cls, core: AsyncAPIClient) -> AsyncGraphQLClient:
        """The client bound to *core* (one per core client)."""
        client = cls._instances.get(core)
        if client is None:
            client = cls._instances[core] = cls(core)
        return client

    async def _run(self, request: GraphQLRequest) -> dict[str, Any]:
        try:
            return await self._session.execute(request)
        except TransportQueryError as e:
            raise graphql_error(e.errors or [{"message": str(e)}], e.data, url=self.url) from None

    async def execute(
        self,
        document: str,
        *,
        operation_name: str | None = None,
        variables: Mapping[str, Any] | None = None,
        result_type: type[_M],
        check: bool = False,
    ) -> _M:
        """Send a (generated, already validated) document and parse ``data`` into *result_type*."""
        data = await self._run(self._request(document, variables, operation_name, check=check))
        return _parse_data(result_type, data, self.url, strict=self.core.config.strict_responses)

    async def query(
        self, document: str, variables: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Validate a raw document against the schema (when known), send it, return ``data``."""
        return await self._run(self._request(document, variables, None, check=True))
