"""Complete answers for the mocks: every field the public model requires, plus the test's own.

Strict parsing (the test suites' mode) wants what a real server always sends; a test states
only what it is about and lets ``answer()`` fill in the rest with plausible values.
"""

from __future__ import annotations

from typing import Any

import pydantic


def _value(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _value(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _value(options[0], defs) if options else None
    if "allOf" in schema:
        return _value(schema["allOf"][0], defs)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return _object(schema, defs)
    if kind == "array":
        return []
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return "00000000-0000-0000-0000-000000000000"
        if fmt == "date-time":
            return "2024-09-15T00:00:00+00:00"
        return "x"
    if kind == "integer":
        return 0
    if kind == "number":
        return 0.0
    if kind == "boolean":
        return False
    return None


def _object(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties") or {}
    return {
        name: _value(properties[name], defs)
        for name in schema.get("required") or ()
        if name in properties
    }


def answer(model: type[pydantic.BaseModel], **given: Any) -> dict[str, Any]:
    """The JSON of a *model* answer (wire keys): *given* keys, the other required ones filled."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    filled = _object(schema, schema.get("$defs") or {})
    filled.update(given)
    return filled
