"""Loading spec versions: discovery, overlay deep-merge, and errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codegen.spec import SpecError, deep_merge, discover_versions, load_document, package_name

MINIMAL: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/": {
            "get": {
                "operationId": "root.hello",
                "tags": ["root"],
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


def test_deep_merge_merges_mappings_recursively() -> None:
    base = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    overlay = {"a": {"c": {"x": 9}}, "f": 4}
    assert deep_merge(base, overlay) == {"a": {"b": 1, "c": {"d": 2, "x": 9}}, "e": 3, "f": 4}


def test_deep_merge_replaces_lists_and_scalars() -> None:
    base = {"tags": ["a", "b"], "n": 1, "m": {"k": "v"}}
    overlay = {"tags": ["c"], "n": {"now": "a mapping"}, "m": "scalar"}
    assert deep_merge(base, overlay) == {"tags": ["c"], "n": {"now": "a mapping"}, "m": "scalar"}


def test_deep_merge_null_deletes_keys_at_any_depth() -> None:
    base = {"a": {"b": 1, "c": 2}, "d": 3}
    assert deep_merge(base, {"a": {"b": None}, "d": None, "missing": None}) == {"a": {"c": 2}}


def test_deep_merge_does_not_modify_its_inputs() -> None:
    base = {"a": {"b": [1]}}
    overlay = {"a": {"c": [2]}}
    merged = deep_merge(base, overlay)
    merged["a"]["b"].append(99)
    merged["a"]["c"].append(99)
    assert base == {"a": {"b": [1]}}
    assert overlay == {"a": {"c": [2]}}


def _version(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    return folder


def test_overlays_apply_in_file_name_order(tmp_path: Path) -> None:
    folder = _version(tmp_path, "v8.20240915")
    (folder / "openapi.json").write_text(json.dumps(MINIMAL))
    overlays = folder / "overlays"
    overlays.mkdir()
    # written out of order on purpose: 10 must win over 05, and 20 deletes a key 05 added
    (overlays / "10-second.yaml").write_text("info:\n  title: second\n")
    (overlays / "05-first.yaml").write_text("info:\n  title: first\n  summary: gone later\n")
    (overlays / "20-third.yaml").write_text("info:\n  summary: null\n")
    (overlays / "notes.txt").write_text("not an overlay")
    [version] = discover_versions(tmp_path)
    document = load_document(version)
    assert document["info"] == {"title": "second", "version": "1"}


def test_openapi_yaml_wins_over_json(tmp_path: Path) -> None:
    folder = _version(tmp_path, "v6.20220315")
    (folder / "openapi.json").write_text("{ not even json")
    (folder / "openapi.yaml").write_text(json.dumps(MINIMAL))  # JSON is YAML
    [version] = discover_versions(tmp_path)
    assert load_document(version)["info"]["title"] == "t"


def test_discover_orders_by_major_then_date_and_skips_other_folders(tmp_path: Path) -> None:
    for name in ("v8.20240915", "v6.20220315", "v10.20200101"):
        (_version(tmp_path, name) / "openapi.yaml").write_text("{}")
    _version(tmp_path, "notes")  # no document: ignored
    assert [v.version for v in discover_versions(tmp_path)] == [
        "v6.20220315",
        "v8.20240915",
        "v10.20200101",
    ]
    assert discover_versions(tmp_path)[0].package == "v6_20220315"


def test_badly_named_version_folder_is_an_error(tmp_path: Path) -> None:
    (_version(tmp_path, "v6-2022") / "openapi.yaml").write_text("{}")
    with pytest.raises(SpecError, match="v6-2022"):
        discover_versions(tmp_path)


def test_package_name() -> None:
    assert package_name("v6.20220315") == "v6_20220315"
    with pytest.raises(SpecError):
        package_name("6.20220315")


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    folder = _version(tmp_path, "v6.20220315")
    (folder / "openapi.yaml").write_text("paths:\n  /: [unclosed\n")
    [version] = discover_versions(tmp_path)
    with pytest.raises(SpecError, match=r"v6\.20220315/openapi\.yaml: not valid YAML"):
        load_document(version)


def test_invalid_overlay_names_the_overlay(tmp_path: Path) -> None:
    folder = _version(tmp_path, "v8.20240915")
    (folder / "openapi.json").write_text(json.dumps(MINIMAL))
    (folder / "overlays").mkdir()
    (folder / "overlays" / "10-bad.yaml").write_text("- a list\n")
    [version] = discover_versions(tmp_path)
    with pytest.raises(SpecError, match=r"overlays/10-bad\.yaml: an overlay must be a mapping"):
        load_document(version)


def test_invalid_openapi_names_every_source(tmp_path: Path) -> None:
    folder = _version(tmp_path, "v8.20240915")
    (folder / "openapi.json").write_text(json.dumps(MINIMAL))
    (folder / "overlays").mkdir()
    (folder / "overlays" / "10-breaks.yaml").write_text("info:\n  title: null\n")
    [version] = discover_versions(tmp_path)
    with pytest.raises(SpecError) as error:
        load_document(version)
    message = str(error.value)
    assert "openapi.json + " in message and "10-breaks.yaml" in message
    assert "not a valid OpenAPI 3.1 document" in message and "title" in message


def test_openapi_3_0_is_rejected(tmp_path: Path) -> None:
    folder = _version(tmp_path, "v6.20220315")
    (folder / "openapi.yaml").write_text(json.dumps({**MINIMAL, "openapi": "3.0.3"}))
    [version] = discover_versions(tmp_path)
    with pytest.raises(SpecError, match=r"3\.1"):
        load_document(version)
