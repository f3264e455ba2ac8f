"""Checks of spec/v8.20240915: the vendored 24.09.6 dump plus overlays must make a usable spec.

The merged document (dump + overlays/*.yaml in file-name order) is what codegen renders, so it
must be valid OpenAPI 3.1 and cover every operation the SDK calls with a typed success answer.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ._openapi_checks import (
    load_merged,
    local_merge,
    naming_problems,
    openapi_errors,
    unresolved_refs,
)
from ._openapi_checks import operations as _operations

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec" / "v8.20240915"
STORAGE_OPS = {
    "storage.tus_upload_part": ("patch", "/upload"),
    "storage.tus_check_session": ("head", "/upload"),
    "storage.tus_options": ("options", "/upload"),
    "storage.download": ("get", "/download"),
}
# operationIds the seed API and CLI call over v8 (REST); each needs a typed 2xx answer, or is
# binary / 204 / a stream by design.
SDK_OPERATIONS = [
    "root.hello",
    "root.handle_gql",
    "server.login",
    "server.logout",
    "auth.authorize",
    "auth.signup",
    "auth.update_password",
    "auth.update_password_no_auth",
    "auth.update_full_name",
    "auth.get_role",
    "auth.get_ssh_keypair",
    "auth.generate_ssh_keypair",
    "auth.upload_ssh_keypair",
    "session.create_from_params",
    "session.create_from_template",
    "session.create_cluster",
    "session.get_info",
    "session.destroy",
    "session.restart",
    "session.rename_session",
    "session.interrupt",
    "session.complete",
    "session.execute",
    "session.get_container_logs",
    "session.list_files",
    "session.upload_files",
    "session.download_files",
    "session.download_single",
    "session.get_task_logs.2",
    "session.match_sessions",
    "session.get_direct_access_info",
    "session.start_service",
    "session.shutdown_service",
    "session.get_dependency_graph",
    "stream.get_stream_apps",
    "stream.stream_execute",
    "stream.stream_pty",
    "stream.stream_proxy.2",
    "events.push_session_events",
    "events.push_background_task_events",
    "folders.create",
    "folders.list_folders",
    "folders.delete_by_id",
    "folders.get_info",
    "folders.delete_by_name",
    "folders.rename_vfolder",
    "folders.update_vfolder_options",
    "folders.mkdir",
    "folders.create_upload_session",
    "folders.create_download_session",
    "folders.move_file",
    "folders.rename_file",
    "folders.delete_files",
    "folders.list_files",
    "folders.invite",
    "folders.invitations",
    "folders.accept_invitation",
    "folders.delete_invitation",
    "folders.list_sent_invitations",
    "folders.update_invitation",
    "folders.share",
    "folders.unshare",
    "folders.leave",
    "folders.clone",
    "folders.list_hosts",
    "folders.list_all_hosts",
    "folders.list_allowed_types",
    "folders.get_fstab_contents",
    "folders.list_mounts",
    "folders.mount_host",
    "folders.umount_host",
    "folders.get_volume_perf_metric",
    "folders.get_vfolder_id",
    "folders.list_shared_vfolders",
    "folders.update_shared_vfolder",
    "folders.get_quota",
    "folders.update_quota",
    "folders.get_usage",
    "user-config.create",
    "user-config.list_or_get",
    "user-config.update",
    "user-config.delete",
    "user-config.get_bootstrap_script",
    "user-config.update_bootstrap_script",
    "group-config.create",
    "group-config.list_or_get",
    "group-config.update",
    "group-config.delete",
    "domain-config.create",
    "domain-config.list_or_get",
    "domain-config.update",
    "domain-config.delete",
    "template/session.create",
    "template/session.list_template",
    "template/session.get",
    "template/session.put",
    "template/session.delete",
    "resource.list_presets",
    "resource.check_presets",
    "resource.recalculate_usage",
    "resource.usage_per_month",
    "resource.usage_per_period",
    "resource.user_month_stats",
    "resource.admin_month_stats",
    "resource.get_watcher_status",
    "resource.watcher_agent_start",
    "resource.watcher_agent_stop",
    "resource.watcher_agent_restart",
    "config.get_resource_slots",
    "config.get_vfolder_types",
    "config.get_docker_registries",
    "config.get_config",
    "config.set_config",
    "config.delete_config",
    "manager.fetch_manager_status",
    "manager.update_manager_status",
    "manager.get_announcement",
    "manager.update_announcement",
    "manager.perform_scheduler_ops",
    "logs/error.list_logs",
    "logs/error.append",
    "logs/error.mark_cleared",
    "scaling-groups.list_available_sgroups",
    "scaling-groups.get_wsproxy_version",
    *STORAGE_OPS,
]
UNSIGNED_OPS = {
    "root.hello",
    "auth.authorize",
    "auth.signup",
    "auth.update_password_no_auth",
    "server.login",
    "server.logout",
    *STORAGE_OPS,
}
BINARY_MEDIA = {"application/octet-stream", "text/plain", "multipart/mixed"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_merged(SPEC_DIR, "v8.20240915")


def test_merged_document_is_valid_openapi_31(spec: dict[str, Any]) -> None:
    assert openapi_errors(spec) == []
    assert spec["openapi"].startswith("3.1")


def test_every_operation_has_id_and_one_tag_and_ids_are_unique(spec: dict[str, Any]) -> None:
    assert naming_problems(spec) == []


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    assert unresolved_refs(spec) == []


def test_security_scheme_is_the_backendai_signature(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert set(schemes) == {"BackendAISignature"}
    assert schemes["BackendAISignature"]["type"] == "apiKey"
    assert schemes["BackendAISignature"]["in"] == "header"
    assert schemes["BackendAISignature"]["name"] == "Authorization"
    assert spec["security"] == [{"BackendAISignature": []}]
    for op_id, (_method, _path, op) in _operations(spec).items():
        if op_id in UNSIGNED_OPS:
            assert op.get("security") == [], op_id
        elif "security" in op:
            assert op["security"] == [{"BackendAISignature": []}], op_id


@pytest.mark.parametrize("op_id", SDK_OPERATIONS)
def test_sdk_operation_has_a_typed_success_answer(spec: dict[str, Any], op_id: str) -> None:
    operations = _operations(spec)
    assert op_id in operations, f"{op_id} missing from the merged spec"
    _method, _path, op = operations[op_id]
    if op.get("x-backendai-stream") in {"sse", "websocket"}:
        return
    successes = {code: r for code, r in op["responses"].items() if re.fullmatch(r"2\d\d", code)}
    assert successes, f"{op_id} has no 2xx response"
    for code, response in successes.items():
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        content = response.get("content")
        if not content:
            # Body-less by design: 204, 201 with an empty body, or headers-only (HEAD, tus).
            assert (
                code in {"201", "204"} or op_id in STORAGE_OPS or op_id == "session.get_task_logs"
            ), op_id
            continue
        for media, media_obj in content.items():
            if media in BINARY_MEDIA or media.startswith("application/offset"):
                continue
            assert media.endswith("json"), (op_id, media)
            assert "schema" in media_obj, (op_id, code)
            schema = media_obj["schema"]
            assert "$ref" in schema, f"{op_id} {code}: response schemas are named components"


def test_stream_operations_are_marked(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    assert operations["events.push_session_events"][2]["x-backendai-stream"] == "sse"
    assert operations["events.push_background_task_events"][2]["x-backendai-stream"] == "sse"
    for op_id in (
        "stream.stream_execute",
        "stream.stream_pty",
        "stream.stream_proxy",
        "stream.stream_proxy.2",
    ):
        assert operations[op_id][2]["x-backendai-stream"] == "websocket"
    assert "x-backendai-stream" not in operations["stream.get_stream_apps"][2]


def test_storage_proxy_operations(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    for op_id, (method, path) in STORAGE_OPS.items():
        got_method, got_path, op = operations[op_id]
        assert (got_method, got_path) == (method, path)
        assert op["tags"] == ["storage"]
        assert op["security"] == []
        (server,) = op["servers"]
        assert server["url"] == "{storage_proxy_url}"
        assert "default" in server["variables"]["storage_proxy_url"]
    upload = operations["storage.tus_upload_part"][2]
    assert list(upload["requestBody"]["content"]) == ["application/offset+octet-stream"]
    names = set()
    for param in upload["parameters"]:
        if "$ref" in param:
            param = spec["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
        names.add((param["in"], param["name"]))
    assert {("query", "token"), ("header", "Upload-Offset"), ("header", "Tus-Resumable")} <= names


def test_fixed_paths_and_placements(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    assert operations["root.handle_gql"][:2] == ("post", "/admin/gql")
    assert operations["root.handle_gql_legacy"][:2] == ("post", "/admin/graphql")
    assert operations["root.hello"][:2] == ("get", "/")
    assert operations["session.download_files"][:2] == ("post", "/session/{session_name}/download")
    for op_id in ("folders.get_vfolder_id", "session.get_container_logs", "session.get_task_logs"):
        assert "requestBody" not in operations[op_id][2], op_id
    assert "requestBody" in operations["session.execute"][2]
    # 24.09 parses this GET's body itself; a query string is rejected (seen on a live 24.09.6).
    assert "application/json" in operations["session.list_files"][2]["requestBody"]["content"]
    assert "multipart/form-data" in operations["session.upload_files"][2]["requestBody"]["content"]


def test_graphql_schema_parses() -> None:
    from graphql import build_schema

    schema = build_schema((SPEC_DIR / "schema.graphql").read_text(encoding="utf-8"))
    assert schema.query_type is not None and "compute_session_list" in schema.query_type.fields
    assert schema.mutation_type is not None


def test_local_merge_agrees_with_codegen() -> None:
    codegen_spec = pytest.importorskip("codegen.spec")
    version = codegen_spec.SpecVersion("v8.20240915", SPEC_DIR)
    assert codegen_spec.load_document(version, validate=False) == local_merge(SPEC_DIR)


def test_spec_lock_matches_the_vendored_files() -> None:
    lock = yaml.safe_load((SPEC_DIR / "spec.lock").read_text(encoding="utf-8"))
    paths = set()
    for entry in lock["vendored"]:
        data = (SPEC_DIR / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert entry["origin"] == "backend.ai-manager==24.9.6"
        paths.add(entry["path"])
    assert paths == {"openapi.json", "schema.graphql"}
    listed = {entry["file"] for entry in lock["overlays"]}
    assert listed == {p.name for p in (SPEC_DIR / "overlays").glob("*.yaml")}
