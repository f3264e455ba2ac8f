"""``python tests/census/report.py DIR...``: the optional fields present in every answer.

Each DIR holds the ``<pid>.json`` files of one census run (one server line). A field is listed
when it is optional in its model and was present (not null) in every parsed answer on every
line given; the count says how many answers that rests on.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

_VERSION = re.compile(r"v\d+_\d{8}|latest")


def load(folder: Path) -> dict[str, tuple[bool, int, int]]:
    total: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    optional: dict[str, bool] = {}
    for path in folder.glob("*.json"):
        for raw, entry in json.loads(path.read_text()).items():
            # The same model in another version's package is the same field for this purpose.
            key = _VERSION.sub("<ver>", raw)
            optional[key] = entry["optional"]
            total[key][0] += entry["present"]
            total[key][1] += entry["seen"]
    return {key: (optional[key], p, s) for key, (p, s) in total.items()}


def main(folders: list[str]) -> int:
    runs = [load(Path(f)) for f in folders]
    keys = set.intersection(*(set(r) for r in runs))
    rows = []
    for key in sorted(keys):
        entries = [r[key] for r in runs]
        if all(opt and seen and present == seen for opt, present, seen in entries):
            rows.append((key, [seen for _, _, seen in entries]))
    for key, counts in rows:
        print(f"{key}  (answers: {', '.join(map(str, counts))})")
    print(f"{len(rows)} optional fields always sent", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
