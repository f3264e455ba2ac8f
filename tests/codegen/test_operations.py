"""How operations become methods: names, keyword names and types, hoisted schemas, errors."""

from __future__ import annotations

from typing import Any

import pytest

from codegen.naming import class_name, snake_case, tag_attribute
from codegen.operations import build_api
from codegen.spec import SpecError


def doc(paths: dict[str, Any], schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas or {}},
    }


def op(op_id: str, tag: str, **extra: Any) -> dict[str, Any]:
    return {
        "operationId": op_id,
        "tags": [tag],
        "responses": {"204": {"description": "ok"}},
        **extra,
    }


@pytest.mark.parametrize(
    ("wire", "python"),
    [
        ("ownerAccessKey", "owner_access_key"),
        ("owner_access_key", "owner_access_key"),
        ("Upload-Offset", "upload_offset"),
        ("HTTPProxy", "http_proxy"),
        ("from", "from_"),
        ("2fa", "v_2fa"),
    ],
)
def test_snake_case(wire: str, python: str) -> None:
    assert snake_case(wire) == python


def test_class_and_tag_names() -> None:
    assert class_name("session.Info") == "SessionInfo"
    assert class_name("HelloResponse") == "HelloResponse"
    assert tag_attribute("template/session") == "template_session"
    assert tag_attribute("logs/error") == "logs_error"
    assert tag_attribute("user-config") == "user_config"


def test_method_name_is_the_operation_id_after_the_tag() -> None:
    api = build_api(
        "v6.20220315",
        "v6_20220315",
        doc(
            {
                "/a": {"get": op("template/session.list_templates", "template/session")},
                "/b": {"get": op("session.create_from_params.2", "session")},
            }
        ),
        source="spec/x",
    )
    names = {tag.attribute: [o.method_name for o in tag.operations] for tag in api.tags}
    assert names == {"template_session": ["list_templates"], "session": ["create_from_params_2"]}
    assert [tag.class_stem for tag in api.tags] == ["TemplateSession", "Session"]


def test_inline_bodies_are_hoisted_and_components_renamed() -> None:
    api = build_api(
        "v6.20220315",
        "v6_20220315",
        doc(
            {
                "/a": {
                    "post": {
                        **op("session.rename", "session"),
                        "requestBody": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "info": {"$ref": "#/components/schemas/session.Info"}
                                        },
                                    }
                                }
                            }
                        },
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {"application/json": {"schema": {"type": "array"}}},
                            }
                        },
                    }
                }
            },
            {"session.Info": {"type": "object"}},
        ),
        source="spec/x",
    )
    [operation] = api.tags[0].operations
    assert operation.body_model == "models.SessionRenameRequest"
    assert operation.response_model == "models.SessionRenameResponse"
    assert [(p.py_name, p.annotation, p.required) for p in operation.params] == [
        ("info", "models.SessionInfo", False)
    ]
    assert set(api.models_document["components"]["schemas"]) == {
        "SessionInfo",
        "SessionRenameRequest",
        "SessionRenameResponse",
    }
    assert api.model_classes == set(api.models_document["components"]["schemas"])


def test_keyword_clashes_get_prefixes() -> None:
    body = {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "timeout": {"type": "integer"}},
                }
            }
        }
    }
    api = build_api(
        "v6.20220315",
        "v6_20220315",
        doc(
            {
                "/s/{name}": {
                    "post": {
                        **op("session.x", "session"),
                        "parameters": [
                            {
                                "name": "name",
                                "in": "path",
                                "required": True,
                                "schema": {"type": "string"},
                            },
                            {"name": "name", "in": "query", "schema": {"type": "string"}},
                        ],
                        "requestBody": body,
                    }
                }
            }
        ),
        source="spec/x",
    )
    [operation] = api.tags[0].operations
    assert [(p.py_name, p.location) for p in operation.params] == [
        ("name", "path"),
        ("query_name", "query"),
        ("body_name", "json"),
        ("body_timeout", "json"),  # `timeout` is the per-call timeout keyword
    ]


@pytest.mark.parametrize(
    ("schema", "annotation"),
    [
        ({"type": "string"}, "str"),
        ({"type": ["string", "null"]}, "str | None"),
        ({"type": "string", "format": "uuid"}, "str | UUID"),
        ({"type": "string", "format": "date-time"}, "datetime.datetime"),
        ({"type": "array", "items": {"type": "string", "format": "uuid"}}, "Sequence[str | UUID]"),
        ({"enum": ["a", "b", None]}, 'Literal["a", "b"] | None'),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, "Mapping[str, int]"),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, "int | None"),
        ({}, "Any"),
    ],
)
def test_parameter_types(schema: dict[str, Any], annotation: str) -> None:
    api = build_api(
        "v6.20220315",
        "v6_20220315",
        doc(
            {
                "/a": {
                    "get": {
                        **op("x.y", "x"),
                        "parameters": [{"name": "p", "in": "query", "schema": schema}],
                    }
                }
            }
        ),
        source="spec/x",
    )
    assert api.tags[0].operations[0].params[0].annotation == annotation


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ({"tags": ["x"], "responses": {}}, "no operationId"),
        ({"operationId": "x.y", "responses": {}}, "no tag"),
    ],
)
def test_spec_errors_name_the_operation(operation: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=f"spec/x: GET /a.*{message}"):
        build_api("v6.20220315", "v6_20220315", doc({"/a": {"get": operation}}), source="spec/x")


def test_two_operations_with_one_method_name_are_an_error() -> None:
    paths = {"/a": {"get": op("x.y", "x")}, "/b": {"get": op("x.y", "x")}}
    with pytest.raises(SpecError, match=r"map to y\(\)"):
        build_api("v6.20220315", "v6_20220315", doc(paths), source="spec/x")
