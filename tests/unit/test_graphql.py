"""The GraphQL runtime: transport over the core, error mapping, local validation (respx)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from ai_backend_client import APIConfig, AsyncSession, Session
from ai_backend_client._generated.neutral import open_wire
from ai_backend_client._graphql_documents import replace_selection, schema_of
from ai_backend_client.exceptions import (
    GraphQLError,
    GraphQLPermissionError,
    GraphQLValidationError,
    InvalidArgumentError,
)

EP = "http://127.0.0.1:8091"


def cfg(**kw: Any) -> APIConfig:
    kw.setdefault("endpoint", EP)
    kw.setdefault("access_key", "AKIAIOSFODNN7EXAMPLE")
    kw.setdefault("secret_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    return APIConfig(**kw)


def _open(version: str = "v8.20240915", **kw: Any) -> Session:
    respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    respx.get(f"{EP}/func/").respond(json={"version": version, "manager": "x"})
    return Session(config=cfg(**kw), max_retries=1)


AGENTS = {
    "data": {
        "agent_list": {
            "items": [{"id": "i-1", "status": "ALIVE", "available_slots": '{"cpu": "8"}'}],
            "total_count": 1,
        }
    }
}


@respx.mock
def test_generated_operation_is_signed_typed_and_decodes_json_strings() -> None:
    route = respx.post(f"{EP}/admin/gql").respond(json=AGENTS)
    with _open() as session:
        from ai_backend_client._generated.v8_20240915.graphql.operations import GraphQLOperations

        result = GraphQLOperations(session.core).agent_list(limit=5, offset=0, status="ALIVE")
    assert result.agent_list is not None
    item = result.agent_list.items[0]
    assert item is not None and item.available_slots == {"cpu": "8"}
    request = route.calls.last.request
    assert request.headers["Authorization"].startswith("BackendAI signMethod=HMAC-SHA256")
    body = json.loads(request.content)
    assert body["variables"] == {"limit": 5, "offset": 0, "status": "ALIVE"}  # NOT_GIVEN left out
    assert body["query"].startswith("query AgentList(")


@respx.mock
def test_session_mode_posts_under_func() -> None:
    route = respx.post(f"{EP}/func/admin/gql").respond(json={"data": {"domains": []}})
    with _open(endpoint_type="session") as session:
        assert session.Admin.query("{ domains { name } }") == {"domains": []}
    assert route.called


@respx.mock
def test_errors_keep_messages_paths_and_partial_data() -> None:
    respx.post(f"{EP}/admin/gql").respond(
        json={
            "data": {"domains": [{"name": "default"}], "agent_list": None},
            "errors": [
                {"message": "boom", "path": ["agent_list"]},
                {"message": "Forbidden operation. (superadmin privilege required)", "path": ["x"]},
            ],
        }
    )
    with _open() as session, pytest.raises(GraphQLPermissionError) as caught:
        session.Admin.query("{ domains { name } }")
    err = caught.value
    assert isinstance(err, GraphQLError)
    assert err.status == 403
    assert [e["message"] for e in err.errors] == ["boom", err.errors[1]["message"]]
    assert err.partial_data == {"domains": [{"name": "default"}], "agent_list": None}
    assert "boom (at agent_list)" in str(err)


@respx.mock
def test_plain_errors_are_graphql_errors() -> None:
    respx.post(f"{EP}/admin/gql").respond(json={"data": None, "errors": [{"message": "bad"}]})
    with _open() as session, pytest.raises(GraphQLError) as caught:
        session.Admin.query("{ domains { name } }")
    assert not isinstance(caught.value, GraphQLPermissionError)


@respx.mock
def test_queries_are_retried_mutations_are_not() -> None:
    route = respx.post(f"{EP}/admin/gql").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"data": {"domains": []}})]
    )
    with _open() as session:
        session.core.retry.initial_delay = 0.0
        assert session.Admin.query("{ domains { name } }") == {"domains": []}
        assert route.call_count == 2
        route.reset()
        route.side_effect = [httpx.Response(503), httpx.Response(200, json={"data": {}})]
        with pytest.raises(Exception, match="503"):
            session.Admin.query('mutation { delete_domain(name: "x") { ok msg } }')
        assert route.call_count == 1


@respx.mock
def test_invalid_documents_and_variables_are_rejected_before_sending() -> None:
    route = respx.post(f"{EP}/admin/gql").respond(json={"data": {}})
    with _open() as session:
        with pytest.raises(GraphQLValidationError, match="1:19: Cannot query field 'nme'"):
            session.Admin.query("query { domains { nme } }")
        with pytest.raises(GraphQLValidationError, match="Syntax Error"):
            session.Admin.query("query { domains { name }")
        with pytest.raises(GraphQLValidationError, match=r"\$n"):
            session.Admin.query("query($n: String!) { domain(name: $n) { name } }", {"n": 3})
        with pytest.raises(InvalidArgumentError, match="limit"):
            session.graphql.agent_list(limit="many", offset=0)  # type: ignore[arg-type]
    assert not route.called


def test_each_version_ships_its_schema() -> None:
    core: Any = None
    v6 = schema_of(open_wire("v6.20220315", core).graphql.client.sdl())
    v8 = schema_of(open_wire("v8.20240915", core).graphql.client.sdl())
    assert "container_count" in v8.get_type("Agent").fields  # type: ignore[union-attr]
    assert "container_count" not in v6.get_type("Agent").fields  # type: ignore[union-attr]


def test_a_validation_error_is_a_graphql_error() -> None:
    with pytest.raises(GraphQLError):
        replace_selection("query A { a { b } }", ("a",), ["id {"])


def test_replace_selection_swaps_the_selection_at_a_path() -> None:
    doc = "query A($x: Int!) { a(x: $x) { items { id b } total_count } }"
    out = replace_selection(doc, ("a", "items"), ["id", "groups { id }"])
    assert "groups {" in out and " b\n" not in out and "total_count" in out
    with pytest.raises(GraphQLValidationError):
        replace_selection(doc, ("a", "items"), ["id {"])


@respx.mock
async def test_async_client_and_v6_documents() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v6.20220315", "manager": "22.3.3"})
    route = respx.post(f"{EP}/admin/gql").respond(json=AGENTS)
    async with AsyncSession(config=cfg()) as session:
        page = await session.Agent.paginated_list()
    assert page.items[0].available_slots == {"cpu": "8"}
    from ai_backend_client._generated.v8_20240915.graphql import models

    assert isinstance(page.items[0], models.AgentListAgentListItems)  # v6 answer, public v8 type
    assert "container_count" not in json.loads(route.calls.last.request.content)["query"]
