"""Checks of spec/v9.20250722: the vendored 26.9.6 dump plus overlays must make a usable spec.

The merged document (dump + overlays/*.yaml in file-name order) is what codegen renders, so it
must be valid OpenAPI 3.1, cover every route of the 26.9.6 manager, give every operation a
response (described, or the dump's bare one marked by x-undocumented-response), and keep the
24.09 names wherever an operation exists in both versions.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ._openapi_checks import (
    HTTP_METHODS,
    load_merged,
    local_merge,
    naming_problems,
    openapi_errors,
    operations,
    unresolved_refs,
)

REPO = Path(__file__).resolve().parents[2]
SPEC_DIR = REPO / "spec" / "v9.20250722"
V8_DIR = REPO / "spec" / "v8.20240915"
ROUTES = REPO.parent / "shared" / "reference" / "routes" / "manager-26.9.6-routes.txt"
STORAGE_OPS = {
    "storage.tus_upload_part": ("patch", "/upload"),
    "storage.tus_check_session": ("head", "/upload"),
    "storage.tus_options": ("options", "/upload"),
    "storage.download": ("get", "/download"),
    "storage.download_archive": ("get", "/download-archive"),
}
# The operations the 26.9.6 dump leaves without `security` (not auth_required), plus ours.
UNSIGNED_OPS = {
    "root.hello",
    "server.login",
    "server.logout",
    "auth.authorize",
    "auth.signup",
    "auth.update_password_no_auth",
    "health.hello",
    "health.livez",
    "health.readyz",
    "v2/app-config.public_get_app_configs",
    "admin.handle_gql_strawberry_public",
    "container-registries.harbor_webhook",
    "spec.render_graphiql_strawberry_html",
    *STORAGE_OPS,
}
# Operations described in both versions whose 26.9.6 answer is a different idea than 24.09's,
# so v9 names a different response component (or none: the 26.9.6 route is a refusing stub).
CHANGED_ANSWERS = {
    "folders.rename_vfolder": "24.09: 201 empty; 26.9.6: 200 {msg}",
    "folders.update_vfolder_options": "24.09: 201 empty; 26.9.6: 200 {msg}",
    "folders.move_file": "24.09: {}; 26.9.6: {msg}",
    "folders.rename_file": "24.09: {}; 26.9.6: {msg}",
    "folders.rename_file.2": "24.09: {}; 26.9.6: {msg}",
    "folders.delete_files": "24.09: {}; 26.9.6: {msg}",
    "folders.delete_files.2": "24.09: {}; 26.9.6: {msg}",
    "folders.delete_files.3": "24.09: {}; 26.9.6: {msg}",
    "folders.leave": "24.09: {}; 26.9.6: {msg}",
    "folders.accept_invitation": "24.09: {}; 26.9.6: {msg}",
    "folders.delete_invitation": "24.09: {}; 26.9.6: {msg}",
    "folders.delete_invitation.2": "24.09: {}; 26.9.6: {msg}",
    "folders.change_vfolder_ownership": "24.09: {}; 26.9.6: {msg}",
    "folders.update_quota": "24.09: the storage proxy's answer; 26.9.6: {size_bytes}",
    "auth.update_password": "24.09: {}; 26.9.6: {error_msg}",
    "template/cluster.get": "26.9.6 answers the template document without a wrapper",
    "root.handle_gql_legacy": "24.09: the bare data object; 26.9.6: the {data, errors} envelope",
    "session.restart": "a 501 stub in 26.9.6",
    "session.check_and_transit_status": "a 501 stub in 26.9.6",
    "manager.scheduler_trigger": "a 400 stub in 26.9.6",
    "manager.scheduler_healthcheck": "a 400 stub in 26.9.6",
    "server.logout": "24.09 webserver: 201 empty; 26.09: 200 empty",
}
FEDERATION_DIRECTIVES = """
directive @link(url: String!, as: String, for: String, import: [String]) repeatable on SCHEMA
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @override(from: String!, label: String) on FIELD_DEFINITION
"""


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_merged(SPEC_DIR, "v9.20250722")


@pytest.fixture(scope="module")
def dump() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SPEC_DIR / "openapi.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def v8() -> dict[str, Any]:
    return load_merged(V8_DIR, "v8.20240915")


def _by_route(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }


def _response(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        found: dict[str, Any] = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        return found
    return response


def _successes(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {code: r for code, r in op["responses"].items() if re.fullmatch(r"2\d\d", str(code))}


def _is_described(op: dict[str, Any]) -> bool:
    """A success answer with a body, a $ref'd bodiless one, or response headers."""
    return any("$ref" in r or r.get("content") or r.get("headers") for r in _successes(op).values())


