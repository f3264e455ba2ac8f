"""Function classes over GraphQL and REST: requests they send, pagination, fields=, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from ai_backend_client import APIConfig, Session
from ai_backend_client._graphql import GraphQLPermissionError
from ai_backend_client.exceptions import BackendClientError, GraphQLError, NotFoundError

EP = "http://127.0.0.1:8091"


def _session(version: str = "v8.20240915") -> Session:
    respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    return Session(
        config=APIConfig(
            endpoint=EP,
            access_key="AKIAIOSFODNN7EXAMPLE",
            secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
    )


def _sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    return json.loads(route.calls[index].request.content)  # type: ignore[no-any-return]


def _agents(ids: list[str], total: int) -> dict[str, Any]:
    return {"data": {"agent_list": {"items": [{"id": i} for i in ids], "total_count": total}}}


@respx.mock
def test_iter_all_pages_lazily_with_a_bounded_page_size() -> None:
    route = respx.post(f"{EP}/admin/gql")
    route.side_effect = [
        respx.MockResponse(json=_agents(["a", "b"], 3)),
        respx.MockResponse(json=_agents(["c"], 3)),
    ]
    with _session() as session:
        assert [a.id for a in session.Agent.iter_all(page_size=2)] == ["a", "b", "c"]
        assert [_sent(route, i)["variables"]["offset"] for i in (0, 1)] == [0, 2]
        with pytest.raises(BackendClientError, match="page_size"):
            session.Agent.paginated_list(page_size=101)


@respx.mock
def test_fields_replace_the_selection_and_are_validated() -> None:
    route = respx.post(f"{EP}/admin/gql").respond(json=_agents(["a"], 1))
    with _session() as session:
        page = session.Agent.paginated_list(fields=["id", "hardware_metadata"])
        assert page.items[0].id == "a"
        assert "hardware_metadata" in _sent(route)["query"]
        assert "occupied_slots" not in _sent(route)["query"]
        with pytest.raises(Exception, match="no_such_field"):
            session.Agent.paginated_list(fields=["no_such_field"])
    assert route.call_count == 1


@respx.mock
def test_keypair_mutations_send_only_given_props_and_raise_on_ok_false() -> None:
    route = respx.post(f"{EP}/admin/gql")
    route.side_effect = [
        respx.MockResponse(json={"data": {"modify_keypair": {"ok": True, "msg": "success"}}}),
        respx.MockResponse(
            json={"data": {"delete_keypair": {"ok": False, "msg": "no permission to execute"}}}
        ),
        respx.MockResponse(json={"data": {"delete_keypair": {"ok": False, "msg": "no such"}}}),
    ]
    with _session() as session:
        session.KeyPair.deactivate("AK1")
        assert _sent(route, 0)["variables"] == {"access_key": "AK1", "props": {"is_active": False}}
        with pytest.raises(GraphQLPermissionError):
            session.KeyPair.delete("AK1")
        with pytest.raises(GraphQLError, match="no such"):
            session.KeyPair.delete("AK1")


@respx.mock
def test_scaling_group_create_encodes_json_string_inputs() -> None:
    route = respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"create_scaling_group": {"ok": True, "msg": "", "scaling_group": None}}}
    )
    with _session() as session:
        session.ScalingGroup.create("sg", driver_opts={"a": "b"})
    props = _sent(route)["variables"]["props"]
    assert props["driver_opts"] == '{"a": "b"}' and props["scheduler"] == "fifo"


@respx.mock
def test_domain_with_slots_on_26_09_is_created_then_given_its_slots() -> None:
    """26.9.6 fails to create a domain with resource slots or host permissions, but sets them
    on modify."""
    route = respx.post(f"{EP}/admin/gql")
    created = {"create_domain": {"ok": True, "msg": "", "domain": {"name": "d1"}}}
    route.side_effect = [
        respx.MockResponse(json={"data": created}),
        respx.MockResponse(json={"data": {"modify_domain": {"ok": True, "msg": ""}}}),
        respx.MockResponse(json={"data": created}),
        respx.MockResponse(json={"data": {"modify_domain": {"ok": False, "msg": "denied"}}}),
    ]
    hosts = {"local:volume1": ["mount-in-session"]}
    with _session("v9.20250722") as session:
        session.Domain.create("d1", total_resource_slots={"cpu": "4"}, allowed_vfolder_hosts=hosts)
        create, modify = _sent(route, 0)["variables"], _sent(route, 1)["variables"]
        assert json.loads(create["props"]["total_resource_slots"]) == {}
        assert "allowed_vfolder_hosts" not in create["props"]
        assert modify["name"] == "d1"
        assert json.loads(modify["props"]["total_resource_slots"]) == {"cpu": "4"}
        assert json.loads(modify["props"]["allowed_vfolder_hosts"]) == hosts
        with pytest.raises(BackendClientError, match="'d1' was created, but setting its"):
            session.Domain.create("d1", total_resource_slots={"cpu": "4"})
    with _session() as session:  # 24.09 takes them at once
        route.side_effect = [respx.MockResponse(json={"data": created})]
        session.Domain.create("d1", total_resource_slots={"cpu": "4"})
        assert json.loads(_sent(route)["variables"]["props"]["total_resource_slots"]) == {
            "cpu": "4"
        }


@respx.mock
def test_missing_objects_raise_not_found() -> None:
    respx.post(f"{EP}/admin/gql").respond(json={"data": {"agent": None}})
    with _session() as session, pytest.raises(NotFoundError):
        session.Agent.detail("nope")


@respx.mock
def test_manager_freeze_sends_what_the_server_validates() -> None:
    route = respx.put(f"{EP}/manager/status").respond(204)
    with _session() as session:
        session.Manager.freeze()
        session.Manager.unfreeze()
    assert _sent(route, 0) == {"status": "frozen", "force_kill": False}
    assert _sent(route, 1) == {"status": "running", "force_kill": False}
