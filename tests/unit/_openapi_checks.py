"""Helpers shared by the checks of the specs served from a vendored dump plus overlays (v8, v9)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def deep_merge(base: Any, overlay: Any) -> Any:
    """The contract's merge, written again so the tests can check codegen's: mappings merge
    recursively, anything else replaces, None deletes the key."""
    if not isinstance(overlay, dict):
        return copy.deepcopy(overlay)
    merged = dict(base) if isinstance(base, dict) else {}
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = deep_merge(merged.get(key), value)
    return merged


def local_merge(folder: Path) -> dict[str, Any]:
    """``folder/openapi.json`` with ``folder/overlays/*.yaml`` merged on, in file-name order."""
    document: dict[str, Any] = json.loads((folder / "openapi.json").read_text(encoding="utf-8"))
    for overlay_path in sorted((folder / "overlays").glob("*.yaml")):
        document = deep_merge(document, yaml.safe_load(overlay_path.read_text(encoding="utf-8")))
    return document


def load_merged(folder: Path, version: str) -> dict[str, Any]:
    """The merged document as codegen loads it (the local merge if codegen is not importable)."""
    try:
        from codegen.spec import SpecVersion, load_document
    except ImportError:
        return local_merge(folder)
    return load_document(SpecVersion(version, folder), validate=False)


def operations(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path, operation); the first one wins if an id repeats."""
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                found.setdefault(
                    op.get("operationId", f"<none {method} {path}>"), (method, path, op)
                )
    return found


def openapi_errors(document: dict[str, Any]) -> list[str]:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    return [
        f"{list(e.absolute_path)}: {e.message}"
        for e in OpenAPIV31SpecValidator(document).iter_errors()
    ]


def unresolved_refs(document: dict[str, Any]) -> list[str]:
    """Every local ``$ref`` in the document that points nowhere (or is not local)."""
    bad: list[str] = []

    def resolves(ref: str) -> bool:
        if not ref.startswith("#/"):
            return False
        node: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not resolves(ref):
                bad.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return bad


def naming_problems(document: dict[str, Any]) -> list[str]:
    """Operations without an operationId, without exactly one tag, whose id does not start with
    ``<tag>.``, or whose id repeats; and malformed ``//`` paths."""
    problems: list[str] = []
    seen: set[str] = set()
    for path, item in document["paths"].items():
        if path.startswith("//"):
            problems.append(f"malformed path {path}")
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            op_id, tags = op.get("operationId"), op.get("tags") or []
            where = f"{method.upper()} {path}"
            if not op_id:
                problems.append(f"{where}: no operationId")
                continue
            if len(tags) != 1:
                problems.append(f"{where} ({op_id}): tags {tags}")
            elif not op_id.startswith(tags[0] + "."):
                problems.append(f"{where}: {op_id} does not start with its tag {tags[0]}")
            if op_id in seen:
                problems.append(f"{where}: {op_id} is used twice")
            seen.add(op_id)
    return problems
