"""``backend.ai service`` / ``model`` / ``deployment``: request shapes, output modes, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import respx
from click.testing import CliRunner

from ai_backend_client import types as public
from ai_backend_client.cli.main import cli
from tests.unit._answers import answer

EP = "http://manager.test"
SID = "3f1c9a0e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
PROJECT = "2de2b969-1d04-48a6-af16-0bc8adb3c831"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIATEST")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "secret")


def probe(version: str) -> None:
    respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})


def body(route: respx.Route, i: int = -1) -> Any:
    return json.loads(route.calls[i].request.content)


@respx.mock
def test_service_create_maps_the_official_options() -> None:
    probe("v9.20250722")
    route = respx.post(f"{EP}/services").respond(
        json=answer(
            public.ServeInfoModel,
            endpoint_id=SID,
            name="tiny",
            desired_session_count=1,
            active_routes=[],
            service_endpoint=None,
            is_public=True,
        )
    )
    args = ["--output", "json", "service", "create", "python", "tiny-model", "1", "-t", "tiny"]
    args += ["-r", "cpu=1", "-r", "mem=512m", "-e", "A=1", "--sgroup", "default", "--public"]
    args += ["--model-definition-path", "defs/model.yaml", "-p", "research"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == SID
    sent = body(route)
    assert sent["config"] == {
        "model": "tiny-model",
        "scalingGroup": "default",
        "resources": {"cpu": "1", "mem": "512m"},
        "environ": {"A": "1"},
        "modelMountDestination": "/models",
        "model_definition_path": "defs/model.yaml",
    }
    assert (sent["name"], sent["group"], sent["open_to_public"]) == ("tiny", "research", True)


@respx.mock
def test_service_create_without_a_resource_group_sends_nothing() -> None:
    route = respx.post(f"{EP}/services")
    result = CliRunner().invoke(cli, ["service", "create", "python", "m", "1"])
    assert result.exit_code == 2
    assert "--scaling-group" in result.output
    assert not route.called


@respx.mock
def test_service_generate_token_quiet_prints_only_the_token() -> None:
    probe("v8.20240915")
    respx.post(f"{EP}/services/{SID}/token").respond(json={"token": "tok-123"})
    result = CliRunner().invoke(cli, ["service", "generate-token", "-q", SID, "1h"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "tok-123\n"


@respx.mock
def test_service_on_22_03_is_one_line_naming_the_version_needed() -> None:
    probe("v6.20220315")
    result = CliRunner().invoke(cli, ["service", "scale", SID, "2"])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "services.scale is not available with API v6.20220315" in line
    assert "v8.20240915" in line


@respx.mock
def test_model_create_and_rm() -> None:
    probe("v8.20240915")
    create = respx.post(f"{EP}/folders").respond(
        201, json=answer(public.CreateVFolderResponse, id="ab", name="tiny", host="local:volume1")
    )
    respx.post(f"{EP}/folders/tiny/mkdir").respond(
        201, json={"results": {"success": [{"item": "versions", "msg": ""}], "failed": []}}
    )
    result = CliRunner().invoke(cli, ["model", "create", "tiny", "local:volume1", "-p", "ro"])
    assert result.exit_code == 0, result.output
    assert (body(create)["usage_mode"], body(create)["permission"]) == ("model", "ro")
    result = CliRunner().invoke(cli, ["model", "create", "tiny", "--unmanaged"])
    assert result.exit_code == 2 and "--unmanaged needs HOST" in result.output


def _deployment_node(name: str) -> dict[str, Any]:
    return answer(
        public.DeploymentNode,
        id=SID,
        entity_id=SID,
        metadata=answer(
            public.DeploymentMetadataInfoDTO,
            project_id=PROJECT,
            domain_name="default",
            name=name,
            status="PENDING",
            tags=[],
            resource_group_name="default",
        ),
    )


@respx.mock
def test_deployment_create_reads_the_json_file_and_checks_it_first(tmp_path: Path) -> None:
    probe("v9.20250722")
    route = respx.post(f"{EP}/v2/deployments/").respond(
        201, json={"deployment": _deployment_node("d1")}
    )
    config = {
        "metadata": {
            "project_id": PROJECT,
            "domain_name": "default",
            "resource_group_name": "default",
            "name": "d1",
        },
        "network_access": {"open_to_public": False},
        "default_deployment_strategy": {"type": "ROLLING"},
        "replica_count": 1,
    }
    (tmp_path / "d.json").write_text(json.dumps(config))
    result = CliRunner().invoke(
        cli, ["--output", "json", "deployment", "create", "-f", str(tmp_path / "d.json")]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == SID
    assert body(route)["metadata"]["name"] == "d1"
    assert body(route)["replica_count"] == 1
    del config["replica_count"]
    (tmp_path / "d.json").write_text(json.dumps(config))
    result = CliRunner().invoke(cli, ["deployment", "create", "-f", str(tmp_path / "d.json")])
    assert result.exit_code == 1
    assert "replica_count: Field required" in result.stderr
    assert route.call_count == 1


@respx.mock
def test_deployment_update_list_and_routes_request_shapes() -> None:
    probe("v9.20250722")
    put = respx.put(f"{EP}/v2/deployments/{SID}").respond(
        json={"deployment": _deployment_node("d2")}
    )
    search = respx.post(f"{EP}/v2/deployments/projects/{PROJECT}/search").respond(
        json={
            "items": [_deployment_node("d2")],
            "total_count": 1,
            "has_next_page": False,
            "has_previous_page": False,
        }
    )
    routes = respx.post(f"{EP}/v2/deployments/{SID}/routes/search").respond(
        json={"items": [], "total_count": 0, "has_next_page": False, "has_previous_page": False}
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["deployment", "update", SID, "--replicas", "3"]).exit_code == 0
    assert body(put) == {"replica_count": 3}
    result = runner.invoke(cli, ["deployment", "list", "--project-id", PROJECT, "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert "d2" in result.stdout
    assert body(search) == {"limit": 5, "offset": 0}
    result = runner.invoke(cli, ["--output", "json", "deployment", "route", "list", SID])
    assert json.loads(result.stdout)["items"] == []
    assert body(routes) == {"limit": 20, "offset": 0}
    result = runner.invoke(cli, ["deployment", "update", SID])
    assert result.exit_code == 1 and "nothing to update" in result.stderr


@respx.mock
def test_deployment_on_24_09_is_refused_locally() -> None:
    probe("v8.20240915")
    result = CliRunner().invoke(cli, ["deployment", "info", SID])
    assert result.exit_code == 1
    assert "it needs v9.20250722 and newer" in result.stderr


RULE = {
    "id": "UnVsZTox",
    "row_id": "013705d4-20ac-4f1c-a533-cdc6de502c72",
    "metric_source": "KERNEL",
    "metric_name": "cpu_util",
    "threshold": "50",
    "comparator": "GREATER_THAN",
    "step_size": 1,
    "cooldown_seconds": 60,
    "min_replicas": None,
    "max_replicas": 3,
    "created_at": "2026-12-01T00:00:00+00:00",
    "last_triggered_at": None,
    "endpoint": SID,
}


def _mutation_then_rule(field: str) -> respx.Route:
    """The GraphQL route: the mutation answers the rule's id, the read-back answers the rule."""
    gql = respx.post(f"{EP}/admin/gql")
    mutated = {"data": {field: {"ok": True, "msg": "", "rule": {"id": RULE["id"]}}}}
    gql.side_effect = [
        respx.MockResponse(json=mutated),
        respx.MockResponse(json={"data": {"endpoint_auto_scaling_rule_node": RULE}}),
    ]
    return gql


