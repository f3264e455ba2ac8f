"""Turn one OpenAPI document into what the templates need: tags, operations and typed parameters.

This module decides the generated API's shape: method names, keyword names and their types, where
each argument goes on the wire and which model a response is parsed into. It also prepares the
document handed to datamodel-code-generator: component names become class names, and inline
request/response schemas are hoisted into components (``<Tag><Method>Request``/``...Response``)
so that every JSON body has a model class.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from .naming import class_name, snake_case, tag_attribute, tag_class_stem
from .spec import SpecError

__all__ = ["ApiVersion", "Operation", "Param", "StreamEndpoint", "Tag", "build_api"]

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SCHEMA_REF = "#/components/schemas/"
# Names the generated method body uses itself; a parameter with one of these names gets a suffix.
_RESERVED = frozenset({"self", "models", "httpx", "extra_headers", "timeout", "base_url"})

ParamLocation = Literal[
    "path", "query", "header", "json", "body", "file", "files", "form", "content", "refused"
]


@dataclass
class Param:
    py_name: str
    wire_name: str
    location: ParamLocation
    annotation: str
    required: bool
    description: str = ""
    default: str | None = None  # the server's default, as JSON, for the docstring
    narrow_to: str | None = None  # this version's model, when a newer version's is taken too


@dataclass
class Operation:
    operation_id: str
    tag: str
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    params: list[Param]
    body_kind: Literal["json", "multipart", "content"] | None = None
    body_model: str | None = None  # "models.X" for JSON bodies
    body_flattened: bool = True
    body_required: bool = False
    content_type: str | None = None  # media type of a raw (non-JSON, non-multipart) body
    response_kind: Literal["json", "json_value", "binary", "headers", "none"] = "none"
    response_model: str | None = None
    base_url: bool = False
    authenticated: bool = True
    idempotent: bool | None = None
    deprecated: bool = False

    def located(self, *locations: str) -> list[Param]:
        return [p for p in self.params if p.location in locations]

    @property
    def path_expression(self) -> str:
        """Python expression of the request path (path parameters percent-encoded)."""
        path_params = self.located("path")
        if not path_params:
            return json.dumps(self.path)
        values = ", ".join(f"{json.dumps(p.wire_name)}: {p.py_name}" for p in path_params)
        return f"_fill_path({json.dumps(self.path)}, {{{values}}})"


@dataclass
class StreamEndpoint:
    operation_id: str
    function_name: str  # "<method>_path"
    protocol: str  # "websocket" | "sse"
    http_method: str
    path: str
    summary: str
    path_params: list[Param]
    query_names: list[str]
    authenticated: bool


@dataclass
class Tag:
    name: str
    attribute: str
    class_stem: str
    operations: list[Operation] = field(default_factory=list)


@dataclass
class ApiVersion:
    version: str
    package: str
    title: str
    tags: list[Tag]
    streams: list[StreamEndpoint]
    models_document: dict[str, Any]  # what datamodel-code-generator renders
    model_classes: set[str]  # component class names the operations refer to


def build_api(version: str, package: str, document: dict[str, Any], *, source: str) -> ApiVersion:
    """Build the generator's view of one version's document (``source`` names it in errors)."""
    return _Builder(version, package, document, source).build()


class _Builder:
    def __init__(self, version: str, package: str, document: dict[str, Any], source: str) -> None:
        self.version = version
        self.package = package
        self.source = source
        self.doc = _rename_components(copy.deepcopy(document), source)
        self.schemas: dict[str, Any] = self.doc.setdefault("components", {}).setdefault(
            "schemas", {}
        )
        self.referenced: set[str] = set()
        # ``x-undocumented-response: json`` at the top level: a success response declared without
        # content carries JSON of unknown shape (the manager's own dumps describe no answers).
        self.undocumented_json = document.get("x-undocumented-response") == "json"
        self.body_always = document.get("x-json-body-always") is True

    def fail(self, where: str, message: str) -> SpecError:
        return SpecError(f"{self.source}: {where}: {message}")

    # -- references --------------------------------------------------------------------------
    def resolve(self, node: Any, where: str) -> Any:
        """Follow local ``$ref`` chains (components of any kind)."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
                raise self.fail(where, f"unsupported or cyclic $ref {ref!r}")
            seen.add(ref)
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise self.fail(where, f"$ref {ref!r} points nowhere")
                target = target[part]
            node = target
        return node

    def schema_class(self, schema: dict[str, Any]) -> str | None:
        """The model class of a ``$ref`` to a component schema, else None."""
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            name = ref[len(_SCHEMA_REF) :]
            self.referenced.add(name)
            return name
        return None

    def hoist(self, schema: Any, name: str, where: str) -> str:
        """Return the component class of ``schema``, adding it to the components if inline."""
        if not isinstance(schema, dict):
            schema = {}
        existing = self.schema_class(schema)
        if existing is not None:
            return existing
        if name in self.schemas:
            raise self.fail(where, f"inline schema would be hoisted as {name!r}, which exists")
        self.schemas[name] = schema
        self.referenced.add(name)
        return name

    def default(self, schema: Any, where: str) -> str | None:
        """The schema's default as JSON text (for docstrings), if it declares one."""
        if not isinstance(schema, dict):
            return None
        if "default" not in schema and "$ref" in schema:
            schema = self.resolve(schema, where)
        if "default" not in schema:
            return None
        return json.dumps(schema["default"], ensure_ascii=False)

    # -- type annotations --------------------------------------------------------------------
    def annotation(self, schema: Any, where: str, *, in_multipart: bool = False) -> str:
        """A precise, caller-friendly Python type for a parameter or body field."""
        if not isinstance(schema, dict) or not schema:
            return "Any"
        cls = self.schema_class(schema)
        if cls is not None:
            values = _enum_values(self.resolve(schema, where))
            if values is not None:
                # Callers pass the value itself (``"rw"``); the body model still holds the enum.
                return f"Literal[{', '.join(_literal(v) for v in values)}]"
            return f"models.{cls}"
        if "$ref" in schema:
            return self.annotation(self.resolve(schema, where), where, in_multipart=in_multipart)
        nullable = bool(schema.get("nullable"))
        for key in ("oneOf", "anyOf"):
            if key in schema:
                members = []
                for member in schema[key]:
                    if isinstance(member, dict) and member.get("type") == "null":
                        nullable = True
                    else:
                        members.append(self.annotation(member, where, in_multipart=in_multipart))
                return _union(members, nullable)
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return _union([self.annotation(schema["allOf"][0], where)], nullable)
        if "allOf" in schema:
            return _union(["Mapping[str, Any]"], nullable)
        if "const" in schema:
            return _union([f"Literal[{_literal(schema['const'])}]"], nullable)
        types = schema.get("type")
        type_list = list(types) if isinstance(types, list) else [types] if types else []
        if "null" in type_list:
            nullable = True
            type_list.remove("null")
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None]
            nullable = nullable or None in schema["enum"]
            if values:
                return _union([f"Literal[{', '.join(_literal(v) for v in values)}]"], nullable)
        if not type_list:
            if "properties" in schema or "additionalProperties" in schema:
                type_list = ["object"]
            elif "items" in schema:
                type_list = ["array"]
        members = [self._simple(t, schema, where, in_multipart) for t in type_list] or ["Any"]
        return _union(members, nullable)

    def _simple(self, type_: str, schema: dict[str, Any], where: str, in_multipart: bool) -> str:
        fmt = schema.get("format")
        if type_ == "string":
            if fmt == "binary" or "contentMediaType" in schema:
                return "FileTypes" if in_multipart else "bytes"
            return {
                "date-time": "datetime.datetime",
                "date": "datetime.date",
                "uuid": "str | UUID",
            }.get(fmt or "", "str")
        if type_ == "integer":
            return "int"
        if type_ == "number":
            return "float"
        if type_ == "boolean":
            return "bool"
        if type_ == "array":
            items = self.annotation(schema.get("items", {}), where, in_multipart=in_multipart)
            return f"Sequence[{items}]"
        if type_ == "object":
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra and not schema.get("properties"):
                return f"Mapping[str, {self.annotation(extra, where)}]"
            return "Mapping[str, Any]"
        raise self.fail(where, f"unsupported schema type {type_!r}")

    # -- operations ----------------------------------------------------------------------------
    def build(self) -> ApiVersion:
        tags: dict[str, Tag] = {}
        for entry in self.doc.get("tags") or []:
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str):
                tags.setdefault(name, Tag(name, tag_attribute(name), tag_class_stem(name)))
        streams: list[StreamEndpoint] = []
        global_security = self.doc.get("security")
        for path, method, op, path_item in self._iter_operations():
            where = f"{method.upper()} {path}"
            op_id = op.get("operationId")
            op_tags = op.get("tags") or []
            if not isinstance(op_id, str) or not op_id:
                raise self.fail(where, "operation has no operationId")
            if not op_tags:
                raise self.fail(f"{where} ({op_id})", "operation has no tag")
            tag_name = op_tags[0]
            tag = tags.setdefault(
                tag_name, Tag(tag_name, tag_attribute(tag_name), tag_class_stem(tag_name))
            )
            method_name = _method_name(op_id, tag_name)
            where = f"{where} ({op_id})"
            security = op.get("security", global_security)
            authenticated = not (isinstance(security, list) and len(security) == 0)
            params = self._parameters(path_item, op, where)
            stream = op.get("x-backendai-stream")
            if stream is not None:
                streams.append(
                    StreamEndpoint(
                        operation_id=op_id,
                        function_name=f"{method_name}_path",
                        protocol=str(stream),
                        http_method=method.upper(),
                        path=path,
                        summary=_text(op.get("summary")),
                        path_params=[p for p in params if p.location == "path"],
                        query_names=[p.wire_name for p in params if p.location == "query"],
                        authenticated=authenticated,
                    )
                )
                continue
            operation = Operation(
                operation_id=op_id,
                tag=tag_name,
                method_name=method_name,
                http_method=method.upper(),
                path=path,
                summary=_text(op.get("summary")),
                description=_text(op.get("description")),
                params=params,
                authenticated=authenticated,
                deprecated=bool(op.get("deprecated")),
            )
            if "x-idempotent" in op:
                operation.idempotent = bool(op["x-idempotent"])
            servers = op.get("servers") or path_item.get("servers")
            operation.base_url = bool(servers)
            self._request_body(operation, op, where)
            self._response(operation, op, where)
            operation.params = self._finish_params(operation, where)
            if any(o.method_name == method_name for o in tag.operations):
                raise self.fail(where, f"two operations of tag {tag_name!r} map to {method_name}()")
            tag.operations.append(operation)
        self._check_unique(tags, streams)
        return ApiVersion(
            version=self.version,
            package=self.package,
            title=_text((self.doc.get("info") or {}).get("title")),
            tags=[tag for tag in tags.values() if tag.operations],
            streams=streams,
            models_document=self.doc,
            model_classes=set(self.referenced),
        )

    def _iter_operations(self) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
        for path, item in (self.doc.get("paths") or {}).items():
            item = self.resolve(item, path)
            for method in _HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    yield path, method, op, item

    def _parameters(self, item: dict[str, Any], op: dict[str, Any], where: str) -> list[Param]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
            param = self.resolve(raw, where)
            merged[(param["name"], param["in"])] = param
        params = []
        for (name, location), param in merged.items():
            if location not in ("path", "query", "header"):
                raise self.fail(where, f"{location} parameter {name!r} is not supported")
            schema = param.get("schema")
            if schema is None and "content" in param:
                first: dict[str, Any] = next(iter(param["content"].values()), {})
                schema = first.get("schema")
            description = _text(param.get("description")) or _text(
                self.resolve(schema, where).get("description") if schema else ""
            )
            params.append(
                Param(
                    py_name=snake_case(name),
                    wire_name=name,
                    location=cast(ParamLocation, location),
                    annotation=self.annotation(schema or {}, where),
                    required=bool(param.get("required")) or location == "path",
                    description=description,
                    default=self.default(schema, where),
                )
            )
        return params

    def _request_body(self, operation: Operation, op: dict[str, Any], where: str) -> None:
        if "requestBody" not in op:
            return
        body = self.resolve(op["requestBody"], where)
        content = body.get("content") or {}
        operation.body_required = bool(body.get("required")) or self.body_always
        media = _pick_media(content)
        if media is None:
            raise self.fail(where, "request body declares no media type")
        schema = content[media].get("schema") or {}
        stem = class_name(operation.tag) + class_name(operation.method_name)
        if _is_json(media):
            operation.body_kind = "json"
            cls = self.hoist(schema, f"{stem}Request", where)
            operation.body_model = f"models.{cls}"
            fields = self._object_fields(schema, where)
            if fields is None:
                operation.body_flattened = False
                operation.params.append(
                    Param(
                        "body",
                        "body",
                        "body",
                        self.annotation(schema, where),
                        True,
                        "Request body.",
                    )
                )
                return
            properties, required = fields
            for wire, prop in properties.items():
                operation.params.append(
                    Param(
                        py_name=snake_case(wire),
                        wire_name=wire,
                        location="json",
                        annotation=self.annotation(prop, where),
                        required=wire in required,
                        description=_text(self.resolve(prop, where).get("description")),
                        default=self.default(prop, where),
                    )
                )
        elif media == "multipart/form-data":
            operation.body_kind = "multipart"
            fields = self._object_fields(schema, where)
            if fields is None:
                raise self.fail(where, "a multipart body must be an object with properties")
            properties, required = fields
            for wire, prop in properties.items():
                annotation = self.annotation(prop, where, in_multipart=True)
                location: ParamLocation = "form"
                if annotation == "FileTypes":
                    location = "file"
                elif annotation == "Sequence[FileTypes]":
                    location = "files"
                operation.params.append(
                    Param(
                        snake_case(wire),
                        wire,
                        location,
                        annotation,
                        wire in required,
                        _text(self.resolve(prop, where).get("description")),
                    )
                )
        else:
            operation.body_kind = "content"
            operation.content_type = media
            operation.params.append(
                Param("content", "content", "content", "bytes", True, f"Request body ({media}).")
            )

    def _object_fields(self, schema: Any, where: str) -> tuple[dict[str, Any], set[str]] | None:
        """Properties and required names of an object schema (allOf merged), else None."""
        schema = self.resolve(schema, where)
        if not isinstance(schema, dict):
            return None
        properties: dict[str, Any] = {}
        required: set[str] = set()
        for part in schema.get("allOf") or []:
            fields = self._object_fields(part, where)
            if fields is None:
                return None
            properties.update(fields[0])
            required |= fields[1]
        if "properties" in schema:
            properties.update(schema["properties"])
        required |= set(schema.get("required") or [])
        types = schema.get("type")
        if types not in (None, "object") or not properties:
            return None
        if any(k in schema for k in ("oneOf", "anyOf")):
            return None
        return properties, required

    def _response(self, operation: Operation, op: dict[str, Any], where: str) -> None:
        responses = op.get("responses") or {}
        success = sorted(code for code in map(str, responses) if re.fullmatch(r"2\d\d", code))
        stem = class_name(operation.tag) + class_name(operation.method_name)
        declares_headers = False
        for code in success:
            response = self.resolve(responses.get(code) or responses.get(int(code)), where)
            content = (response or {}).get("content") or {}
            declares_headers = declares_headers or bool((response or {}).get("headers"))
            media = _pick_media(content)
            if media is None:
                continue
            if _is_json(media):
                schema = content[media].get("schema") or {}
                operation.response_kind = "json"
                operation.response_model = f"models.{self.hoist(schema, f'{stem}Response', where)}"
            else:
                operation.response_kind = "binary"
            return
        # A bodiless answer whose meaning is in its headers (tus Upload-Offset, ...) returns them.
        if declares_headers:
            operation.response_kind = "headers"
        elif self.undocumented_json and success and not _declares_no_content(responses, success):
            # The document says its undescribed answers are JSON (a dump without response
            # schemas): a JSON value, typed as such, rather than a discarded body.
            operation.response_kind = "json_value"
        else:
            operation.response_kind = "none"

    def _finish_params(self, operation: Operation, where: str) -> list[Param]:
        """Order the keywords (path, query, body, header) and make their names unique."""
        order = ["path", "query", "json", "body", "file", "files", "form", "content", "header"]
        params = sorted(operation.params, key=lambda p: order.index(p.location))
        taken = set(_RESERVED)
        body_names = {p.py_name for p in params if p.location not in ("path", "query", "header")}
        prefix = {"query": "query_", "header": "header_", "json": "body_", "form": "body_"}
        for param in params:
            name = param.py_name
            if name in taken or (param.location == "query" and name in body_names):
                name = prefix.get(param.location, "") + name
            if name in _RESERVED:
                name += "_"
            if name in taken:
                raise self.fail(where, f"two parameters map to the keyword {name!r}")
            taken.add(name)
            param.py_name = name
        return params

    def _check_unique(self, tags: dict[str, Tag], streams: list[StreamEndpoint]) -> None:
        attributes: dict[str, str] = {}
        for tag in tags.values():
            if tag.operations and attributes.setdefault(tag.attribute, tag.name) != tag.name:
                raise self.fail(
                    "tags", f"tags {tag.name!r} and {attributes[tag.attribute]!r} clash"
                )
        functions: dict[str, str] = {}
        for stream in streams:
            if (
                functions.setdefault(stream.function_name, stream.operation_id)
                != stream.operation_id
            ):
                raise self.fail(
                    stream.operation_id,
                    f"stream path helper {stream.function_name}() is also made for "
                    f"{functions[stream.function_name]}",
                )


