"""mkdocs hooks: pages whose list of members comes from the code, so that they cannot go stale.

A page line ``<!-- reference: NAME -->`` becomes the mkdocstrings directives of NAME:
``function-classes`` (one per entry of ``func.FUNCTION_CLASSES``) and ``generated-versions``
(one section per generated API version, newest first).
"""

from __future__ import annotations

import re
from typing import Any

_MARK = re.compile(r"^<!-- reference: ([a-z-]+) -->$", re.MULTILINE)


def _function_classes() -> str:
    from ai_backend_client.func import FUNCTION_CLASSES

    return "\n\n".join(
        f"::: ai_backend_client.func._sync.{module}.{name}"
        for name, module in sorted(FUNCTION_CLASSES.items())
    )


_OPERATION = re.compile(r"``([A-Z]+) ([^`]+)`` \(operation ``([^`]+)``\)")


def _operation_table(package: str) -> str:
    """Every operation of a generated version as a table row: method, HTTP call, operation id."""
    import importlib
    import inspect
    import pkgutil

    resources = importlib.import_module(package + ".resources")
    rows = ["| method | HTTP | operation |", "|---|---|---|"]
    for info in sorted(pkgutil.iter_modules(resources.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{resources.__name__}.{info.name}")
        for cls_name in getattr(module, "__all__", ()):
            if cls_name.startswith("Async"):
                continue  # the async sibling has the same methods
            cls = getattr(module, cls_name)
            for name, func in inspect.getmembers(cls, inspect.isfunction):
                match = _OPERATION.search(func.__doc__ or "") if not name.startswith("_") else None
                if match:
                    http, path, op = match.groups()
                    rows.append(f"| `{cls_name}.{name}` | `{http} {path}` | `{op}` |")
    return "\n".join(rows)


def _generated_versions() -> str:
    """The newest version's sync resource classes in full (the async siblings have the same
    methods), every older version as a table of its operations (rendering each in full would
    triple the build time)."""
    from ai_backend_client._generated import LATEST_VERSION, VERSIONS

    parts: list[str] = []
    for version in reversed(VERSIONS):
        package = "ai_backend_client._generated." + version.replace(".", "_")
        if version == LATEST_VERSION:
            parts.append(
                f"## {version} (the newest)\n\n"
                f"::: {package}.resources\n"
                "    options:\n"
                "      show_root_heading: false\n"
                "      show_root_toc_entry: false\n"
                "      show_submodules: true\n"
                "      docstring_style: google\n"
                '      filters: ["!^_", "!^Async"]\n'
                "      heading_level: 3\n"
            )
        else:
            parts.append(
                f"## {version}\n\n"
                f"Package `{package}`; each resource class has an `Async` sibling.\n\n"
                + _operation_table(package)
            )
    return "\n\n".join(parts)


def _latest_models() -> str:
    """Every model of the newest version, with its fields by wire key (a table: rendering 1,400
    classes through mkdocstrings would dominate the build)."""
    import enum

    from pydantic import BaseModel

    from ai_backend_client._generated import LATEST_VERSION
    from ai_backend_client._generated.latest import models

    rows = [
        f"All {len(models.__all__)} models of {LATEST_VERSION}, by name.",
        "",
        "| name | fields (wire keys) / values |",
        "|---|---|",
    ]
    for name in sorted(models.__all__):
        value = getattr(models, name)
        if isinstance(value, type) and issubclass(value, BaseModel):
            fields = [f.alias or k for k, f in value.model_fields.items()]
            text = ", ".join(f"`{f}`" for f in fields) or "-"
        elif isinstance(value, type) and issubclass(value, enum.Enum):
            text = "one of " + ", ".join(f"`{m.value}`" for m in value)
        else:
            text = "-"
        cell = text.replace("|", "\\|")
        rows.append(f"| `{name}` | {cell} |")
    return "\n".join(rows)


_SECTIONS = {
    "function-classes": _function_classes,
    "generated-versions": _generated_versions,
    "latest-models": _latest_models,
}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return _MARK.sub(lambda m: _SECTIONS[m.group(1)](), markdown)
