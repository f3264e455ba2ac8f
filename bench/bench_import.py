"""Import cost of the package next to httpx's: prints medians and their ratio (one run, no asserts)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15


def wall(code: str) -> float:
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    base = wall("pass")
    httpx_t = wall("import httpx")
    ours = wall("import ai_backend_client")
    eager = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ai_backend_client; print(sorted(m for m in sys.modules if '_generated' in m or m == 'pydantic'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"python -c pass                    {base * 1000:7.1f} ms")
    print(f"python -c 'import httpx'          {httpx_t * 1000:7.1f} ms")
    print(f"python -c 'import ai_backend_client' {ours * 1000:7.1f} ms")
    print(
        f"ratio ai_backend_client / httpx (interpreter start-up excluded): "
        f"{(ours - base) / max(httpx_t - base, 1e-9):.2f}x"
    )
    print(f"generated modules / pydantic imported eagerly: {eager}")


if __name__ == "__main__":
    main()
