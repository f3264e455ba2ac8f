"""Find the API versions under ``spec/`` and load each one's REST document.

A version folder holds either ``openapi.yaml`` (written by us) or ``openapi.json`` (a vendored
dump) plus ``overlays/*.yaml``, deep-merged onto the dump in file-name order: mappings merge
recursively, anything else replaces, and a ``null`` value deletes the key.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

__all__ = [
    "SpecError",
    "SpecVersion",
    "deep_merge",
    "discover_versions",
    "load_document",
    "package_name",
]

_VERSION_RE = re.compile(r"^v(?P<major>\d+)\.(?P<date>\d{8})$")


class SpecError(Exception):
    """A spec file is missing, unreadable or invalid; the message names the file."""


@dataclass(frozen=True)
class SpecVersion:
    version: str  # "v6.20220315"
    folder: Path  # spec/v6.20220315

    @property
    def package(self) -> str:
        return package_name(self.version)


def package_name(version: str) -> str:
    """``v6.20220315`` -> ``v6_20220315`` (the generated package of that version)."""
    if not _VERSION_RE.match(version):
        raise SpecError(f"spec/{version}: version folders are named v<major>.<yyyymmdd>")
    return version.replace(".", "_")


def discover_versions(spec_root: Path) -> list[SpecVersion]:
    """Every ``spec/<version>/`` folder holding a REST document, oldest API version first."""
    if not spec_root.is_dir():
        raise SpecError(f"{spec_root}: spec folder not found")
    found = []
    for folder in spec_root.iterdir():
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        if not ((folder / "openapi.yaml").is_file() or (folder / "openapi.json").is_file()):
            continue
        match = _VERSION_RE.match(folder.name)
        if match is None:
            raise SpecError(f"{folder}: version folders are named v<major>.<yyyymmdd>")
        found.append((int(match["major"]), match["date"], SpecVersion(folder.name, folder)))
    return [version for _, _, version in sorted(found, key=lambda item: item[:2])]


def deep_merge(base: Any, overlay: Any) -> Any:
    """Return ``overlay`` merged onto ``base`` without modifying either.

    Mappings merge key by key (recursively); any other value, lists included, replaces the base
    value; a ``None`` value in an overlay mapping removes that key.
    """
    if not (isinstance(base, Mapping) and isinstance(overlay, Mapping)):
        return copy.deepcopy(overlay)
    merged = {key: copy.deepcopy(value) for key, value in base.items()}
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
        elif key in merged:
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise SpecError(f"{path}: cannot read: {e.strerror}") from None
    try:
        if path.suffix == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        raise SpecError(f"{path}: not valid {path.suffix.lstrip('.').upper()}: {e}") from None


def load_document(version: SpecVersion, *, validate: bool = True) -> dict[str, Any]:
    """Load (and merge) the REST document of ``version``; validate it as OpenAPI 3.1."""
    yaml_path = version.folder / "openapi.yaml"
    json_path = version.folder / "openapi.json"
    if yaml_path.is_file():
        sources = [yaml_path]
        document = _read(yaml_path)
    else:
        sources = [json_path]
        document = _read(json_path)
        overlay_dir = version.folder / "overlays"
        overlays = sorted(overlay_dir.glob("*.yaml")) if overlay_dir.is_dir() else []
        for overlay_path in overlays:
            overlay = _read(overlay_path)
            if overlay is None:  # an empty overlay file changes nothing
                continue
            if not isinstance(overlay, Mapping):
                raise SpecError(f"{overlay_path}: an overlay must be a mapping at the top level")
            sources.append(overlay_path)
            document = deep_merge(document, overlay)
    described = " + ".join(str(path) for path in sources)
    if not isinstance(document, dict):
        raise SpecError(f"{described}: the document must be a mapping at the top level")
    if validate:
        _validate(document, described)
    return document


def _validate(document: dict[str, Any], described: str) -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    if not str(document.get("openapi", "")).startswith("3.1"):
        raise SpecError(f"{described}: expected `openapi: 3.1.x`, got {document.get('openapi')!r}")
    try:
        errors = list(OpenAPIV31SpecValidator(document).iter_errors())
    except OpenAPIValidationError as e:  # pragma: no cover - validator internals
        errors = [e]
    if errors:
        shown = []
        for error in errors[:5]:
            where = "/".join(str(part) for part in getattr(error, "absolute_path", ())) or "(root)"
            shown.append(f"  at {where}: {getattr(error, 'message', error)}")
        more = f"\n  ... and {len(errors) - 5} more" if len(errors) > 5 else ""
        raise SpecError(
            f"{described}: not a valid OpenAPI 3.1 document:\n" + "\n".join(shown) + more
        )
