"""Transfer throughput and memory: the SDK against a bare httpx stream, same file, same loopback.

    eval "$(python -m stack env)"; python bench/bench_transfer.py [--size 1G] [--runs 3]

Each measurement runs in its own process, so its peak RSS is that of the transfer alone:

* ``baseline-upload``: one streaming httpx ``PATCH`` of the whole file (1 MiB blocks) to a fresh
  tus session of the storage proxy; ``sdk-upload``: ``VFolder.upload`` (16 MiB tus chunks).
* ``baseline-download``: one streaming httpx ``GET`` into a file; ``sdk-download``:
  ``VFolder.download`` (temporary file, size check, rename).

Printed: MiB/s of each, the SDK/baseline ratio (target >= 0.8) and peak RSS (target < 150 MiB).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLOCK = 2**20


def parse_size(text: str) -> int:
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    text = text.strip().lower().rstrip("ib")
    if text[-1:] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def child(kind: str, folder: str, path: str) -> None:
    import httpx

    from ai_backend_client.session import Session

    local = Path(path)
    with Session() as s:
        vf = s.VFolder(folder)
        start = time.perf_counter()
        if kind == "sdk-upload":
            vf.upload([local], basedir=local.parent)
        elif kind == "sdk-download":
            vf.download([local.name], basedir=local.parent)
        elif kind == "baseline-upload":
            size = local.stat().st_size
            info = s.wire.folders.create_upload_session(name=folder, path=local.name, size=size)

            def blocks():  # type: ignore[no-untyped-def]
                with open(local, "rb") as f:
                    while data := f.read(BLOCK):
                        yield data

            r = httpx.patch(
                info.url,
                params={"token": info.token},
                content=blocks(),
                headers={
                    "Tus-Resumable": "1.0.0",
                    "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(size),
                },
                timeout=600,
            )
            r.raise_for_status()
        elif kind == "baseline-download":
            info = s.wire.folders.create_download_session(name=folder, path=local.name)
            with (
                httpx.stream("GET", info.url, params={"token": info.token}, timeout=600) as r,
                open(local, "wb") as f,
            ):
                r.raise_for_status()
                for data in r.iter_bytes():
                    f.write(data)
        else:
            raise SystemExit(f"unknown measurement {kind}")
        print(time.perf_counter() - start)


def measure(kind: str, folder: str, path: Path) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one measurement in a fresh process."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, folder, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{kind} failed (status {status})")
    return float(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="1G")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "FOLDER", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    from ai_backend_client.session import Session

    size = parse_size(args.size)
    folder = f"bench-{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        src = Path(tmp) / "up" / "blob.bin"
        src.parent.mkdir()
        with open(src, "wb") as f:
            chunk = os.urandom(BLOCK)
            for i in range(size // BLOCK):
                f.write(chunk[i % 7 :] + chunk[: i % 7])
            f.write(os.urandom(size % BLOCK))
        with Session() as s:
            s.VFolder.create(folder)
            try:
                results: dict[str, list[tuple[float, float]]] = {}
                for run in range(args.runs):
                    for kind in (
                        "baseline-upload",
                        "sdk-upload",
                        "baseline-download",
                        "sdk-download",
                    ):
                        if kind.endswith("upload"):
                            target = src  # the storage proxy replaces the file each time
                        else:
                            target = Path(tmp) / f"down-{kind}-{run}" / "blob.bin"
                            target.parent.mkdir()
                        results.setdefault(kind, []).append(measure(kind, folder, target))
                        if kind.endswith("download"):
                            target.unlink()
            finally:
                s.VFolder(folder).delete()
    mib = size / 2**20
    print(f"file: {mib:.0f} MiB, {args.runs} runs, median")
    speed = {}
    for kind, rows in results.items():
        secs = statistics.median(r[0] for r in rows)
        rss = max(r[1] for r in rows)
        speed[kind] = mib / secs
        print(f"  {kind:18s} {speed[kind]:8.1f} MiB/s   peak RSS {rss:6.1f} MiB")
    for d in ("upload", "download"):
        print(
            f"  {d:9s} ratio sdk/baseline = {speed['sdk-' + d] / speed['baseline-' + d]:.2f} (target >= 0.8)"
        )


if __name__ == "__main__":
    main()
