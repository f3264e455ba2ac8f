"""``python -m tools.verifytypes``: ``pyright --verifytypes`` on the installed package, held at 100 %.

Runs pyright's type-completeness check of ``ai_backend_client`` as a user's checker sees it (the
package must be installed, not editable: run it with the interpreter of a venv that has the
wheel, as ``nox -s wheel`` does). It prints the score, then every symbol whose type pyright finds
ambiguous or unknown because of its own declaration (the symbols that merely contain one are not
repeated), and exits 1 when such a symbol is not listed in ``JUSTIFIED`` below, or when a
justified one no longer needs to be.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = "ai_backend_client"

#: Symbols pyright cannot fully type from their declaration, each with the reason it is right as
#: it is. Everything else must reach a known type.
JUSTIFIED: dict[str, str] = {}


def _pyright() -> str:
    here = Path(sys.executable).parent / "pyright"
    found = str(here) if here.exists() else shutil.which("pyright")
    if not found:
        raise SystemExit("tools.verifytypes: pyright is not installed")
    return found


def main() -> int:
    env = dict(os.environ)
    # pyright resolves the package with the first python on PATH: this interpreter's venv
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    run = subprocess.run(
        [_pyright(), "--verifytypes", PACKAGE, "--ignoreexternal", "--outputjson"],
        capture_output=True,
        text=True,
        env=env,
        cwd=os.path.expanduser("~"),  # not the source tree: the installed package is checked
        check=False,
    )
    try:
        report = json.loads(run.stdout)
    except ValueError:
        print(run.stdout[-2000:], run.stderr[-2000:], file=sys.stderr)
        return 2
    for diagnostic in report.get("generalDiagnostics", []):
        if diagnostic.get("severity") == "error":
            print(f"tools.verifytypes: {diagnostic['message']}", file=sys.stderr)
            return 2
    completeness = report["typeCompleteness"]
    counts = completeness["exportedSymbolCounts"]
    print(
        f"type completeness {completeness['completenessScore']:.1%}: "
        f"{counts['withKnownType']} known, {counts['withAmbiguousType']} ambiguous, "
        f"{counts['withUnknownType']} unknown exported symbols"
    )
    causes: dict[str, str] = {}
    for symbol in completeness["symbols"]:
        if symbol["isTypeKnown"] and not symbol.get("isTypeAmbiguous"):
            continue
        messages = [
            d["message"].splitlines()[0]
            for d in symbol.get("diagnostics", [])
            if "docstring" not in d["message"] and "partially unknown" not in d["message"]
        ]
        if messages:
            causes[symbol["name"]] = "; ".join(messages)
    failed = False
    for name, why in sorted(causes.items()):
        mark = "justified" if name in JUSTIFIED else "NOT JUSTIFIED"
        failed |= name not in JUSTIFIED
        print(f"  {mark}: {name}: {why}")
    for name in sorted(set(JUSTIFIED) - set(causes)):
        failed = True
        print(f"  justified but now fully typed (remove it from JUSTIFIED): {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
