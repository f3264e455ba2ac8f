"""The mkdocs hooks that expand the reference pages from the code (docs/hooks.py) produce every
function class, every generated version and every model; ``nox -s docs`` builds the site."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from ai_backend_client._generated import LATEST_VERSION, VERSIONS
from ai_backend_client.func import FUNCTION_CLASSES

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_marker_on_the_pages_has_a_section(hooks: ModuleType) -> None:
    used = {m for page in DOCS.rglob("*.md") for m in hooks._MARK.findall(page.read_text())}
    assert used == set(hooks._SECTIONS)


def test_function_classes(hooks: ModuleType) -> None:
    text = hooks.on_page_markdown("<!-- reference: function-classes -->", None, None, None)
    assert text.count("::: ai_backend_client.func._sync.") == len(FUNCTION_CLASSES)
    assert "::: ai_backend_client.func._sync.vfolder.VFolder" in text


def test_generated_versions(hooks: ModuleType) -> None:
    text = hooks._generated_versions()
    for version in VERSIONS:
        assert f"## {version}" in text
    assert f"::: ai_backend_client._generated.{LATEST_VERSION.replace('.', '_')}.resources" in text
    older = text.split("## v8.20240915", 1)[1]
    # Older versions as operation tables: a real row per operation, not an empty table.
    assert (
        "| `FoldersResource.list_hosts` | `GET /folders/_/hosts` | `folders.list_hosts` |" in older
    )
    assert older.count("\n| `") > 100


def test_latest_models(hooks: ModuleType) -> None:
    text = hooks._latest_models()
    assert "| `VFolderHostsResponse` | `default`, `allowed`, `volume_info` |" in text
