"""The fault table of docs/reliability.md lists every fault case of this suite."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"


def _fault_cases() -> set[str]:
    names: set[str] = set()
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        module = importlib.import_module(f"tests.faults.{path.stem}")
        for name, obj in vars(module).items():
            marks = getattr(obj, "pytestmark", [])
            if name.startswith("test_") and any(m.name == "fault" for m in marks):
                names.add(name)
    return names


def test_every_fault_case_is_in_the_table() -> None:
    documented = set(re.findall(r"^\| \d+ \| [^|]+ \| `(test_\w+)` \|", DOC.read_text(), re.M))
    cases = _fault_cases()
    assert cases, "no fault cases found"
    missing, stale = cases - documented, documented - cases
    if missing or stale:
        pytest.fail(
            f"docs/reliability.md is out of date (run: nox -s faults -- --update); "
            f"missing: {sorted(missing)}, gone: {sorted(stale)}"
        )
