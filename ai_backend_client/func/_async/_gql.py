"""GraphQL plumbing shared by the function classes.

Every version's generated operations have the same names and argument names (the documents in
``spec/<version>/operations/`` are kept aligned), so a function class calls them on the
negotiated version's ``AsyncGraphQLOperations`` and turns the answer into the newest (v8) result
model with :func:`public`. ``fields=`` of the seed's methods swaps the selection of a generated
document (:func:`with_fields`); the swapped document is validated against the schema before it is
sent.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import pydantic

from ..._generated.v8_20240915.graphql import models as gql
from ..._generated.v8_20240915.graphql.operations import AsyncGraphQLOperations
from ..._graphql import (
    AsyncGraphQLClient,
    AsyncPageFetcher,
    GraphQLError,
    GraphQLPermissionError,
    PaginatedResult,
    replace_selection,
)
from ...exceptions import BackendClientError, NotFoundError
from .base import coerce_model

if TYPE_CHECKING:
    from ...session import AsyncSession

__all__ = [
    "MAX_PAGE_SIZE",
    "check_mutation",
    "check_page_size",
    "document_of",
    "execute_with_fields",
    "gql",
    "iterate_pages",
    "not_found",
    "operations",
    "page",
    "props",
    "public",
    "run",
]

#: The largest page the seed (and this SDK) asks for.
MAX_PAGE_SIZE = 100

_M = TypeVar("_M", bound=pydantic.BaseModel)
_I = TypeVar("_I", bound=pydantic.BaseModel)


def operations(session: AsyncSession) -> AsyncGraphQLOperations:
    """The generated GraphQL operations of the session's API version."""
    version = session.api_version
    module = importlib.import_module(
        f"ai_backend_client._generated.v{version.major}_{version.date}.graphql.operations"
    )
    # Other versions' classes have the same methods; their models are converted by ``public``.
    return cast(AsyncGraphQLOperations, module.AsyncGraphQLOperations(session.core))


def document_of(session: AsyncSession, name: str) -> str:
    """The negotiated version's document constant *name* (``"AGENT_LIST"``)."""
    version = session.api_version
    module = importlib.import_module(
        f"ai_backend_client._generated.v{version.major}_{version.date}.graphql.operations"
    )
    return cast(str, getattr(module, name))


def not_found(kind: str, key: object) -> NotFoundError:
    """The error for a GraphQL lookup that answered ``null``."""
    return NotFoundError(
        404,
        "Not Found",
        {
            "type": "https://api.backend.ai/probs/object-not-found",
            "title": f"{kind} not found",
            "msg": f"no {kind} {key!s}",
        },
    )


def public(model: type[_M], value: Any) -> _M:
    """*value* (a result model of any version) as the v8 model *model*."""
    return coerce_model(model, value)


def props(**values: Any) -> dict[str, Any]:
    """The keys of an input object the caller actually gave (``None`` means "leave unchanged")."""
    return {k: v for k, v in values.items() if v is not None}


def check_page_size(page_size: int) -> None:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BackendClientError(
            f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}"
        )


class _Payload(Protocol):
    ok: bool | None
    msg: str | None


_P = TypeVar("_P", bound=_Payload)


def check_mutation(payload: _P | None, name: str) -> _P:
    """Raise if the mutation payload says ``ok: false`` (the manager answers refusals that way).

    A payload without a boolean ``ok`` (read leniently from a server that spells it otherwise) is
    not a refusal: the change was made, so it is not reported as failed.
    """
    if payload is None:
        raise GraphQLError([{"message": f"{name}: the server returned no result", "path": [name]}])
    if payload.ok is False:
        message = payload.msg or "failed"
        error = {"message": f"{name}: {message}", "path": [name]}
        if "permission" in message.lower() or "privilege" in message.lower():
            raise GraphQLPermissionError([error])
        raise GraphQLError([error])
    return payload


async def execute_with_fields(
    session: AsyncSession,
    document: str,
    path: Sequence[str],
    fields: Sequence[str],
    variables: Mapping[str, Any],
    result_type: type[_M],
) -> _M:
    """Send the version's *document* with the selection at *path* set to *fields* (validated)."""
    client = AsyncGraphQLClient.for_core(session.core)
    return await client.execute(
        replace_selection(document_of(session, document), path, fields),
        variables=variables,
        result_type=result_type,
        check=True,
    )


def page(items: Sequence[_I | None] | None, total_count: int | None) -> PaginatedResult[_I]:
    """A :class:`PaginatedResult` from a GraphQL page (null items dropped)."""
    kept = [item for item in (items or ()) if item is not None]
    return PaginatedResult(items=kept, total_count=total_count or 0)


async def run(
    session: AsyncSession,
    operation: str,
    variables: Mapping[str, Any],
    result_type: type[_M],
    *,
    fields: Sequence[str] | None = None,
    path: Sequence[str] = (),
) -> _M:
    """Call the generated operation *operation* (``"agent_list"``) and return the v8 model.

    With *fields*, the document's selection at *path* is replaced first (``fields=`` of the seed).
    """
    if fields:
        constant = operation.upper()
        return await execute_with_fields(session, constant, path, fields, variables, result_type)
    method = getattr(operations(session), operation)
    return public(result_type, await method(**variables))


_Item = TypeVar("_Item")


async def iterate_pages(fetch: AsyncPageFetcher[_Item], page_size: int) -> AsyncIterator[_Item]:
    """Every item of a paginated list, fetching the page at each offset only when needed."""
    offset = 0
    while True:
        result = await fetch(offset)
        for item in result.items:
            yield item
        offset += page_size
        if not result.items or offset >= result.total_count:
            return
