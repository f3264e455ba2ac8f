"""``backend.ai --help`` wall time: ours vs. the official 22.03 client (backend.ai-client 22.3.2).

The official client is installed once into ``~/.cache/ai-backend-client-bench/`` (pins from
``../shared/reference/official-client-22.3.2-freeze.txt``, Python 3.11 from pyenv). Prints the
medians and their ratio; the target is a ratio of at most 0.4. No assertions.

    python bench/bench_cli_help.py [--runs N]
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FREEZE = HERE.parent.parent / "shared" / "reference" / "official-client-22.3.2-freeze.txt"
# Outside the repository, so it is never committed and survives a fresh checkout.
OFFICIAL_VENV = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "ai-backend-client-bench"
    / "venv-official-22.3.2"
)


def _python311() -> str:
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.11.*/bin/python")))
    if candidates:
        return candidates[-1]
    found = shutil.which("python3.11")
    if found:
        return found
    sys.exit("no Python 3.11 found (looked in ~/.pyenv/versions/3.11.*)")


def official_cli() -> Path:
    script = OFFICIAL_VENV / "bin" / "backend.ai"
    if script.exists():
        return script
    print(f"installing backend.ai-client 22.3.2 into {OFFICIAL_VENV} ...", file=sys.stderr)
    subprocess.run([_python311(), "-m", "venv", str(OFFICIAL_VENV)], check=True)
    pip = [str(OFFICIAL_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
    # PyYAML 5.4.1 has no 3.11 wheel and its sdist only builds with Cython < 3, without build
    # isolation (see official-client-22.3.2-notes.md); the rest installs from the pins.
    subprocess.run([*pip, "cython<3", "setuptools", "wheel"], check=True)
    subprocess.run([*pip, "--no-build-isolation", "PyYAML==5.4.1"], check=True)
    subprocess.run([*pip, "-c", str(FREEZE), "backend.ai-client==22.3.2"], check=True)
    return script


def ours_cli() -> Path:
    script = Path(sys.executable).parent / "backend.ai"
    if not script.exists():
        sys.exit(f"{script} is missing: install this package (pip install -e .) first")
    return script


def wall(cmd: list[str], runs: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKEND_", "SORNA_"))}
    subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm the page cache
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        samples.append(time.perf_counter() - t0)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    official = official_cli()
    ours = ours_cli()
    t_official = wall([str(official), "--help"], args.runs)
    t_ours = wall([str(ours), "--help"], args.runs)
    t_python = wall([sys.executable, "-c", "pass"], args.runs)
    m_off, m_ours, m_py = (statistics.median(t) for t in (t_official, t_ours, t_python))
    print(f"runs per command: {args.runs}")
    print(
        f"official 22.3.2  backend.ai --help   median {m_off * 1000:7.1f} ms  (min {min(t_official) * 1000:.1f})"
    )
    print(
        f"ai-backend-client backend.ai --help  median {m_ours * 1000:7.1f} ms  (min {min(t_ours) * 1000:.1f})"
    )
    print(f"python -c pass (interpreter start)   median {m_py * 1000:7.1f} ms")
    print(f"ratio ours / official: {m_ours / m_off:.2f}x (target <= 0.40x)")


if __name__ == "__main__":
    main()
