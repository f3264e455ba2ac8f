"""The committed ``generated/`` tree is exactly what the generator renders from ``spec/``."""

from __future__ import annotations

from pathlib import Path

from codegen.render import compare_tree, render_tree

REPO = Path(__file__).resolve().parents[2]


def test_generated_tree_matches_a_fresh_rendering() -> None:
    files = render_tree(REPO / "spec")
    differences = compare_tree(files, REPO / "generated")
    report = "\n".join(f"--- generated/{name}\n{detail}" for name, detail in differences.items())
    assert not differences, (
        f"generated/ differs from a fresh rendering of spec/ in {len(differences)} file(s); "
        f"run `nox -s codegen` and commit the result:\n{report}"
    )
