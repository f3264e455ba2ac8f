"""Checks of the hand-written v6.20220315 spec and its vendored GraphQL schema."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
import yaml

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec" / "v6.20220315"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TAGS = {
    "root", "auth", "server", "session", "stream", "events", "template/session",
    "template/cluster", "folders", "user-config", "group-config", "domain-config", "resource",
    "config", "image", "manager", "logs/error", "scaling-groups", "storage",
}  # fmt: skip

# (method, path) of every operation the catalogue lists (sections 1.6, 1.7, 2, 3.x, 4.1, 5, 6)
# plus the REST alias routes of the 22.03.14 route table.
CATALOGUE_OPERATIONS = {
    # 2, 3.1, 4.1
    ("GET", "/"), ("POST", "/admin/gql"), ("POST", "/admin/graphql"),
    # 1.7, 3.2
    ("GET", "/auth"), ("POST", "/auth"), ("GET", "/auth/test"), ("POST", "/auth/test"),
    ("POST", "/auth/authorize"), ("GET", "/auth/role"), ("POST", "/auth/signup"),
    ("POST", "/auth/signout"), ("POST", "/auth/update-password"),
    ("POST", "/auth/update-full-name"), ("GET", "/auth/ssh-keypair"),
    ("PATCH", "/auth/ssh-keypair"),
    # 1.6
    ("POST", "/server/login"), ("POST", "/server/logout"),
    # 3.3
    ("POST", "/session"), ("POST", "/session/_/create"),
    ("POST", "/session/_/create-from-template"), ("POST", "/session/_/create-cluster"),
    ("GET", "/session/_/match"), ("GET", "/session/_/logs"), ("HEAD", "/session/_/logs"),
    ("GET", "/session/{session_name}"), ("PATCH", "/session/{session_name}"),
    ("DELETE", "/session/{session_name}"), ("POST", "/session/{session_name}"),
    ("POST", "/session/{session_name}/rename"), ("POST", "/session/{session_name}/interrupt"),
    ("POST", "/session/{session_name}/complete"), ("GET", "/session/{session_name}/logs"),
    ("POST", "/session/{session_name}/upload"), ("GET", "/session/{session_name}/download"),
    ("GET", "/session/{session_name}/download_single"),
    ("GET", "/session/{session_name}/files"),
    ("POST", "/session/{session_name}/shutdown-service"),
    ("POST", "/session/{session_name}/start-service"),
    ("GET", "/stream/session/{session_name}/apps"),
    # 5
    ("GET", "/stream/session/{session_name}/execute"),
    ("GET", "/stream/session/{session_name}/pty"),
    ("GET", "/stream/session/{session_name}/tcpproxy"),
    ("GET", "/stream/session/{session_name}/httpproxy"),
    ("GET", "/events/session"), ("GET", "/events/background-task"),
    # 3.4
    ("POST", "/template/session"), ("GET", "/template/session"),
    ("GET", "/template/session/{template_id}"), ("PUT", "/template/session/{template_id}"),
    ("DELETE", "/template/session/{template_id}"),
    ("POST", "/template/cluster"), ("GET", "/template/cluster"),
    ("GET", "/template/cluster/{template_id}"), ("PUT", "/template/cluster/{template_id}"),
    ("DELETE", "/template/cluster/{template_id}"),
    # 3.5, 6
    ("POST", "/folders"), ("GET", "/folders"), ("DELETE", "/folders"),
    ("GET", "/folders/_/hosts"), ("GET", "/folders/_/all_hosts"), ("GET", "/folders/_/all-hosts"),
    ("GET", "/folders/_/allowed_types"), ("GET", "/folders/_/allowed-types"),
    ("GET", "/folders/_/perf-metric"), ("GET", "/folders/_/fstab"), ("GET", "/folders/_/mounts"),
    ("POST", "/folders/_/mounts"), ("DELETE", "/folders/_/mounts"),
    ("GET", "/folders/_/quota"), ("POST", "/folders/_/quota"), ("GET", "/folders/_/usage"),
    ("GET", "/folders/_/shared"), ("POST", "/folders/_/shared"),
    ("GET", "/folders/{name}"), ("DELETE", "/folders/{name}"),
    ("POST", "/folders/{name}/rename"), ("POST", "/folders/{name}/update-options"),
    ("POST", "/folders/{name}/mkdir"), ("POST", "/folders/{name}/rename-file"),
    ("POST", "/folders/{name}/rename_file"), ("POST", "/folders/{name}/move-file"),
    ("DELETE", "/folders/{name}/delete-files"), ("DELETE", "/folders/{name}/delete_files"),
    ("GET", "/folders/{name}/files"), ("POST", "/folders/{name}/request-upload"),
    ("POST", "/folders/{name}/request-download"), ("POST", "/folders/{name}/invite"),
    ("GET", "/folders/invitations/list"), ("POST", "/folders/invitations/accept"),
    ("DELETE", "/folders/invitations/delete"), ("GET", "/folders/invitations/list-sent"),
    ("GET", "/folders/invitations/list_sent"), ("POST", "/folders/invitations/update/{inv_id}"),
    ("POST", "/folders/{name}/share"), ("DELETE", "/folders/{name}/unshare"),
    ("POST", "/folders/{name}/leave"), ("POST", "/folders/{name}/clone"),
    # 3.6
    *{
        (method, f"/{scope}-config/dotfiles")
        for scope in ("user", "domain", "group")
        for method in ("POST", "GET", "PATCH", "DELETE")
    },
    ("GET", "/user-config/bootstrap-script"), ("POST", "/user-config/bootstrap-script"),
    # 3.7
    ("GET", "/resource/presets"), ("POST", "/resource/check-presets"),
    ("POST", "/resource/recalculate-usage"), ("GET", "/resource/usage/month"),
    ("GET", "/resource/usage/period"), ("GET", "/resource/stats/user/month"),
    ("GET", "/resource/stats/admin/month"), ("GET", "/resource/watcher"),
    ("POST", "/resource/watcher/agent/start"), ("POST", "/resource/watcher/agent/stop"),
    ("POST", "/resource/watcher/agent/restart"),
    ("GET", "/config/resource-slots"), ("GET", "/config/vfolder-types"),
    ("GET", "/config/docker-registries"), ("POST", "/config/get"), ("POST", "/config/set"),
    ("POST", "/config/delete"),
    ("GET", "/image/import"), ("POST", "/image/import"),
    ("GET", "/manager/status"), ("PUT", "/manager/status"), ("GET", "/manager/announcement"),
    ("POST", "/manager/announcement"), ("POST", "/manager/scheduler/operation"),
    ("GET", "/logs/error"), ("POST", "/logs/error"), ("POST", "/logs/error/{log_id}/clear"),
    ("GET", "/scaling-groups"), ("GET", "/scaling-groups/{scaling_group}/wsproxy-version"),
    # 6 (storage proxy)
    ("PATCH", "/upload"), ("HEAD", "/upload"), ("OPTIONS", "/upload"), ("GET", "/download"),
}  # fmt: skip

# Operations whose parameters 22.03 reads from a JSON body although the method is GET/DELETE.
JSON_BODY_GET_DELETE = {
    ("GET", "/folders"), ("DELETE", "/folders"), ("GET", "/folders/{name}/files"),
    ("DELETE", "/folders/{name}/delete-files"), ("GET", "/session/{session_name}/files"),
    ("GET", "/session/{session_name}/download"), ("GET", "/resource/usage/month"),
    ("GET", "/resource/usage/period"), ("GET", "/folders/_/fstab"),
    ("GET", "/folders/_/perf-metric"), ("GET", "/resource/watcher"),
    ("DELETE", "/folders/_/mounts"), ("DELETE", "/folders/invitations/delete"),
    ("DELETE", "/folders/{name}/unshare"), ("GET", "/template/session"),
}  # fmt: skip

UNSIGNED = {
    ("GET", "/"), ("POST", "/auth/authorize"), ("POST", "/auth/signup"),
    ("POST", "/server/login"), ("PATCH", "/upload"), ("HEAD", "/upload"),
    ("OPTIONS", "/upload"), ("GET", "/download"),
}  # fmt: skip


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    with (SPEC_DIR / "openapi.yaml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def resolve(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_openapi_document_is_valid_3_1(spec: dict[str, Any]) -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_every_operation_has_one_known_tag_and_a_conventional_id(spec: dict[str, Any]) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for method, path, op in operations(spec):
        op_id = op.get("operationId")
        assert op_id, f"{method} {path} has no operationId"
        assert op_id not in seen, f"{op_id} used by {seen[op_id]} and {(method, path)}"
        seen[op_id] = (method, path)
        tags = op.get("tags")
        assert isinstance(tags, list) and len(tags) == 1, f"{op_id}: exactly one tag expected"
        (tag,) = tags
        assert tag in TAGS, f"{op_id}: unknown tag {tag}"
        name = op_id.removeprefix(tag + ".")
        assert name != op_id, f"{op_id} does not start with its tag {tag!r}"
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[2-9])?", name), f"{op_id}: bad handler name"


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    refs = set(walk(spec))
    assert refs
    for ref in refs:
        resolve(spec, ref)


def test_path_parameters_are_declared(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        in_path = set(re.findall(r"\{([^}]+)\}", path))
        declared = {
            p["name"]
            for p in spec["paths"][path].get("parameters", []) + op.get("parameters", [])
            if p["in"] == "path"
        }
        assert in_path == declared, f"{method} {path}: {in_path} != {declared}"
        for p in op.get("parameters", []):
            if p["in"] == "path":
                assert p["required"] is True


def test_catalogue_operations_are_present(spec: dict[str, Any]) -> None:
    present = {(method, path) for method, path, _ in operations(spec)}
    assert sorted(CATALOGUE_OPERATIONS - present) == []
    assert sorted(present - CATALOGUE_OPERATIONS) == []


def test_bodies_are_named_components(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        body = op.get("requestBody")
        for media, content in (body or {}).get("content", {}).items():
            if media in ("application/json", "multipart/form-data"):
                assert "$ref" in content["schema"], f"{method} {path}: inline {media} body"
        for status, response in op["responses"].items():
            json_content = response.get("content", {}).get("application/json")
            if json_content:
                assert "$ref" in json_content["schema"], f"{method} {path} {status}: inline"
    for name in spec["components"]["schemas"]:
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", name), f"{name} is not PascalCase"


def test_response_schemas_are_lenient(spec: dict[str, Any]) -> None:
    for name, schema in spec["components"]["schemas"].items():
        assert schema.get("additionalProperties") is not False, name


def test_json_bodies_on_get_and_delete(spec: dict[str, Any]) -> None:
    for method, path in JSON_BODY_GET_DELETE:
        op = spec["paths"][path][method.lower()]
        assert "application/json" in op["requestBody"]["content"], (method, path)


def test_query_parameters_where_the_client_sends_query(spec: dict[str, Any]) -> None:
    def query_names(method: str, path: str) -> set[str]:
        op = spec["paths"][path][method]
        assert "requestBody" not in op, (method, path)
        return {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}

    assert {"forced", "owner_access_key"} <= query_names("delete", "/session/{session_name}")
    assert "name" in query_names("post", "/session/{session_name}/rename")
    assert {"mark_read", "page_size", "page_no"} <= query_names("get", "/logs/error")
    assert "session_name" in query_names("get", "/session/_/logs")
    assert "path" in query_names("get", "/user-config/dotfiles")
    assert "path" in query_names("delete", "/group-config/dotfiles")
    assert {"sessionName", "sessionId", "ownerAccessKey", "scope", "group"} <= query_names(
        "get", "/events/session"
    )
    assert "task_id" in query_names("get", "/events/background-task")
    assert {"app", "port", "envs", "arguments"} <= query_names(
        "get", "/stream/session/{session_name}/tcpproxy"
    )


def test_security(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["BackendAISignature"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert spec["security"] == [{"BackendAISignature": []}]
    unsigned = {(m, p) for m, p, op in operations(spec) if op.get("security") == []}
    assert unsigned == UNSIGNED


def test_streams_and_storage(spec: dict[str, Any]) -> None:
    kinds = {
        (m, p): op["x-backendai-stream"]
        for m, p, op in operations(spec)
        if "x-backendai-stream" in op
    }
    assert kinds == {
        ("GET", "/stream/session/{session_name}/execute"): "websocket",
        ("GET", "/stream/session/{session_name}/pty"): "websocket",
        ("GET", "/stream/session/{session_name}/tcpproxy"): "websocket",
        ("GET", "/stream/session/{session_name}/httpproxy"): "websocket",
        ("GET", "/events/session"): "sse",
        ("GET", "/events/background-task"): "sse",
    }
    for method, path, op in operations(spec):
        if op["tags"] == ["storage"]:
            (server,) = op["servers"]
            assert server["url"] == "{storage_proxy_url}", (method, path)
            assert "storage_proxy_url" in server["variables"]
        else:
            assert "servers" not in op, (method, path)


def test_error_responses_are_problem_json(spec: dict[str, Any]) -> None:
    problem = spec["components"]["responses"]["Problem"]
    assert problem["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    for method, path, op in operations(spec):
        assert op["responses"]["default"] == {"$ref": "#/components/responses/Problem"}, (
            method,
            path,
        )


def test_idempotency_marks(spec: dict[str, Any]) -> None:
    for method, path, op in operations(spec):
        if method in ("GET", "HEAD"):
            assert "x-idempotent" not in op, (method, path)
    assert spec["paths"]["/manager/status"]["put"]["x-idempotent"] is True
    assert "x-idempotent" not in spec["paths"]["/session"]["post"]


def test_graphql_schema_parses() -> None:
    from graphql import build_schema

    schema = build_schema((SPEC_DIR / "schema.graphql").read_text(encoding="utf-8"))
    query = schema.query_type
    assert query is not None
    assert {"compute_session_list", "vfolder_list", "keypair", "agent_list"} <= set(query.fields)


def test_spec_lock_matches_vendored_files() -> None:
    lock = tomllib.loads((SPEC_DIR / "spec.lock").read_text(encoding="utf-8"))
    assert lock["api_version"] == "v6.20220315"
    vendored = {entry["path"]: entry for entry in lock["vendored"]}
    assert set(vendored) == {"schema.graphql"}
    for path, entry in vendored.items():
        digest = hashlib.sha256((SPEC_DIR / path).read_bytes()).hexdigest()
        assert digest == entry["sha256"], path
        assert entry["source"] and entry["version"] and entry["origin"]
    assert [entry["path"] for entry in lock["authored"]] == ["openapi.yaml"]
