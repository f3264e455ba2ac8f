"""Render a planned models namespace (``codegen/models_layout.py``) into module files."""

from __future__ import annotations

from collections.abc import Callable

import jinja2

from .models_layout import Namespace
from .spec import package_name

__all__ = ["render_namespace"]


def _relative(from_package: str, to_version: str, subpackage: str, module: str) -> str:
    """Relative module path from ``<from_package>.<subpackage>`` (a package) to a module."""
    depth = subpackage.count(".") + 3  # "." is the package itself; up to the version, generated/
    if to_version == from_package:
        return "." + module
    return "." * depth + f"{package_name(to_version)}.{subpackage}.{module}"


def render_namespace(
    env: jinja2.Environment,
    ns: Namespace,
    *,
    subpackage: str,  # "models" or "graphql.models"
    kind: str,  # "REST" or "GraphQL"
    header_for: Callable[[str], str],
    describe_group: Callable[[str, str, list[str]], str],
) -> dict[str, str]:
    """``{relative path under generated/: text}`` for every version's models package."""
    files: dict[str, str] = {}
    folder = subpackage.replace(".", "/")
    module_template = env.get_template("models_module.py.jinja")
    init_template = env.get_template("models_init.py.jinja")
    for (version, module), names in sorted(ns.modules.items()):
        source = ns.sources[version]
        definitions = source.definitions
        imports: list[str] = list(source.imports)
        external: dict[str, list[tuple[str, str]]] = {}
        for name in names:
            for ref in definitions[name].refs:
                placement = ns.placements[(version, ref)]
                if placement.version == version and placement.module == module:
                    continue
                target = _relative(version, placement.version, subpackage, placement.module)
                pair = (placement.attribute, ref)
                if pair not in external.setdefault(target, []):
                    external[target].append(pair)
        for target in sorted(external):
            parts = ", ".join(a if a == r else f"{a} as {r}" for a, r in sorted(external[target]))
            imports.append(f"from {target} import {parts}")
        files[f"{package_name(version)}/{folder}/{module}.py"] = module_template.render(
            header=header_for(version),
            title=f"{kind} models of API {version}: {describe_group(version, module, names)}.",
            description=(
                "Defined here once; older versions whose model did not change reach it from "
                "their own models package."
            ),
            imports=imports,
            definitions=[definitions[name].source for name in names],
            rebuild=[name for name in names if definitions[name].rebuild],
        )
    for version, source in ns.sources.items():
        names = sorted(source.definitions)
        where = []
        static: dict[str, list[tuple[str, str]]] = {}
        for name in names:
            placement = ns.placements[(version, name)]
            module = _relative(version, placement.version, subpackage, placement.module)
            where.append((name, module, placement.attribute))
            static.setdefault(module, []).append((name, placement.attribute))
        files[f"{package_name(version)}/{folder}/__init__.py"] = init_template.render(
            header=header_for(version),
            title=f"{kind} models of API {version}.",
            names=names,
            where=where,
            static_imports=sorted(static.items()),
        )
    return files
