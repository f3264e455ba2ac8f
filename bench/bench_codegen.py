"""Wall time of ``python -m codegen`` and the size of what it renders, per API version.

Regenerates into a temporary folder (never touching ``generated/``) ``--runs`` times, prints the
median and range of the wall time, then the size of each top-level package of the rendering:
files, lines and bytes of Python source. Needs no server. Run: ``python bench/bench_codegen.py``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _render(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "codegen", "--out", str(out)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _size(folder: Path) -> tuple[int, int, int]:
    files = lines = size = 0
    for path in sorted(folder.rglob("*.py")):
        data = path.read_bytes()
        files += 1
        lines += data.count(b"\n")
        size += len(data)
    return files, lines, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="renderings to time (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "generated"
        times = [_render(out) for _ in range(max(1, args.runs))]
        print(
            f"python -m codegen (all versions): median {statistics.median(times):.1f} s "
            f"(min {min(times):.1f} s, max {max(times):.1f} s, {len(times)} runs)"
        )
        print(f"{'package':<16} {'files':>6} {'lines':>8} {'KiB':>8}")
        for package in sorted(p for p in out.iterdir() if p.is_dir()):
            files, lines, size = _size(package)
            print(f"{package.name:<16} {files:>6} {lines:>8} {size / 1024:>8.0f}")
        files, lines, size = _size(out)
        print(f"{'total':<16} {files:>6} {lines:>8} {size / 1024:>8.0f}")


if __name__ == "__main__":
    main()