@respx.mock
def test_auto_scaling_rule_create_sends_the_enums_upper_case_and_reads_the_rule_back() -> None:
    probe("v9.20250722")
    gql = _mutation_then_rule("create_endpoint_auto_scaling_rule_node")
    args = ["--output", "json", "service", "auto-scaling-rule", "create", SID]
    args += ["--metric-source", "kernel", "--metric-name", "cpu_util", "--threshold", "50"]
    args += ["--comparator", "greater_than", "--step-size", "1", "--cooldown-seconds", "60"]
    args += ["--max-replicas", "3"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["item"]["max_replicas"] == 3
    assert body(gql, 0)["variables"] == {
        "endpoint": SID,
        "props": {
            "metric_source": "KERNEL",
            "metric_name": "cpu_util",
            "threshold": "50",
            "comparator": "GREATER_THAN",
            "step_size": 1,
            "cooldown_seconds": 60,
            "max_replicas": 3,
        },
    }
    assert body(gql, 1)["variables"] == {"id": RULE["id"]}


@respx.mock
def test_auto_scaling_rule_update_sends_only_the_given_fields() -> None:
    probe("v9.20250722")
    gql = _mutation_then_rule("modify_endpoint_auto_scaling_rule_node")
    update = ["service", "auto-scaling-rule", "update", RULE["id"]]
    assert CliRunner().invoke(cli, [*update, "--threshold", "70"]).exit_code == 0
    assert body(gql, 0)["variables"] == {"id": RULE["id"], "props": {"threshold": "70"}}


@respx.mock
def test_auto_scaling_rule_update_minus_one_removes_the_limit_as_an_explicit_null() -> None:
    probe("v9.20250722")
    gql = _mutation_then_rule("modify_endpoint_auto_scaling_rule_node")
    update = ["service", "auto-scaling-rule", "update", RULE["id"]]
    result = CliRunner().invoke(cli, [*update, "--min-replicas", "-1", "--max-replicas", "4"])
    assert result.exit_code == 0, result.output
    # null clears the column on the 26.09 manager (TriState.nullify); a left-out field is kept
    assert body(gql, 0)["variables"]["props"] == {"min_replicas": None, "max_replicas": 4}
    refused = CliRunner().invoke(cli, [*update, "--max-replicas", "-2"])
    assert refused.exit_code == 2 and "-1 to remove the restriction" in refused.output
    assert gql.call_count == 2  # the refused one sent nothing


@respx.mock
def test_auto_scaling_rule_create_with_minus_one_sets_no_limit() -> None:
    probe("v9.20250722")
    gql = _mutation_then_rule("create_endpoint_auto_scaling_rule_node")
    args = ["service", "auto-scaling-rule", "create", SID, "--metric-source", "kernel"]
    args += ["--metric-name", "cpu_util", "--threshold", "50", "--comparator", "less_than"]
    args += ["--step-size", "-1", "--cooldown-seconds", "60", "--min-replicas", "-1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "min_replicas" not in body(gql, 0)["variables"]["props"]


@respx.mock
def test_sdk_no_limit_is_sent_as_null_and_none_leaves_the_limit_alone() -> None:
    from ai_backend_client import Session
    from ai_backend_client.types import NO_LIMIT

    probe("v9.20250722")
    gql = _mutation_then_rule("modify_endpoint_auto_scaling_rule_node")
    with Session() as api:
        api.Service.update_auto_scaling_rule(RULE["id"], max_replicas=NO_LIMIT, min_replicas=None)
    assert body(gql, 0)["variables"]["props"] == {"max_replicas": None}


@respx.mock
def test_auto_scaling_rules_on_24_09_are_refused_locally() -> None:
    probe("v8.20240915")
    result = CliRunner().invoke(cli, ["service", "auto-scaling-rule", "get", "x"])
    assert result.exit_code == 1
    assert "v9.20250722" in result.stderr


@respx.mock
def test_deployment_revisions_and_policy_request_shapes() -> None:
    probe("v9.20250722")
    revisions = respx.post(f"{EP}/v2/deployments/{SID}/revisions/search").respond(
        json={"items": [], "total_count": 0, "has_next_page": False, "has_previous_page": False}
    )
    policy = respx.get(f"{EP}/v2/deployments/policies/{SID}").respond(
        json={
            "policy": answer(
                public.DeploymentPolicyNode,
                id=SID,
                field_id=SID,
                deployment_id=SID,
                strategy_spec={
                    "strategy": "ROLLING",
                    "max_surge": {"count": None, "percent": 0.5},
                    "max_unavailable": {"count": None, "percent": 0.0},
                },
            )
        }
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["--output", "json", "deployment", "revision", "list", SID])
    assert result.exit_code == 0, result.output
    assert body(revisions) == {"limit": 20, "offset": 0}
    result = runner.invoke(cli, ["--output", "json", "deployment", "policy", "info", SID])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"][0]["deployment_id"] == SID
    assert policy.called


REV = "5b0e8c1d-2f3a-4b5c-9d6e-7f8091a2b3c4"
ROUTE = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
FOLDER = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"
IMAGE_ID = "1d2e3f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6"


def _policy_node(**fields: Any) -> Any:
    return answer(public.DeploymentPolicyNode, id=SID, field_id=SID, deployment_id=SID, **fields)


@respx.mock
def test_deployment_revision_add_sends_the_official_file_as_the_official_client(
    tmp_path: Path,
) -> None:
    probe("v9.20250722")
    route = respx.post(f"{EP}/deployments/{SID}/revisions").respond(
        201, json={"revision": answer(public.RevisionDTO, id=REV, image_id=IMAGE_ID)}
    )
    revision = {
        "name": "ignored by 26.09",
        "cluster_config": {"mode": "single-node", "size": 1},
        "resource_config": {"resource_slots": {"cpu": "1"}},
        "image": {"id": IMAGE_ID},
        "model_runtime_config": {"runtime_variant": "custom"},
        "model_mount_config": {"vfolder_id": FOLDER, "definition_path": "model-definition.yaml"},
    }
    (tmp_path / "r.json").write_text(
        json.dumps({"revision": revision, "options": {"auto_activate": True}})
    )
    args = ["deployment", "revision", "add", SID, "-f", str(tmp_path / "r.json")]
    result = CliRunner().invoke(cli, ["--output", "json", *args])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["ok"], out["item"]["id"]) == (True, REV)
    sent = body(route)
    del revision["name"]  # 26.09 names no revision
    assert sent == {"revision": revision, "options": {"auto_activate": True}}
    human = CliRunner().invoke(cli, args)
    assert human.exit_code == 0, human.output
    assert f"Revision added: {REV}" in human.output and "Revision ID" in human.output
    (tmp_path / "bad.json").write_text(json.dumps({"revision": {"image": {"id": IMAGE_ID}}}))
    bad = CliRunner().invoke(
        cli, ["deployment", "revision", "add", SID, "-f", str(tmp_path / "bad.json")]
    )
    assert bad.exit_code == 1 and "model_mount_config" in bad.stderr
    assert route.call_count == 2  # the invalid file sent nothing


@respx.mock
def test_deployment_create_with_a_first_revision_goes_the_official_clients_way(
    tmp_path: Path,
) -> None:
    """The official client's initial revision (slots as a mapping, a runtime variant by name)
    goes to the classic ``POST /deployments``; the answer is read back through ``/v2``."""
    probe("v9.20250722")
    v2 = respx.post(f"{EP}/v2/deployments/").respond(500)
    classic = respx.post(f"{EP}/deployments").respond(
        201, json={"deployment": answer(public.DeploymentDTO, id=SID, name="d1")}
    )
    read = respx.get(f"{EP}/v2/deployments/{SID}").respond(json=_deployment_node("d1"))
    revision = {
        "name": "not sent",
        "cluster_config": {"mode": "single-node", "size": 1},
        "resource_config": {"resource_slots": {"cpu": "1", "mem": "1g"}},
        "image": {"id": IMAGE_ID},
        "model_runtime_config": {"runtime_variant": "custom"},
        "model_mount_config": {"vfolder_id": FOLDER, "definition_path": "model-definition.yaml"},
    }
    config = {
        "metadata": {"project_id": PROJECT, "domain_name": "default", "resource_group_name": "rg"},
        "network_access": {"open_to_public": False},
        "default_deployment_strategy": {"type": "ROLLING"},
        "replica_count": 1,
        "initial_revision": revision,
    }
    (tmp_path / "d.json").write_text(json.dumps(config))
    args = ["--output", "json", "deployment", "create", "-f", str(tmp_path / "d.json")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == SID
    sent = body(classic)
    assert sent["initial_revision"]["resource_config"]["resource_slots"] == {
        "cpu": "1",
        "mem": "1g",
    }
    assert sent["initial_revision"]["model_runtime_config"] == {"runtime_variant": "custom"}
    assert "name" not in sent["initial_revision"] and sent["replica_count"] == 1
    assert (v2.call_count, read.call_count) == (0, 1)
    del revision["model_mount_config"]
    (tmp_path / "d.json").write_text(json.dumps(config))
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 1 and "initial_revision.model_mount_config" in bad.stdout
    (tmp_path / "d.json").write_text(json.dumps({**config, "initial_revision": "rev-1"}))
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 1 and "initial_revision" in bad.stdout, bad.output
    assert "Traceback" not in bad.output
    assert classic.call_count == 1  # the invalid files sent nothing


@respx.mock
def test_deployment_revision_activate_and_deactivate_request_shapes() -> None:
    probe("v9.20250722")
    activate = respx.post(f"{EP}/v2/deployments/{SID}/revisions/activate").respond(
        json=answer(
            public.ActivateRevisionPayload,
            deployment=answer(public.DeploymentNode, id=SID),
            previous_revision_id=None,
            activated_revision_id=REV,
            deployment_policy=_policy_node(
                strategy_spec={
                    "strategy": "ROLLING",
                    "max_surge": {"count": 1},
                    "max_unavailable": {"count": 0},
                }
            ),
        )
    )
    deactivate = respx.post(f"{EP}/deployments/{SID}/revisions/{REV}/deactivate").respond(
        json={"success": True}
    )
    result = CliRunner().invoke(
        cli, ["--output", "json", "deployment", "revision", "activate", SID, REV]
    )
    assert result.exit_code == 0, result.output
    assert body(activate) == {"deployment_id": SID, "revision_id": REV}
    assert json.loads(result.stdout) == {
        "ok": True, "msg": f"Revision activated: {REV}", "id": REV, "previous_revision_id": None
    }  # fmt: skip
    result = CliRunner().invoke(cli, ["deployment", "revision", "deactivate", SID, REV])
    assert result.exit_code == 0, result.output
    assert f"Revision deactivated: {REV}" in result.output
    assert deactivate.called and deactivate.calls[0].request.content == b""
    deactivate.respond(json={"success": False})
    refused = CliRunner().invoke(cli, ["deployment", "revision", "deactivate", SID, REV])
    assert refused.exit_code == 1 and "Failed to deactivate revision" in refused.stderr
    bad = CliRunner().invoke(cli, ["deployment", "revision", "activate", SID, "not-an-id"])
    assert bad.exit_code == 1 and "'not-an-id' is not a revision id" in bad.stderr
    assert activate.call_count == 1


@respx.mock
def test_deployment_route_traffic_request_shape_and_its_local_checks() -> None:
    probe("v9.20250722")
    route = respx.post(f"{EP}/v2/deployments/routes/update-traffic").respond(
        json=answer(
            public.DeploymentRouteNode, id=ROUTE, deployment_id=SID, traffic_status="inactive"
        )
    )
    traffic = ["deployment", "route", "traffic", SID, ROUTE]
    result = CliRunner().invoke(cli, ["--output", "json", *traffic, "--deactivate"])
    assert result.exit_code == 0, result.output
    assert body(route) == {"route_id": ROUTE, "traffic_status": "inactive"}
    assert json.loads(result.stdout)["item"]["traffic_status"] == "inactive"
    assert CliRunner().invoke(cli, [*traffic, "--activate"]).exit_code == 0
    assert body(route) == {"route_id": ROUTE, "traffic_status": "active"}
    neither = CliRunner().invoke(cli, traffic)
    assert neither.exit_code == 2 and "--activate or --deactivate" in neither.stderr
    route.respond(json=answer(public.DeploymentRouteNode, id=ROUTE, deployment_id=PROJECT))
    other = CliRunner().invoke(cli, [*traffic, "--activate"])
    assert other.exit_code == 1 and "belongs to another deployment" in other.stderr
    assert route.call_count == 3


@respx.mock
def test_deployment_policy_update_request_shapes_per_strategy() -> None:
    probe("v9.20250722")
    policy = answer(public.DeploymentPolicyDTO, id=SID, deployment_id=SID, strategy="BLUE_GREEN")
    upsert = respx.put(f"{EP}/deployments/{SID}/policy")
    upsert.side_effect = [
        respx.MockResponse(201, json={"deployment_policy": policy, "created": True}),
        respx.MockResponse(200, json={"deployment_policy": policy, "created": False}),
    ]
    update = ["deployment", "policy", "update", SID]
    result = CliRunner().invoke(cli, ["--output", "json", *update, "--strategy", "rolling"])
    assert result.exit_code == 0, result.output
    assert body(upsert) == {
        "strategy": "ROLLING",
        "rolling_update": {"max_surge": 1, "max_unavailable": 0},  # the official defaults
    }
    out = json.loads(result.stdout)
    assert out["created"] is True
    assert (out["msg"], out["item"]["strategy"]) == (
        f"Deployment policy created for: {SID}",
        "BLUE_GREEN",
    )
    args = [*update, "--strategy", "BLUE_GREEN", "--auto-promote", "--promote-delay", "30"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"Deployment policy updated for: {SID}" in result.output
    assert body(upsert) == {
        "strategy": "BLUE_GREEN",
        "blue_green": {"auto_promote": True, "promote_delay_seconds": 30},
    }
    missing = CliRunner().invoke(cli, [*update, "--strategy", "BLUE_GREEN"])
    assert missing.exit_code == 2 and "--promote-delay are required" in missing.stderr
    mixed = CliRunner().invoke(cli, [*update, "--strategy", "ROLLING", "--promote-delay", "3"])
    assert mixed.exit_code == 2
    assert upsert.call_count == 2


@respx.mock
def test_sdk_policy_update_refuses_the_other_strategys_options() -> None:
    from ai_backend_client import Session
    from ai_backend_client.exceptions import BackendClientError

    probe("v9.20250722")
    upsert = respx.put(f"{EP}/deployments/{SID}/policy")
    with Session() as api:
        dep = api.Deployment(SID)
        with pytest.raises(BackendClientError, match="max_surge: not options of the BLUE_GREEN"):
            dep.update_policy("BLUE_GREEN", max_surge=2)
        with pytest.raises(BackendClientError, match="max_unavailable cannot be negative"):
            dep.update_policy("ROLLING", max_unavailable=-1)
    assert not upsert.called


@respx.mock
@pytest.mark.parametrize(
    "args",
    [
        ["deployment", "revision", "activate", SID, REV],
        ["deployment", "revision", "deactivate", SID, REV],
        ["deployment", "route", "traffic", SID, ROUTE, "--activate"],
        ["deployment", "policy", "update", SID, "--strategy", "ROLLING"],
    ],
)
def test_new_deployment_commands_on_24_09_are_refused_locally(args: list[str]) -> None:
    probe("v8.20240915")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "(it needs v9.20250722 and newer)" in result.stderr
    assert len(respx.calls) == 1  # only the version probe