def _success_schema_names(spec: dict[str, Any], op: dict[str, Any]) -> set[str]:
    names = set()
    for response in _successes(op).values():
        if "$ref" in response:
            names.add("responses/" + response["$ref"].rsplit("/", 1)[1])
            continue
        for media in (response.get("content") or {}).values():
            ref = media.get("schema", {}).get("$ref")
            if ref:
                names.add(ref.rsplit("/", 1)[1])
    return names


def test_spec_lock_matches_the_vendored_files() -> None:
    lock = yaml.safe_load((SPEC_DIR / "spec.lock").read_text(encoding="utf-8"))
    paths = set()
    for entry in lock["vendored"]:
        data = (SPEC_DIR / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert entry["origin"] == "backend.ai-manager==26.9.6"
        assert entry["version"] == "26.9.6"
        paths.add(entry["path"])
    assert paths == {"openapi.json", "schema.graphql", "schema-strawberry.graphql"}
    listed = {entry["file"] for entry in lock["overlays"]}
    assert listed == {p.name for p in (SPEC_DIR / "overlays").glob("*.yaml")}


def test_merged_document_is_valid_openapi_31(spec: dict[str, Any]) -> None:
    assert openapi_errors(spec) == []
    assert spec["openapi"].startswith("3.1")


def test_every_route_of_the_manager_is_in_the_spec(spec: dict[str, Any]) -> None:
    routes = {
        (line.split()[0].lower(), line.split()[1])
        for line in ROUTES.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert len(routes) == 756  # the health routes are registered twice (public and internal)
    missing = sorted(routes - set(_by_route(spec)))
    assert missing == []


def test_every_dump_operation_is_kept(spec: dict[str, Any], dump: dict[str, Any]) -> None:
    merged = _by_route(spec)
    assert set(_by_route(dump)) <= set(merged)
    ours = set(merged) - set(_by_route(dump))
    assert ours == {
        ("get", "/"),
        ("post", "/server/login"),
        ("post", "/server/logout"),
        *((method, path) for method, path in STORAGE_OPS.values()),
    }


def test_every_operation_has_id_and_one_tag_and_ids_are_unique(spec: dict[str, Any]) -> None:
    assert naming_problems(spec) == []


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    assert unresolved_refs(spec) == []


def test_security_scheme_is_the_backendai_signature(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert set(schemes) == {"BackendAISignature"}
    assert schemes["BackendAISignature"] | {"description": ""} == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "",
    }
    assert spec["security"] == [{"BackendAISignature": []}]
    for op_id, (_method, _path, op) in operations(spec).items():
        if op_id in UNSIGNED_OPS:
            assert op.get("security") == [], op_id
        else:
            assert op.get("security") == [{"BackendAISignature": []}], op_id


def test_every_operation_has_a_response(spec: dict[str, Any]) -> None:
    """Described, a stream, a refusing stub, or the dump's bare 200 under x-undocumented."""
    assert spec["x-undocumented-response"] == "json"
    undocumented = []
    for op_id, (_method, _path, op) in operations(spec).items():
        if op.get("x-backendai-stream") or _is_described(op):
            continue
        if op.get("deprecated") and not _successes(op):
            # a 26.9.6 stub that always refuses: the refusal is documented
            assert any(str(code)[0] in "45" for code in op["responses"]), op_id
            continue
        assert _successes(op) == {"200": {"description": "Successful response"}}, op_id
        undocumented.append(op_id)
    # most of the 756 are new 26.x operations the SDK does not call yet
    assert 400 < len(undocumented) < 600


def test_operations_described_in_v8_are_described_in_v9(
    spec: dict[str, Any], v8: dict[str, Any]
) -> None:
    v9_routes = _by_route(spec)
    missing = []
    for route, op in _by_route(v8).items():
        if not _is_described(op) or op.get("deprecated"):
            continue
        if route not in v9_routes:
            continue  # gone in 26.9.6 (the 24.09 GET download stubs)
        v9_op = v9_routes[route]
        if not (_is_described(v9_op) or v9_op.get("x-backendai-stream") or v9_op.get("deprecated")):
            missing.append(op["operationId"])
    assert missing == []


def test_same_route_same_operation_id_and_response_names_as_v8(
    spec: dict[str, Any], v8: dict[str, Any]
) -> None:
    v9_routes = _by_route(spec)
    for route, op in _by_route(v8).items():
        if route not in v9_routes:
            continue
        v9_op = v9_routes[route]
        assert v9_op["operationId"] == op["operationId"], route
        assert v9_op["tags"] == op["tags"], route
        if op["operationId"] in CHANGED_ANSWERS or not _is_described(op):
            continue
        assert _success_schema_names(spec, v9_op) == _success_schema_names(v8, op), route


def test_renames_are_listed_and_applied(spec: dict[str, Any], dump: dict[str, Any]) -> None:
    lock = yaml.safe_load((SPEC_DIR / "spec.lock").read_text(encoding="utf-8"))
    dumped, merged = _by_route(dump), _by_route(spec)
    renamed = {
        route: (dumped[route]["operationId"], op["operationId"])
        for route, op in merged.items()
        if route in dumped and dumped[route]["operationId"] != op["operationId"]
    }
    listed = {(r["method"], r["path"]): (r["dump"], r["kept"]) for r in lock["renames"]}
    assert renamed == listed
    assert merged[("get", "/logs/error")]["tags"] == ["logs/error"]
    assert merged[("post", "/admin/gql")]["tags"] == ["root"]


def test_stream_operations_are_marked(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    marked = {
        op_id: op["x-backendai-stream"]
        for op_id, (_m, _p, op) in ops.items()
        if "x-backendai-stream" in op
    }
    assert marked == {
        "events.push_session_events": "sse",
        "events.push_background_task_events": "sse",
        "stream.stream_pty": "websocket",
        "stream.stream_execute": "websocket",
        "stream.stream_proxy": "websocket",
        "stream.stream_proxy.2": "websocket",
        "admin.handle": "websocket",
    }


def test_storage_proxy_operations(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    for op_id, (method, path) in STORAGE_OPS.items():
        got_method, got_path, op = ops[op_id]
        assert (got_method, got_path) == (method, path)
        assert op["tags"] == ["storage"]
        assert op["security"] == []
        (server,) = op["servers"]
        assert server["url"] == "{storage_proxy_url}"
    upload = ops["storage.tus_upload_part"][2]
    assert list(upload["requestBody"]["content"]) == ["application/offset+octet-stream"]


def test_known_26_09_differences(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["VFolderFileItem"]["properties"]["mode"]["type"] == "integer"
    assert schemas["VFolderPermissionField"]["enum"] == ["none", "ro", "rw", "wd"]
    ops = operations(spec)
    upload = ops["session.upload_files"][2]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    # 26.9.6 reads the session list_files path from the query (24.09 from a JSON body)
    list_files = ops["session.list_files"][2]
    assert "requestBody" not in list_files
    assert any(p["name"] == "path" and p["in"] == "query" for p in list_files["parameters"])
    creation = schemas["CreateFromParamsRequest"]["properties"]["config"]
    assert creation["$ref"] == "#/components/schemas/SessionCreationConfig"
    assert "type" not in creation
    for status in ("201",):
        assert status in ops["session.create_from_params"][2]["responses"]
    assert "200" not in ops["session.create_from_params"][2]["responses"]


def test_password_fields_are_marked(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]

    def formats(schema: dict[str, Any]) -> set[str]:
        found = {schema.get("format", "")}
        for member in schema.get("anyOf", []):
            found |= formats(member)
        return found

    for name, schema in schemas.items():
        if (
            not name.endswith(("Request", "Input", "InputDTO", "RequestModel"))
            and name != "SMTPAuth"
        ):
            continue
        for prop, value in (schema.get("properties") or {}).items():
            if prop in {
                "password",
                "secret_key",
                "current_password",
                "new_password",
                "new_password2",
                "old_password",
                "privkey",
            }:
                assert "password" in formats(value), (name, prop)


def test_every_operation_gets_a_typed_method(spec: dict[str, Any]) -> None:
    build = pytest.importorskip("codegen.operations").build_api
    api = build("v9.20250722", "v9_20250722", spec, source="spec/v9.20250722")
    methods = {op.operation_id: op for tag in api.tags for op in tag.operations}
    streams = {s.operation_id for s in api.streams}
    assert set(methods) | streams == set(operations(spec))
    assert methods["folders.list_files"].response_model == "models.ListVFolderFilesResponse"
    assert methods["session.download_files"].response_kind == "binary"
    assert methods["export.export_users_csv"].response_kind == "binary"
    assert {t.attribute for t in api.tags} >= {"v2_deployments", "logs_error", "template_session"}


def test_graphql_schemas_parse() -> None:
    from graphql import build_schema, parse
    from graphql.language import ObjectTypeExtensionNode

    graphene = (SPEC_DIR / "schema.graphql").read_text(encoding="utf-8")
    schema = build_schema(FEDERATION_DIRECTIVES + graphene)
    assert schema.query_type is not None and "compute_session_list" in schema.query_type.fields
    assert schema.mutation_type is not None
    # the strawberry schema is a subgraph: every type it extends is one of schema.graphql
    strawberry = parse((SPEC_DIR / "schema-strawberry.graphql").read_text(encoding="utf-8"))
    extended = {
        d.name.value for d in strawberry.definitions if isinstance(d, ObjectTypeExtensionNode)
    }
    assert extended and extended <= set(schema.type_map)


def test_local_merge_agrees_with_codegen() -> None:
    codegen_spec = pytest.importorskip("codegen.spec")
    version = codegen_spec.SpecVersion("v9.20250722", SPEC_DIR)
    assert codegen_spec.load_document(version, validate=False) == local_merge(SPEC_DIR)
