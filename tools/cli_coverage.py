"""``python -m tools.cli_coverage [--check]``: the table of every command group of the official
26.9.6 client with our status, written to ``docs/cli-coverage.md``.

It reads the official command trees (``reference/cli-tree-26.9.6.txt`` and
``cli-tree-22.3.2.txt``, the ``--help`` pages of every command) and walks our own click tree, so
the table says what is true: a group is *implemented* when every official subcommand of it
exists here, *partial* when some do (the missing ones are named), and otherwise *planned* or
*not applicable*, with the reason from :data:`NOTES`. ``--check`` exits 1 when the page is stale
(the unit test ``tests/unit/test_cli_coverage.py`` does the same).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = REPO.parent / "shared" / "reference"
PAGE = REPO / "docs" / "cli-coverage.md"

Path_ = tuple[str, ...]

#: Why a group is not here yet, or never will be (a group not listed and not implemented is
#: "planned" without a reason). Keys are command paths without ``backend.ai``.
NOTES: dict[Path_, tuple[str, str]] = {
    ("service",): ("planned", "model serving, issue 15 item 3 (in progress on another branch)"),
    ("service", "auto-scaling-rule"): ("planned", "model serving, issue 15 item 3"),
    ("model",): ("planned", "model serving, issue 15 item 3"),
    ("deployment",): ("planned", "26.09 `/v2/deployments`, issue 15 item 3"),
    ("deployment", "policy"): ("planned", "26.09 `/v2/deployments`, issue 15 item 3"),
    ("deployment", "revision"): ("planned", "26.09 `/v2/deployments`, issue 15 item 3"),
    ("deployment", "route"): ("planned", "26.09 `/v2/deployments`, issue 15 item 3"),
    ("v2",): (
        "planned",
        "26.09's `/v2` REST API: the generated wire has every operation "
        "(`session.wire.v2_*`); no function classes or commands yet",
    ),
}
_V2_NOTE = NOTES[("v2",)]


def command_paths(tree_text: str) -> list[Path_]:
    """Every command of a tree file: the 26.9.6 ``$ backend.ai ... --help`` pages, or the
    22.3.2 ``## backend.ai ...`` headings."""
    found = [
        m.group(1).split() for m in re.finditer(r"^\$ backend\.ai ?(.*?) --help$", tree_text, re.M)
    ]
    found += [
        m.group(1).split()
        for m in re.finditer(r"^## backend\.ai ?(.*?)(?:  -- .*)?$", tree_text, re.M)
    ]
    return [tuple(p) for p in found]


def official_groups(paths: Iterable[Path_]) -> dict[Path_, list[str]]:
    """Group path -> the names of its subcommands (groups and commands)."""
    groups: dict[Path_, set[str]] = {}
    for path in paths:
        if path:
            groups.setdefault(path[:-1], set()).add(path[-1])
    return {group: sorted(names) for group, names in groups.items()}


def our_subcommands(group: Path_) -> set[str] | None:
    """The subcommand names our CLI has under *group* (None: no such group here)."""
    import click

    from ai_backend_client.cli.main import cli

    ctx = click.Context(cli, info_name="backend.ai")
    command: click.Command = cli
    for name in group:
        if not isinstance(command, click.Group):
            return None
        sub = command.get_command(ctx, name)
        if sub is None:
            return None
        ctx = click.Context(sub, info_name=name, parent=ctx)
        command = sub
    if not isinstance(command, click.Group):
        return None
    return set(command.list_commands(ctx))


def _note(group: Path_) -> tuple[str, str] | None:
    if group in NOTES:
        return NOTES[group]
    if group[:1] == ("v2",):
        return _V2_NOTE
    parent = group[:-1]
    return NOTES.get(parent) if parent and parent in NOTES else None


def _names(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def rows(new_tree: str, old_tree: str) -> list[tuple[str, str, str, str, str]]:
    """(group, in 22.3.2, ours/official, status, notes) for every official 26.9.6 group."""
    groups = official_groups(command_paths(new_tree))
    old_groups = official_groups(command_paths(old_tree))
    table = []
    for group in sorted(groups):
        official = groups[group]
        ours = our_subcommands(group) or set()
        present = [n for n in official if n in ours]
        missing = [n for n in official if n not in ours]
        note = _note(group)
        if not missing:
            status, why = "implemented", ""
        elif present:
            status = "partial"
            why = "missing " + _names(missing) + (f"; {note[1]}" if note else "")
        else:
            status, why = note if note else ("planned", "")
        name = "backend.ai " + " ".join(group) if group else "backend.ai (top level)"
        table.append(
            (
                f"`{name}`",
                "yes" if group in old_groups else "",
                f"{len(present)}/{len(official)}",
                status,
                why,
            )
        )
    return table


def render(new_tree: str, old_tree: str) -> str:
    table = rows(new_tree, old_tree)
    counts: dict[str, int] = {}
    for row in table:
        counts[row[3]] = counts.get(row[3], 0) + 1
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    lines = [
        "# CLI coverage of the official 26.9.6 client",
        "",
        "<!-- generated by `python -m tools.cli_coverage` from the official command trees",
        "     (reference/cli-tree-26.9.6.txt, cli-tree-22.3.2.txt) and our click tree;",
        "     do not edit by hand. tests/unit/test_cli_coverage.py checks it is current. -->",
        "",
        "Every command group of the official 26.9.6 `backend.ai` (a user of a current cluster",
        "would otherwise install it) and what `backend.ai` of this project has of it. A group is",
        "*implemented* when every official subcommand exists here with the official name,",
        "*partial* when some do (the missing ones are named), and otherwise *planned* or *not",
        "applicable*, with the reason. *22.3.2* says whether the group was already in the 22.3.2",
        "client, whose whole tree this project keeps.",
        "",
        f"{len(table)} groups: {summary}.",
        "",
        "| Group | 22.3.2 | Ours / official | Status | Notes |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in table]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cli_coverage", description=__doc__)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=PAGE)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    text = render(
        (args.reference / "cli-tree-26.9.6.txt").read_text(encoding="utf-8"),
        (args.reference / "cli-tree-22.3.2.txt").read_text(encoding="utf-8"),
    )
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is stale: run python -m tools.cli_coverage", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
