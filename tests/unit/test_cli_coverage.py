"""``docs/cli-coverage.md`` is what ``python -m tools.cli_coverage`` writes from the official
command trees and our click tree today (regenerate it after adding or renaming commands)."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED
from tools import cli_coverage

REFERENCE = SHARED / "reference"


def _render() -> str:
    if not (REFERENCE / "cli-tree-26.9.6.txt").is_file():
        pytest.skip(f"the official command trees are not at {REFERENCE}")
    return cli_coverage.render(
        (REFERENCE / "cli-tree-26.9.6.txt").read_text(encoding="utf-8"),
        (REFERENCE / "cli-tree-22.3.2.txt").read_text(encoding="utf-8"),
    )


def test_the_page_is_current() -> None:
    assert cli_coverage.PAGE.read_text(encoding="utf-8") == _render(), (
        "docs/cli-coverage.md is stale: run python -m tools.cli_coverage"
    )


def test_statuses_follow_the_trees() -> None:
    tree = "\n".join(
        [
            "$ backend.ai --help",
            "$ backend.ai vfolder --help",
            "$ backend.ai vfolder restore --help",
            "$ backend.ai vfolder no-such-command --help",
            "$ backend.ai image --help",
            "$ backend.ai image list --help",
            "$ backend.ai v2 --help",
            "$ backend.ai v2 session --help",
        ]
    )
    old = "## backend.ai vfolder list  -- List virtual folders.\n"
    rows = {row[0]: row for row in cli_coverage.rows(tree, old)}
    assert rows["`backend.ai vfolder`"][1:4] == ("yes", "1/2", "partial")
    assert "`no-such-command`" in rows["`backend.ai vfolder`"][4]
    assert rows["`backend.ai image`"][1:4] == ("", "1/1", "implemented")
    assert (
        rows["`backend.ai v2`"][3] == "planned" and "`/v2` REST API" in rows["`backend.ai v2`"][4]
    )
