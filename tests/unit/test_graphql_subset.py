"""``fields=`` over the generated documents: naming only leaf fields that the generated document
selects splices its text at the offsets of the generated selection tables (no GraphQL parser, no
schema); anything else goes through graphql-core and is checked against the schema."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest
import respx
from graphql import FieldNode, OperationDefinitionNode, SelectionSetNode, parse, print_ast

from ai_backend_client import _graphql_documents as docs
from ai_backend_client.exceptions import GraphQLValidationError
from ai_backend_client.session import Session

VERSIONS = ["v6_20220315", "v8_20240915", "v9_20250722"]
DOC = "query Q($n: Int!) { a(limit: $n) { total_count items { id name sub { x } n: name } } }"


def _walk(node: SelectionSetNode, path: tuple[str, ...], out: dict[tuple[str, ...], Any]) -> None:
    leaves = {
        s.name.value
        for s in node.selections
        if isinstance(s, FieldNode) and s.alias is None and s.selection_set is None
    }
    assert node.loc is not None
    out[path] = (node.loc.start, node.loc.end, leaves)
    for s in node.selections:
        if isinstance(s, FieldNode) and s.selection_set is not None:
            _walk(s.selection_set, (*path, (s.alias or s.name).value), out)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_selection_tables_match_the_documents(version: str) -> None:
    package = f"ai_backend_client._generated.{version}.graphql"
    documents = importlib.import_module(f"{package}.operations").DOCUMENTS
    selections = importlib.import_module(f"{package}.selections").SELECTIONS
    assert set(selections) == set(documents)
    for method, document in documents.items():
        (operation,) = parse(document).definitions
        assert isinstance(operation, OperationDefinitionNode)
        expected: dict[tuple[str, ...], Any] = {}
        _walk(operation.selection_set, (), expected)
        table = {path: (s.start, s.end, set(s.leaves)) for path, s in selections[method].items()}
        assert table == expected, method
        for s in selections[method].values():
            assert (document[s.start], document[s.end - 1]) == ("{", "}"), method


def _sent(version_answer: str, call: Any) -> str:
    """The document *call(session)* sends to a 24.09-speaking mock server."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        import json

        seen.append(json.loads(request.content)["query"])
        data = {"compute_session_list": {"items": [], "total_count": 0}}
        return httpx.Response(200, json={"data": data})

    with respx.mock(base_url="http://mock.test", assert_all_called=False) as router:
        router.get("/").respond(json={"version": version_answer, "manager": "24.09.6"})
        router.post("/admin/gql").mock(side_effect=answer)
        with Session(
            config=_config(),
        ) as session:
            call(session)
    (document,) = seen
    return document


def _config() -> Any:
    from ai_backend_client.config import APIConfig

    return APIConfig(
        endpoint="http://mock.test", access_key="AKIASUBSETTEST000001", secret_key="s" * 40
    )


def test_leaf_fields_are_spliced_into_the_generated_document() -> None:
    document = _sent(
        "v8.20240915",
        lambda s: s.ComputeSession.paginated_list(fields=["name", "status"], page_size=5),
    )
    items = parse(document).definitions[0]
    assert isinstance(items, OperationDefinitionNode)
    (listing,) = items.selection_set.selections
    assert isinstance(listing, FieldNode) and listing.selection_set is not None
    (node,) = [
        s
        for s in listing.selection_set.selections
        if isinstance(s, FieldNode) and s.name.value == "items"
    ]
    assert node.selection_set is not None
    assert [s.name.value for s in node.selection_set.selections if isinstance(s, FieldNode)] == [
        "name",
        "status",
    ]
    # the same document graphql-core would have produced
    from ai_backend_client._generated.v8_20240915.graphql.operations import DOCUMENTS

    generated = DOCUMENTS["compute_session_list"]
    replaced = docs.replace_selection(
        generated, ("compute_session_list", "items"), ["name", "status"]
    )
    assert print_ast(parse(document)) == replaced


def test_other_selections_go_through_graphql_core_and_the_schema() -> None:
    with pytest.raises(GraphQLValidationError):
        _sent("v8.20240915", lambda s: s.ComputeSession.paginated_list(fields=["no_such_field"]))
    document = _sent(
        "v8.20240915",
        lambda s: s.ComputeSession.paginated_list(fields=["name", "containers { id }"]),
    )
    assert "containers" in document


def test_a_field_outside_the_schema_is_still_refused() -> None:
    sdl = "type Query { a(limit: Int!): Page }\ntype Page { total_count: Int items: [Item] }\ntype Item { id: ID name: String }"
    narrowed = docs.replace_selection(
        DOC.replace(" sub { x } n: name", ""), ("a", "items"), ["nope"]
    )
    with pytest.raises(GraphQLValidationError):
        docs.check_document(sdl, narrowed, {"n": 1})
