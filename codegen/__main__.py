"""``python -m codegen``: render ``generated/`` from ``spec/``.

python -m codegen                 # render every version into generated/
python -m codegen --out DIR       # render elsewhere
python -m codegen --check         # render into a temp dir; exit 1 listing differing files
python -m codegen --explain       # also print what was decided at the version seam, and why
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .render import compare_tree, render_tree, write_tree
from .seam import Seam, explain
from .spec import SpecError

_REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--spec", type=Path, default=_REPO / "spec", help="spec folder (default: spec/)"
    )
    parser.add_argument(
        "--out", type=Path, default=_REPO / "generated", help="output folder (default: generated/)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the output folder differs from a fresh rendering",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print which operations the adapters must implement and why, and what was absorbed",
    )
    args = parser.parse_args(argv)

    def report(seam: Seam) -> None:
        if args.explain:
            print("\n".join(explain(seam)))

    try:
        files = render_tree(args.spec, on_seam=report)
    except SpecError as e:
        print(f"codegen: error: {e}", file=sys.stderr)
        return 2
    if args.check:
        differences = compare_tree(files, args.out)
        if differences:
            print(f"codegen: {args.out} is out of date; run: nox -s codegen", file=sys.stderr)
            for relative, detail in differences.items():
                print(f"--- {relative}\n{detail}", file=sys.stderr)
            return 1
        print(f"codegen: {args.out} is up to date ({len(files)} files)")
        return 0
    changed = write_tree(files, args.out)
    print(f"codegen: {len(files)} files in {args.out}, {len(changed)} changed")
    for relative in changed:
        print(f"  {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