def _rename_components(doc: dict[str, Any], source: str) -> dict[str, Any]:
    """Give every component schema its class name and rewrite the ``$ref`` s accordingly."""
    schemas = (doc.get("components") or {}).get("schemas") or {}
    renames: dict[str, str] = {}
    for name in schemas:
        new = class_name(name)
        if new in renames.values():
            raise SpecError(f"{source}: components/schemas: {name!r} clashes with another as {new}")
        renames[name] = new
    if all(old == new for old, new in renames.items()):
        return doc
    doc["components"]["schemas"] = {renames[name]: value for name, value in schemas.items()}

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
                target = ref[len(_SCHEMA_REF) :].replace("~1", "/").replace("~0", "~")
                if target in renames:
                    node = {**node, "$ref": _SCHEMA_REF + renames[target]}
            return {key: rewrite(value) for key, value in node.items()}
        if isinstance(node, list):
            return [rewrite(value) for value in node]
        return node

    result: dict[str, Any] = rewrite(doc)
    return result


def _method_name(operation_id: str, tag: str) -> str:
    name = operation_id[len(tag) + 1 :] if operation_id.startswith(tag + ".") else operation_id
    return snake_case(name.replace(".", "_"))


def _enum_values(schema: Any) -> list[Any] | None:
    """The values of a component that is nothing but a string or integer enum, else None."""
    if not isinstance(schema, dict) or "enum" not in schema:
        return None
    if schema.get("type", "string") not in ("string", "integer") or "properties" in schema:
        return None
    values = [value for value in schema["enum"] if value is not None]
    return values or None


def _declares_no_content(responses: dict[str, Any], success: list[str]) -> bool:
    """A 204 (or 205) among the success codes means the operation answers with no body."""
    return any(code in ("204", "205") for code in success)


def _pick_media(content: dict[str, Any]) -> str | None:
    """JSON if offered, else the first declared media type."""
    for media in content:
        if _is_json(media):
            return media
    return next(iter(content), None)


def _is_json(media: str) -> bool:
    base = media.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _literal(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    raise SpecError(f"enum value {value!r} cannot be a Literal")


def _union(members: list[str], nullable: bool) -> str:
    unique: list[str] = []
    for member in members:
        for part in _top_level_members(member):
            if part not in unique:
                unique.append(part)
    if nullable and "None" not in unique:
        unique.append("None")
    return " | ".join(unique) if unique else "Any"


def _top_level_members(annotation: str) -> list[str]:
    """Split ``A | B[C | D]`` into ``A`` and ``B[C | D]``."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(annotation):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(annotation[start:index].strip())
            start = index + 1
    parts.append(annotation[start:].strip())
    return parts


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
