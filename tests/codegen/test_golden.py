"""The committed ``generated/`` tree is exactly what the generator renders from ``spec/``."""

from __future__ import annotations

from pathlib import Path

from codegen.render import compare_tree, render_tree
from codegen.seam import Seam, explain

REPO = Path(__file__).resolve().parents[2]


def test_generated_tree_matches_a_fresh_rendering() -> None:
    seams: list[Seam] = []
    # each merged document's OpenAPI validity is a test of its own (tests/unit/test_spec_v*.py)
    files = render_tree(REPO / "spec", on_seam=seams.append, validate=False)
    differences = compare_tree(files, REPO / "generated")
    report = "\n".join(f"--- generated/{name}\n{detail}" for name, detail in differences.items())
    assert not differences, (
        f"generated/ differs from a fresh rendering of spec/ in {len(differences)} file(s); "
        f"run `nox -s codegen` and commit the result:\n{report}"
    )
    # `--explain` gives a reason for exactly the operations of the generated adapter table
    from ai_backend_client._generated.neutral import DIFFERING

    (seam,) = seams
    lines = explain(seam)
    explained = {line.split(":", 1)[0].strip() for line in lines if line.startswith("  ")}
    assert set(DIFFERING) <= explained
    for name in DIFFERING:
        (line,) = [x for x in lines if x.startswith(f"  {name}: ")]
        assert len(line) > len(name) + 20, f"no reason given for {name}"
