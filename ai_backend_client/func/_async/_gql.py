"""GraphQL plumbing shared by the function classes.

A function class calls the generated operation of the negotiated version
(``session.graphql.<operation>``): the documents are written once for every version
(``spec/operations/``), and codegen makes an older version answer with the newest result model
where it can (``_generated.neutral``), so the answers are the newest models. ``fields=`` of the
seed's methods swaps the selection of the generated document (:func:`run`); the swapped document
is validated against the negotiated version's schema before it is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol, TypeVar, cast

import pydantic
from typing_extensions import ParamSpec

from ..._generated.latest import graphql_models as gql
from ..._graphql import (
    AsyncOperationCall,
    AsyncPageList,
    GraphQLError,
    GraphQLPermissionError,
    PaginatedResult,
    Selection,
)
from ...exceptions import BackendClientError, NotFoundError

__all__ = [
    "MAX_PAGE_SIZE",
    "check_mutation",
    "check_page_size",
    "gql",
    "inputs",
    "not_found",
    "page",
    "pager",
    "props",
    "run",
]

#: The largest page the seed (and this SDK) asks for.
MAX_PAGE_SIZE = 100

_M = TypeVar("_M", bound=pydantic.BaseModel)
_I = TypeVar("_I", bound=pydantic.BaseModel)
_P = ParamSpec("_P")


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


def props(**values: Any) -> dict[str, Any]:
    """The keys of an input object the caller actually gave (``None`` means "leave unchanged")."""
    return {k: v for k, v in values.items() if v is not None}


def inputs(model: type[_I], **values: Any) -> _I:
    """The input object *model* holding the keys the caller gave (``None``: leave unchanged)."""
    return model.model_validate(props(**values))


def check_page_size(page_size: int) -> None:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BackendClientError(
            f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}"
        )


class _Payload(Protocol):
    ok: bool | None
    msg: str | None


_Pl = TypeVar("_Pl", bound=_Payload)


def check_mutation(payload: _Pl | None, name: str) -> _Pl:
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


def page(items: Sequence[_I | None] | None, total_count: int | None) -> PaginatedResult[_I]:
    """A :class:`PaginatedResult` from a GraphQL page (null items dropped)."""
    kept = [item for item in (items or ()) if item is not None]
    return PaginatedResult(items=kept, total_count=total_count or 0)


async def run(
    operation: AsyncOperationCall[_P, _M],
    result_type: type[_M],
    fields: Sequence[str] | None,
    path: Sequence[str],
    /,
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> _M:
    """Call a generated GraphQL operation (``session.graphql.agent_list``) with its typed
    arguments; with *fields*, its document's selection at *path* is replaced first (the seed's
    ``fields=``) and checked against the schema before it is sent."""
    if not fields:
        return await operation(*args, **kwargs)
    operations: Any = getattr(operation, "__self__", None)
    name = getattr(operation, "__name__", "")
    if operations is None or name not in operations.documents:
        raise BackendClientError(f"fields= is not available for {name or operation!r}")
    generated: str = operations.documents[name]
    selection: Selection | None = operations.selections[name].get(tuple(path))
    if selection is not None and selection.leaves.issuperset(fields):
        # Only leaves the generated (checked) document selects there: splice the text; no
        # GraphQL parser, no schema, no second check.
        narrowed = "{ " + " ".join(fields) + " }"
        document = generated[: selection.start] + narrowed + generated[selection.end :]
        check = False
    else:
        from ..._graphql_documents import replace_selection

        document = replace_selection(generated, path, fields)
        check = True
    result: _M = await operations.client.execute(
        document, variables=kwargs, result_type=result_type, mutation=False, check=check
    )
    return result


_Item = TypeVar("_Item")
_Cls = TypeVar("_Cls")
_ListArgs = ParamSpec("_ListArgs")


def pager(
    paginated_list: AsyncPageList[_Cls, _ListArgs, _Item],
) -> classmethod[_Cls, _ListArgs, AsyncIterator[_Item]]:
    """The ``iter_all`` of a ``paginated_list`` class method: ``iter_all = pager(paginated_list)``.

    ``iter_all`` takes the same arguments and yields every item, fetching the page at each offset
    only when needed; ``page_offset`` is where it starts, ``page_size`` (default
    :data:`MAX_PAGE_SIZE`, not the one page's default) how many items each request asks for.
    """
    # In the class body the method is still the classmethod object: call its function.
    fetch: AsyncPageList[_Cls, _ListArgs, _Item] = getattr(
        paginated_list, "__func__", paginated_list
    )

    async def iter_all(
        cls: type[_Cls], /, *args: _ListArgs.args, **kwargs: _ListArgs.kwargs
    ) -> AsyncIterator[_Item]:
        page_size = int(cast(int, kwargs.setdefault("page_size", MAX_PAGE_SIZE)))
        offset = int(cast(int, kwargs.get("page_offset", 0)))
        while True:
            kwargs["page_offset"] = offset
            result = await fetch(cls, *args, **kwargs)
            for item in result.items:
                yield item
            offset += page_size
            if not result.items or offset >= result.total_count:
                return

    iter_all.__doc__ = "Every item of :meth:`paginated_list`, fetched lazily page by page."
    return classmethod(iter_all)
