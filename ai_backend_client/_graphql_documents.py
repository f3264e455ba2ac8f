"""Raw GraphQL documents: validation against the version's schema, and swapping a selection.

Only ``Admin.query`` and the ``fields=`` arguments of the function classes need this, so this is
the one module that imports graphql-core at run time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    Source,
    build_ast_schema,
    get_operation_ast,
    parse,
    print_ast,
    validate,
)
from graphql import GraphQLError as CoreGraphQLError
from graphql.execution.values import get_variable_values

from .exceptions import GraphQLValidationError

__all__ = ["check_document", "parse_document", "replace_selection", "schema_of"]


def _validation_error(errors: Sequence[CoreGraphQLError]) -> GraphQLValidationError:
    return GraphQLValidationError([cast("dict[str, Any]", e.formatted) for e in errors])


@lru_cache(maxsize=256)
def parse_document(document: str) -> DocumentNode:
    """Parse (and cache) a document; a syntax error is a :class:`GraphQLValidationError`."""
    try:
        return parse(Source(document, "GraphQL request"))
    except CoreGraphQLError as e:
        raise _validation_error([e]) from None


@lru_cache(maxsize=8)
def schema_of(sdl: str) -> GraphQLSchema:
    """The schema of an SDL text (built once per version)."""
    return build_ast_schema(parse(sdl), assume_valid_sdl=True)  # federation directives


def check_document(sdl: str, document: str, variables: Mapping[str, Any] | None = None) -> bool:
    """Raise :class:`GraphQLValidationError` unless *document* and *variables* fit the schema;
    return whether the document is a query (a mutation is not safe to send twice)."""
    schema = schema_of(sdl)
    node = parse_document(document)
    errors = validate(schema, node)
    if errors:
        raise _validation_error(errors)
    operation = get_operation_ast(node)
    if operation is None:
        raise GraphQLValidationError([{"message": "the document must hold exactly one operation"}])
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), dict(variables or {})
    )
    if isinstance(coerced, list):
        raise _validation_error(coerced)
    return operation.operation == OperationType.QUERY


def _selection_at(document: str, path: Sequence[str]) -> FieldNode | OperationDefinitionNode:
    root = parse_document(document)
    node: FieldNode | OperationDefinitionNode = cast(OperationDefinitionNode, root.definitions[0])
    for key in path:
        assert node.selection_set is not None
        node = next(
            s
            for s in node.selection_set.selections
            if isinstance(s, FieldNode) and (s.alias or s.name).value == key
        )
    return node


def replace_selection(document: str, path: Sequence[str], fields: Sequence[str]) -> str:
    """*document* with the selection at *path* (response keys from the root) set to *fields*.

    ``fields`` are GraphQL selections (``"id"``, ``"groups { id name }"``); this is how the
    function classes honour the seed's ``fields=`` arguments over the generated documents.
    """
    selection = "{ " + " ".join(fields) + " }"
    try:
        parse(selection)
    except CoreGraphQLError as e:
        raise _validation_error([e]) from None
    node = _selection_at(document, path)
    # AST nodes are immutable in graphql-core 3.3: splice the text at the selection's location.
    loc = node.selection_set.loc if node.selection_set is not None else None
    if loc is None:
        raise GraphQLValidationError([{"message": f"no selection at {'.'.join(path)}"}])
    return print_ast(parse(document[: loc.start] + selection + document[loc.end :]))
