"""Render the fixture spec once per test session into an importable temporary package."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from codegen.render import render_tree, write_tree

FIXTURE_SPEC = Path(__file__).parent / "fixtures" / "spec"
PACKAGE = "codegen_fixture_out"


@pytest.fixture(scope="session")
def fixture_files() -> dict[str, bytes]:
    return render_tree(FIXTURE_SPEC)


@pytest.fixture(scope="session")
def fixture_package(
    fixture_files: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("rendered")
    write_tree(fixture_files, root / PACKAGE)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(f"{PACKAGE}.v6_20220315")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
