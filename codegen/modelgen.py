"""Render ``models.py`` of one version with datamodel-code-generator (pydantic v2)."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .operations import ApiVersion
from .spec import SpecError

__all__ = ["DATAMODEL_CODEGEN_OPTIONS", "render_models"]

# The options decide the models' shape; changing one changes every generated models.py.
DATAMODEL_CODEGEN_OPTIONS = (
    "--input-file-type=openapi",
    "--openapi-scopes=schemas",
    "--output-model-type=pydantic_v2.BaseModel",
    "--target-python-version=3.10",
    # snake_case Python names, camelCase wire names kept as aliases
    "--snake-case-field",
    # the core's base class: lenient (extra="allow"), populate_by_name, dict-style access
    "--base-class=ai_backend_client._models.BaseModel",
    "--use-standard-collections",
    "--use-union-operator",
    "--use-annotated",
    "--field-constraints",
    "--use-subclass-enum",
    "--set-default-enum-member",
    "--naming-strategy=parent-prefixed",
    "--use-schema-description",
    "--use-field-description",
    "--disable-timestamp",
    "--no-formatters",  # ruff formats every generated file afterwards
)


def render_models(api: ApiVersion, header: str) -> str:
    """Return the source of ``models.py`` (starting with ``header``)."""
    with tempfile.TemporaryDirectory(prefix="codegen-models-") as tmp:
        source = Path(tmp) / "openapi.json"
        output = Path(tmp) / "models.py"
        document = _prepare(api.models_document)
        source.write_text(json.dumps(document, indent=1), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "datamodel_code_generator",
            f"--input={source}",
            f"--output={output}",
            f"--custom-file-header={header.rstrip()}",
            *DATAMODEL_CODEGEN_OPTIONS,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not output.is_file():
            message = (result.stderr or result.stdout).strip().splitlines()[-20:]
            raise SpecError(
                f"spec/{api.version}: datamodel-code-generator failed:\n  " + "\n  ".join(message)
            )
        text = output.read_text(encoding="utf-8")
    text = text.replace(str(source), f"spec/{api.version}")  # never leak a temp path
    # A class attribute, so type checkers (and ``pyright --verifytypes``) do not read it as a field
    # override of pydantic's own ``model_config: ClassVar[ConfigDict]``.
    if "    model_config = ConfigDict(" in text:
        text = text.replace(
            "    model_config = ConfigDict(", "    model_config: ClassVar[ConfigDict] = ConfigDict("
        )
        text = text.replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\n\nfrom typing import ClassVar\n",
            1,
        )
    _check_classes(api, text)
    return text


def _prepare(document: dict[str, Any]) -> dict[str, Any]:
    """Drop defaults that datamodel-code-generator would render with a wrong static type.

    ``default: null`` (an optional field defaults to ``None`` anyway; on a nullable ``anyOf`` it
    would be copied onto a root model as ``root: X = None``), and object defaults on model-typed
    fields (rendered as ``field: Model | None = {}``). The server applies its defaults itself.
    """
    document = copy.deepcopy(document)
    for schema in (document.get("components") or {}).get("schemas", {}).values():
        _strip_defaults(schema)
    return document


def _strip_defaults(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    if "default" in schema and (
        schema["default"] is None
        or (isinstance(schema["default"], dict) and ("$ref" in schema or "properties" in schema))
    ):
        del schema["default"]
    for key in ("properties", "$defs", "definitions", "patternProperties"):
        for sub in (schema.get(key) or {}).values():
            _strip_defaults(sub)
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        for sub in schema.get(key) or []:
            _strip_defaults(sub)
    for key in ("items", "additionalProperties", "not", "contains"):
        _strip_defaults(schema.get(key))


def _check_classes(api: ApiVersion, text: str) -> None:
    """Every model class the clients refer to must exist under the expected name."""
    defined = {node.name for node in ast.parse(text).body if isinstance(node, ast.ClassDef)}
    missing = sorted(api.model_classes - defined)
    if missing:
        raise SpecError(
            f"spec/{api.version}: datamodel-code-generator did not produce the model classes "
            f"{', '.join(missing)} (a component name clashes with a reserved name?)"
        )
