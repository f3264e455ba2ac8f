"""Service and Model: request shapes per API version, typed answers, local refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from ai_backend_client import types as public
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import BackendAPIVersionError, BackendClientError, NotFoundError
from ai_backend_client.session import Session
from tests.unit._answers import answer

EP = "http://manager.test"
SID = "3f1c9a0e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
RID = "9e8d7c6b-5a49-4382-9716-05f4e3d2c1b0"
MODEL_ID = "0123456789abcdef0123456789abcdef"


def session(version: str) -> Session:
    respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    return Session(
        config=APIConfig(endpoint=EP, access_key="AKIATEST", secret_key="s"), max_retries=0
    )


def body(route: respx.Route, i: int = -1) -> Any:
    return json.loads(route.calls[i].request.content)


def serve_info(**given: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "endpoint_id": SID,
        "model_id": "01234567-89ab-cdef-0123-456789abcdef",
        "name": "tiny",
        "desired_session_count": 1,
        "active_routes": [],
        "service_endpoint": None,
        "is_public": False,
    }
    return answer(public.ServeInfoModel, **{**fields, **given})


@pytest.mark.parametrize(
    ("version", "resource_group_key"),
    [("v8.20240915", "scaling_group"), ("v9.20250722", "scalingGroup")],
)
@respx.mock
def test_create_sends_each_versions_body(version: str, resource_group_key: str) -> None:
    route = respx.post(f"{EP}/services").respond(json=serve_info())
    with session(version) as s:
        created = s.Service.create(
            "python",
            "tiny-model",
            2,
            name="tiny",
            scaling_group="default",
            resources={"cpu": 1, "mem": "512m"},
            envs={"A": "1"},
            startup_command="python3 serve.py",
            expose_to_public=True,
        )
    assert str(created.endpoint_id) == SID
    sent = body(route)
    # v9's dump names the resource group scalingGroup, v8's scaling_group; each is sent its own
    assert sent["config"] == {
        "model": "tiny-model",
        resource_group_key: "default",
        "resources": {"cpu": 1, "mem": "512m"},
        "environ": {"A": "1"},
    }
    assert sent["name"] == "tiny"
    assert sent["desired_session_count"] == 2
    assert sent["image"] == "python"
    assert sent.get("startupCommand", sent.get("startup_command")) == "python3 serve.py"
    assert sent["open_to_public"] is True
    assert sent["runtime_variant"] == "custom"


@respx.mock
def test_create_refuses_locally_without_a_resource_group_or_with_an_unknown_option() -> None:
    with session("v8.20240915") as s:
        with pytest.raises(BackendClientError, match="resource group"):
            s.Service.create("python", "m", 1)
        with pytest.raises(BackendClientError, match="unknown service options: colour"):
            s.Service.create("python", "m", 1, scaling_group="default", colour="red")  # type: ignore[call-arg]


@respx.mock
def test_a_name_is_resolved_once_then_the_id_is_used() -> None:
    listing = respx.get(f"{EP}/services").respond(
        json=[
            answer(
                public.CompactServeInfoModel,
                id=SID,
                name="tiny",
                desired_session_count=1,
                active_route_count=0,
                service_endpoint=None,
                is_public=False,
            )
        ]
    )
    scale = respx.post(f"{EP}/services/{SID}/scale").respond(
        json={"current_route_count": 1, "target_count": 3}
    )
    token = respx.post(f"{EP}/services/{SID}/token").respond(json={"token": "tok"})
    with session("v8.20240915") as s:
        svc = s.Service("tiny")
        assert svc.scale(3).target_count == 3
        assert svc.generate_api_token("1h").token == "tok"
        with pytest.raises(BackendClientError, match="cannot be scaled to -1"):
            svc.scale(-1)
    assert listing.call_count == 1
    assert body(listing) == {"name": "tiny"}  # 24.09 reads a GET's JSON body, as its dump says
    assert body(scale) == {"to": 3}
    assert body(token) == {"duration": "1h"}


@respx.mock
def test_an_unknown_name_is_not_found() -> None:
    listing = respx.get(f"{EP}/services").respond(json=[])
    gql = respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"endpoint_list": {"items": [], "total_count": 0}}}
    )
    with session("v9.20250722") as s, pytest.raises(NotFoundError, match="no model service nope"):
        s.Service("nope").info()
    assert listing.calls[0].request.url.params["name"] == "nope"  # 26.09: in the query
    # 26.09's REST list omits services still deploying: GraphQL is asked next
    assert body(gql)["variables"]["filter"] == 'name == "nope"'


@respx.mock
def test_a_deploying_service_is_found_by_name_through_graphql() -> None:
    respx.get(f"{EP}/services").respond(json=[])
    item = {
        "endpoint_id": SID,
        "name": "tiny",
        "status": "DEGRADED",
        "lifecycle_stage": "EndpointLifecycle.DEPLOYING",
        "url": "",
        "model": None,
        "desired_session_count": 1,
        "open_to_public": False,
        "resource_group": "default",
        "created_at": "2026-12-01T00:00:00+00:00",
        "routings": [],
    }
    gone = {**item, "endpoint_id": RID, "lifecycle_stage": "EndpointLifecycle.DESTROYED"}
    respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"endpoint_list": {"items": [item, gone], "total_count": 2}}}
    )
    respx.post(f"{EP}/services/{SID}/scale").respond(
        json={"current_route_count": 0, "target_count": 2}
    )
    with session("v9.20250722") as s:
        assert s.Service("tiny").scale(2).target_count == 2


@respx.mock
def test_routes_come_from_graphql_with_every_status() -> None:
    gql = respx.post(f"{EP}/admin/gql").respond(
        json={
            "data": {
                "endpoint": {
                    "endpoint_id": SID,
                    "name": "tiny",
                    "status": "PROVISIONING",
                    "lifecycle_stage": "CREATED",
                    "url": None,
                    "model": "01234567-89ab-cdef-0123-456789abcdef",
                    "model_definition_path": "model-definition.yaml",
                    "model_mount_destination": "/models",
                    "resource_group": "default",
                    "desired_session_count": 1,
                    "open_to_public": False,
                    "created_at": "2026-12-01T00:00:00+00:00",
                    "destroyed_at": None,
                    "retries": 0,
                    "routings": [
                        {
                            "routing_id": RID,
                            "session": SID,
                            "status": "PROVISIONING",
                            "traffic_ratio": 1.0,
                            "created_at": "2026-12-01T00:00:00+00:00",
                            "error_data": None,
                        }
                    ],
                }
            }
        }
    )
    with session("v8.20240915") as s:
        (route,) = s.Service(SID).routes()
    assert route.status == "PROVISIONING"
    assert str(route.routing_id) == RID
    sent = body(gql)
    assert sent["variables"] == {"endpoint_id": SID}
    assert "endpoint(endpoint_id: $endpoint_id)" in sent["query"]


@respx.mock
def test_route_calls_and_errors_use_the_ids() -> None:
    put = respx.put(f"{EP}/services/{SID}/routings/{RID}").respond(json={"success": True})
    delete = respx.delete(f"{EP}/services/{SID}/routings/{RID}").respond(json={"success": True})
    errors = respx.get(f"{EP}/services/{SID}/errors").respond(json={"errors": [], "retries": 2})
    with session("v9.20250722") as s:
        svc = s.Service(SID)
        assert svc.update_traffic_ratio(RID, 0.5).success
        assert svc.downscale_single_route(RID).success
        assert svc.errors().retries == 2
    assert body(put) == {"traffic_ratio": 0.5}
    assert delete.called and errors.called


@respx.mock
def test_a_22_03_server_has_no_model_services() -> None:
    with session("v6.20220315") as s:
        with pytest.raises(BackendAPIVersionError, match=r"v8\.20240915"):
            s.Service.list()
        with pytest.raises(BackendAPIVersionError, match=r"v8\.20240915"):
            s.Service(SID).routes()


@respx.mock
def test_get_endpoint_is_the_info_url() -> None:
    respx.get(f"{EP}/services/{SID}").respond(
        json=serve_info(service_endpoint="http://127.0.0.1:5050/")
    )
    with session("v8.20240915") as s:
        assert s.Service(SID).get_endpoint() == "http://127.0.0.1:5050/"


@respx.mock
def test_model_create_makes_a_model_folder_with_a_versions_directory() -> None:
    create = respx.post(f"{EP}/folders").respond(
        201,
        json=answer(public.CreateVFolderResponse, id=MODEL_ID, name="tiny", host="local:volume1"),
    )
    mkdir = respx.post(f"{EP}/folders/tiny/mkdir").respond(
        201, json={"results": {"success": [{"item": "versions", "msg": ""}], "failed": []}}
    )
    with session("v8.20240915") as s:
        s.Model.create("tiny", host="local:volume1")
    assert body(create)["usage_mode"] == "model"
    assert body(create)["name"] == "tiny"
    sent = body(mkdir)
    assert sent["path"] in ("versions", ["versions"])
    assert sent["exist_ok"] is True


@respx.mock
def test_model_list_keeps_only_model_folders_and_paginated_list_composes_the_filter() -> None:
    respx.get(f"{EP}/folders").respond(
        json=[
            answer(public.VFolderListItem, name="tiny", id=MODEL_ID, usage_mode="model"),
            answer(public.VFolderListItem, name="data", id=MODEL_ID, usage_mode="general"),
        ]
    )
    gql = respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"vfolder_list": {"items": [], "total_count": 0}}}
    )
    with session("v9.20250722") as s:
        assert [f.name for f in s.Model.list()] == ["tiny"]
        s.Model.paginated_list(filter='name == "tiny"')
    assert body(gql)["variables"]["filter"] == '(name == "tiny") & (usage_mode == "model")'


@respx.mock
def test_model_info_lists_versions_and_tolerates_a_folder_without_them() -> None:
    info = answer(public.VFolderInfo, name="tiny", id=MODEL_ID, usage_mode="model")
    respx.get(f"{EP}/folders/tiny").respond(json=info)
    files = respx.get(f"{EP}/folders/tiny/files")
    files.side_effect = [
        respx.MockResponse(
            json={
                "items": [
                    answer(public.VFolderFileItem, name="1", type="DIRECTORY"),
                    answer(public.VFolderFileItem, name="2", type="DIRECTORY"),
                    answer(public.VFolderFileItem, name="README", type="FILE"),
                ]
            }
        ),
        respx.MockResponse(
            400,
            json={"type": "https://api.backend.ai/probs/vfolder-operation-failed", "title": "x"},
        ),
    ]
    with session("v9.20250722") as s:
        assert s.Model("tiny").info().versions == ["2", "1"]
        assert s.Model("tiny").info().versions == []
    assert files.calls[0].request.url.params["path"] == "versions"
