"""A ``fields=`` selection that only narrows the generated document is not checked again against
the schema (building it costs a few hundred milliseconds per process); anything else is."""

from __future__ import annotations

import pytest

from ai_backend_client import _graphql_documents as docs
from ai_backend_client.exceptions import GraphQLValidationError

DOC = "query Q($n: Int!) { a(limit: $n) { total_count items { id name sub { x } n: name } } }"


def test_leaf_fields_of_the_document_are_a_subset() -> None:
    assert docs.selects_subset(DOC, ("a", "items"), ["id"])
    assert docs.selects_subset(DOC, ("a", "items"), ["name", "id"])


def test_other_fields_objects_and_aliases_are_not() -> None:
    assert not docs.selects_subset(DOC, ("a", "items"), ["other"])
    assert not docs.selects_subset(DOC, ("a", "items"), ["sub"])  # needs its own selection
    assert not docs.selects_subset(DOC, ("a", "items"), ["n"])  # an alias, not a field
    assert not docs.selects_subset(DOC, ("a", "items"), ["id", "sub { x }"])


def test_a_field_outside_the_schema_is_still_refused() -> None:
    sdl = "type Query { a(limit: Int!): Page }\ntype Page { total_count: Int items: [Item] }\ntype Item { id: ID name: String }"
    narrowed = docs.replace_selection(
        DOC.replace(" sub { x } n: name", ""), ("a", "items"), ["nope"]
    )
    with pytest.raises(GraphQLValidationError):
        docs.check_document(sdl, narrowed, {"n": 1})
