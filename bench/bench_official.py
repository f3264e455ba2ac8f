"""Issue 12 in one run: this client against the official ones on the same local 24.09 server.

    eval "$(python3 -m stack env --line 24.09)"
    python bench/bench_official.py [--runs 5] [--only cli,import,sdk,many,large,cpu] [--size 300M]

The official ``backend.ai-client==24.9.6`` cannot speak API v9 (26.09), so every comparison runs
against the 24.09 stack. It is installed once into its own venv (Python 3.12 from pyenv) under
``~/.cache/ai-backend-client-bench/``; the official 22.3.2 client (for the CPU per call, as the
issue asks) comes from ``bench_cli_help.py``'s cached venv.

Every measurement is a fresh process (wall time and peak RSS from ``wait4``); variants alternate
within each run (the order rotates), after one untimed warm-up each, and are printed as
median (min-max). Children get bytecode caching (``PYTHONPYCACHEPREFIX`` under the cache
directory, ``PYTHONDONTWRITEBYTECODE`` dropped) so that neither side pays for compiling its
sources, as after a normal ``pip install``. Nothing is asserted.

Sections (``--only``):

* ``cli``: ``vfolder list``, ``ps``, ``admin agent list``, ``session-template list``, ``dotfile
  list``: ours vs official 24.9.6 (targets: wall <= 0.35x, peak RSS <= 0.6x). Five folders
  are made for the run, so that ``vfolder list`` renders the same table whatever else the stack
  holds; each line says how many items the command listed.
* ``import``: ``import ai_backend_client`` / ``ai_backend_client.types`` (targets 0.05 s /
  0.15 s, interpreter start-up subtracted).
* ``sdk``: a script that opens a ``Session`` and lists vfolders: time to the first result, and the
  server's time for the same requests from bare httpx, both back to back and as the script meets
  the server (a new connection after the server sat idle as long as one script run takes)
  (target: first result <= 0.3 s plus server time).
* ``many``: ``vfolder upload`` of a directory of ``--files`` files of 20 KB, and ``vfolder
  download`` of them again (byte-identical), ours vs the official client vs the server's limit: the
  same requests (request-upload/-download, then PATCH/GET) from bare httpx, 4 at once as ours
  (target: <= 2.0 s). Down twice: the files by name (one GET each), and the directory (one zip
  archive).
* ``large``: one ``--size`` file up and down: ours vs official vs bare httpx streaming to the same
  storage-proxy URL (targets: wall <= 0.9x official, peak RSS <= 64 MiB).
* ``cpu``: client CPU (user + system) per signed call (``GET /folders/_/hosts``) in a warm
  process: ours vs official 22.3.2 vs bare httpx signing with the same ``BackendAIAuth``
  (target: <= 0.8x official).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ai-backend-client-bench"
OFFICIAL_24 = CACHE / "venv-official-24.9.6"
PYCACHE = CACHE / "pycache"
SECTIONS = ("cli", "import", "sdk", "many", "large", "cpu")
CLI_COMMANDS = (
    "vfolder list",
    "ps",
    "admin agent list",
    "session-template list",
    "dotfile list",
)
MANY_SIZE = 20_000
CLI_FOLDERS = 5  # folders the `vfolder list` measurement lists
PARALLEL = 4  # the SDK's default (transfer.DEFAULT_MAX_PARALLEL); bare httpx does the same

Sample = tuple[float, float]  # (seconds, peak RSS MiB)


# -- the official clients --------------------------------------------------------------------
def _python312() -> str:
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12.*/bin/python")))
    if found:
        return found[-1]
    sys.exit("no Python 3.12 found (looked in ~/.pyenv/versions/3.12.*)")


def official_24() -> Path:
    """``backend.ai`` of backend.ai-client 24.9.6 in its own venv (installed on first use)."""
    script = OFFICIAL_24 / "bin" / "backend.ai"
    if script.exists():
        return script
    print(f"installing backend.ai-client 24.9.6 into {OFFICIAL_24} ...", file=sys.stderr)
    subprocess.run([_python312(), "-m", "venv", str(OFFICIAL_24)], check=True)
    pip = [str(OFFICIAL_24 / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "backend.ai-client==24.9.6"], check=True)
    return script


def official_22_python() -> Path:
    sys.path.insert(0, str(HERE))
    import bench_cli_help

    return bench_cli_help.official_cli().parent / "python"


def ours() -> Path:
    script = Path(sys.executable).parent / "backend.ai"
    if not script.exists():
        sys.exit(f"{script} is missing: install this package (pip install -e .) first")
    return script


# -- measuring -------------------------------------------------------------------------------
def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["PYTHONWARNINGS"] = "ignore"
    return env


#: GNU time reports its child's peak RSS. ``wait4`` from this process cannot: Linux counts the
#: memory a child had before ``exec`` (this process's, once it has loaded the SDK) in its peak.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_child(cmd: Sequence[str], *, check: bool = True) -> tuple[float, float, int, str]:
    """(seconds, peak RSS MiB, exit code, stdout) of *cmd* in a fresh process."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        argv = [GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *cmd] if GNU_TIME else list(cmd)
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(), text=True
        )
        assert proc.stdout is not None and proc.stderr is not None
        out = proc.stdout.read()
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        peak_kib = float(rss.read().split()[-1]) if GNU_TIME else float(usage.ru_maxrss)
    rc = os.waitstatus_to_exitcode(status)
    if check and rc != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({rc}): {err.strip()[-500:]}")
    return seconds, peak_kib / 1024, rc, out


def alternate(
    variants: dict[str, Callable[[], Sample]], runs: int, *, warmup: bool = True
) -> dict[str, list[Sample]]:
    if warmup:
        for fn in variants.values():
            fn()
    names = list(variants)
    results: dict[str, list[Sample]] = {n: [] for n in names}
    for i in range(runs):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            results[name].append(variants[name]())
    return results


def span(values: Sequence[float], unit: str = "s", scale: float = 1.0) -> str:
    v = [x * scale for x in values]
    return f"{statistics.median(v):.3f} {unit} ({min(v):.3f}-{max(v):.3f})"


def ratio(a: Sequence[Sample], b: Sequence[Sample], i: int = 0) -> float:
    return statistics.median(x[i] for x in a) / statistics.median(x[i] for x in b)


def line(label: str, samples: Sequence[Sample]) -> str:
    rss = max(s[1] for s in samples)
    return f"    {label:28s} {span([s[0] for s in samples])}   peak RSS {rss:6.1f} MiB"


# -- sections --------------------------------------------------------------------------------
def section_cli(runs: int) -> None:
    print("CLI commands, ours vs official 24.9.6 (targets: wall <= 0.35x, peak RSS <= 0.6x)")
    from ai_backend_client.session import Session

    # A fixed listing, whatever else the stack holds: the folders below plus the caller's own.
    folders = [f"bench-cli-{i}-{secrets.token_hex(3)}" for i in range(CLI_FOLDERS)]
    with Session() as s:
        for name in folders:
            s.VFolder.create(name)
        try:
            _cli_commands(runs)
        finally:
            for name in folders:
                s.VFolder(name).delete()


def _cli_commands(runs: int) -> None:
    mine, theirs = str(ours()), str(official_24())
    for command in CLI_COMMANDS:
        args = command.split()
        codes: dict[str, set[int]] = {"ours": set(), "official": set()}

        def timed(cmd: list[str], who: str, codes: dict[str, set[int]] = codes) -> Sample:
            seconds, rss, rc, _ = run_child(cmd, check=False)
            codes[who].add(rc)
            return seconds, rss

        res = alternate(
            {
                "ours": lambda a=args: timed([mine, *a], "ours"),
                "official": lambda a=args: timed([theirs, *a], "official"),
            },
            runs,
        )
        listed = json.loads(run_child([mine, "--output", "json", *args], check=False)[3] or "{}")
        print(f"  backend.ai {command} ({len(listed.get('items') or [])} items listed)")
        for who, label in (("ours", "ours"), ("official", "official 24.9.6")):
            failed = sorted(codes[who] - {0})
            # The official ps exits 1 when there is no session (its pager raises NoItems).
            print(line(label, res[who]) + (f"   exit {failed}" if failed else ""))
        print(
            f"    ratio: wall {ratio(res['ours'], res['official']):.2f}x, "
            f"peak RSS {max(s[1] for s in res['ours']) / max(s[1] for s in res['official']):.2f}x"
        )


def section_import(runs: int) -> None:
    print("Imports (targets: ai_backend_client <= 0.05 s, .types <= 0.15 s, start-up subtracted)")
    py = sys.executable
    res = alternate(
        {
            "python -c pass": lambda: run_child([py, "-c", "pass"])[:2],
            "import ai_backend_client": lambda: run_child([py, "-c", "import ai_backend_client"])[
                :2
            ],
            "import ai_backend_client.types": lambda: run_child(
                [py, "-c", "import ai_backend_client.types"]
            )[:2],
        },
        runs,
    )
    start = statistics.median(s[0] for s in res["python -c pass"])
    for name, samples in res.items():
        extra = (
            "" if name == "python -c pass" else f"   import alone {samples_minus(samples, start)}"
        )
        print(line(name, samples) + extra)


def samples_minus(samples: Sequence[Sample], start: float) -> str:
    return f"{statistics.median(s[0] for s in samples) - start:.3f} s"


_SDK_SCRIPT = """
import time
t0 = time.perf_counter()
from ai_backend_client.session import Session
with Session() as s:
    s.VFolder.list()
    print(time.perf_counter() - t0)
"""

_SERVER_SCRIPT = """
import os, statistics, sys, time, httpx
from ai_backend_client.auth import BackendAIAuth
auth = BackendAIAuth(os.environ["BACKEND_ACCESS_KEY"], os.environ["BACKEND_SECRET_KEY"])
h = {"X-BackendAI-Version": "v8.20240915", "X-BackendAI-Domain": "default"}
idle = float(sys.argv[1])
def pair(c):
    t0 = time.perf_counter()
    c.get("/").raise_for_status()
    c.get("/folders", headers=h, auth=auth).raise_for_status()
    return time.perf_counter() - t0
warm, cold = [], []
with httpx.Client(base_url=os.environ["BACKEND_ENDPOINT"]) as c:
    for i in range(8):
        t = pair(c)
        if i >= 2:
            warm.append(t)
for i in range(6):  # as in a new process: the server idle meanwhile, a new connection
    time.sleep(idle)
    with httpx.Client(base_url=os.environ["BACKEND_ENDPOINT"]) as c:
        cold.append(pair(c))
print(statistics.median(warm), statistics.median(cold))
"""


def section_sdk(runs: int) -> None:
    print("SDK script: open a Session, list vfolders (target: first result <= 0.3 s + server time)")
    py = sys.executable
    firsts: list[float] = []
    walls: list[Sample] = []
    for i in range(runs + 1):
        seconds, rss, _, out = run_child([py, "-c", _SDK_SCRIPT])
        if i:
            firsts.append(float(out.split()[-1]))
            walls.append((seconds, rss))
    # The SDK's two requests reach a server that sat idle while the process started: that
    # server is several times slower than one answering back to back (bench/README.md).
    idle = statistics.median(w for w, _ in walls)
    out = run_child([py, "-c", _SERVER_SCRIPT, f"{idle:.3f}"])[3].split()
    warm, cold = float(out[-2]), float(out[-1])
    first = statistics.median(firsts)
    print(line("process wall", walls))
    print(f"    {'first result (in process)':28s} {span(firsts)}")
    print(f"    {'server time, warm':28s} {warm:.3f} s (bare httpx, back to back)")
    print(
        f"    {'server time, after idle':28s} {cold:.3f} s (bare httpx, new connection {idle:.2f} s after the last)"
    )
    print(
        f"    first result minus server time: {first - cold:.3f} s (minus the warm time: {first - warm:.3f} s)"
    )


def _tree(root: Path, n: int) -> list[str]:
    names = []
    for i in range(n):
        rel = f"many/d{i % 10}/f{i:03d}.bin"
        p = root.joinpath(*rel.split("/"))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(MANY_SIZE))
        names.append(rel)
    return names


_BARE_MANY = """
import os, sys, threading, httpx
from concurrent.futures import ThreadPoolExecutor
from ai_backend_client.session import Session
kind, folder, root, *names = sys.argv[1:]
def again(call, **kw):  # the 24.09 storage proxy fails to open a session now and then
    for attempt in range(6):
        try:
            return call(**kw)
        except Exception:
            if attempt == 5:
                raise
with Session() as s, httpx.Client(timeout=60) as c:
    wire = s.wire.folders
    def up(rel):
        path = os.path.join(root, rel)
        data = open(path, "rb").read()
        info = again(wire.create_upload_session, name=folder, path=rel, size=len(data))
        c.patch(info.url, params={"token": info.token}, content=data, headers={
            "Tus-Resumable": "1.0.0", "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"}).raise_for_status()
    def down(rel):
        info = again(wire.create_download_session, name=folder, path=rel)
        r = c.get(info.url, params={"token": info.token}); r.raise_for_status()
        path = os.path.join(root, rel); os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "wb").write(r.content)
    with ThreadPoolExecutor(__PARALLEL__) as pool:
        list(pool.map(up if kind == "up" else down, names))
""".replace("__PARALLEL__", str(PARALLEL))


def _stack_cpu() -> dict[str, float] | None:
    """CPU seconds (user + system) used so far by the local stack's manager, storage proxy and
    PostgreSQL, each with its children; ``None`` when the stack is not this machine's."""
    sys.path.insert(0, str(HERE.parent))
    from stack import procs
    from stack import settings as S

    run = S.default_root(S.resolve_line(os.environ.get("AIBC_STACK_LINE"))) / "run"
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for name in ("manager", "storage-proxy", "postgres"):
        rec = procs.running(run, name)
        if rec is None:
            return None
        total = 0
        for pid, _ in procs._snapshot(rec):
            fields = procs._proc_stat(pid) or []
            if len(fields) > 14:  # utime, stime, and those of its children it has reaped
                total += sum(int(f) for f in fields[11:15])
        used[name] = total / tick
    return used


def _digests(root: Path, names: Sequence[str]) -> list[str]:
    return [hashlib.sha256(root.joinpath(*n.split("/")).read_bytes()).hexdigest() for n in names]


def section_many(runs: int, files: int) -> None:
    print(
        f"{files} files of {MANY_SIZE // 1000} KB up and down (target <= 2.0 s each way; "
        f"bare httpx, {PARALLEL} at once, is the server's limit)"
    )
    from ai_backend_client.session import Session

    mine, theirs, py = str(ours()), str(official_24()), sys.executable
    folder = f"bench-many-{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory() as tmp, Session() as s:
        src = Path(tmp) / "src"
        names = _tree(src, files)
        want = _digests(src, names)
        s.VFolder.create(folder)
        try:
            rc = run_child(
                [theirs, "vfolder", "upload", folder, str(src / "many"), "-b", str(src)],
                check=False,
            )[2]
            print(f"    official 24.9.6 upload of the directory: exit {rc}")
            server: list[dict[str, float]] = []

            def ours_up() -> Sample:
                before = _stack_cpu()
                sample = run_child([mine, "vfolder", "upload", folder, "many", "-b", str(src)])
                after = _stack_cpu()
                if before and after:
                    server.append({k: after[k] - before[k] for k in after})
                return sample[:2]

            up = alternate(
                {
                    "ours": ours_up,
                    "bare httpx": lambda: run_child(
                        [py, "-c", _BARE_MANY, "up", folder, str(src), *names]
                    )[:2],
                },
                runs,
            )
            counter = [0]

            def fresh() -> Path:
                counter[0] += 1
                return Path(tmp) / f"down{counter[0]}"

            def ours_down() -> Sample:
                dest = fresh()
                sample = run_child([mine, "vfolder", "download", folder, *names, "-b", str(dest)])[
                    :2
                ]
                if _digests(dest, names) != want:
                    raise SystemExit("ours: the downloaded files differ from the uploaded ones")
                shutil.rmtree(dest)
                return sample

            def ours_down_dir() -> Sample:  # the directory itself: one zip archive
                dest = fresh()
                sample = run_child([mine, "vfolder", "download", folder, "many", "-b", str(dest)])[
                    :2
                ]
                if _digests(dest, names) != want:
                    raise SystemExit("ours: the downloaded directory differs from the uploaded one")
                shutil.rmtree(dest)
                return sample

            def bare_down() -> Sample:
                dest = fresh()
                sample = run_child([py, "-c", _BARE_MANY, "down", folder, str(dest), *names])[:2]
                shutil.rmtree(dest)
                return sample

            down = alternate(
                {"ours": ours_down, "ours, the directory": ours_down_dir, "bare httpx": bare_down},
                runs,
            )
        finally:
            s.VFolder(folder).delete()
    for title, res in (("upload", up), ("download (byte-identical)", down)):
        print(f"  {title}")
        print(line(f"ours ({PARALLEL} at once)", res["ours"]))
        print(line(f"bare httpx ({PARALLEL} at once)", res["bare httpx"]))
        print(f"    ratio ours / bare: {ratio(res['ours'], res['bare httpx']):.2f}x")
        if "ours, the directory" in res:
            print(line("ours, the directory (one zip archive)", res["ours, the directory"]))
            print(
                "    ratio directory / bare file by file: "
                f"{ratio(res['ours, the directory'], res['bare httpx']):.2f}x"
            )
    if server:  # what the server itself spends: the floor on this machine's cores
        last = server[-1]
        per_file = {k: v / files * 1000 for k, v in last.items()}
        cores = os.cpu_count() or 1
        print(
            "    server CPU per uploaded file (last run): "
            + ", ".join(f"{k} {v:.1f} ms" for k, v in per_file.items())
            + f"; {files} files need {sum(last.values()):.2f} s of server CPU"
            + f" ({sum(last.values()) / cores:.2f} s on {cores} cores, before the client's own)"
        )


_BARE_LARGE = """
import sys, httpx
from ai_backend_client.session import Session
kind, folder, path = sys.argv[1:]
import os
with Session() as s:
    if kind == "up":
        size = os.path.getsize(path)
        info = s.wire.folders.create_upload_session(name=folder, path="big.bin", size=size)
        def blocks():
            with open(path, "rb") as f:
                while data := f.read(1 << 20):
                    yield data
        httpx.patch(info.url, params={"token": info.token}, content=blocks(), timeout=600,
            headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Length": str(size),
                     "Content-Type": "application/offset+octet-stream"}).raise_for_status()
    else:
        info = s.wire.folders.create_download_session(name=folder, path="big.bin")
        with httpx.stream("GET", info.url, params={"token": info.token}, timeout=600) as r, \\
                open(path, "wb") as f:
            r.raise_for_status()
            for data in r.iter_bytes():
                f.write(data)
"""


def section_large(runs: int, size: int) -> None:
    mib = size / 2**20
    print(
        f"One {mib:.0f} MiB file (targets: wall <= 0.9x official, peak RSS <= 64 MiB; bare httpx "
        "to the same storage-proxy URL is the limit)"
    )
    from ai_backend_client.session import Session

    mine, theirs, py = str(ours()), str(official_24()), sys.executable
    folder = f"bench-large-{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp, Session() as s:
        src = Path(tmp) / "up" / "big.bin"
        src.parent.mkdir()
        with open(src, "wb") as f:
            block = os.urandom(2**20)
            for i in range(size // 2**20):
                f.write(block[i % 7 :] + block[: i % 7])
            f.write(os.urandom(size % 2**20))
        s.VFolder.create(folder)
        try:
            up = alternate(
                {
                    "ours": lambda: run_child(
                        [mine, "vfolder", "upload", folder, "big.bin", "-b", str(src.parent)]
                    )[:2],
                    "official": lambda: run_child(
                        [theirs, "vfolder", "upload", folder, "big.bin", "-b", str(src.parent)]
                    )[:2],
                    "bare": lambda: run_child([py, "-c", _BARE_LARGE, "up", folder, str(src)])[:2],
                },
                runs,
                warmup=False,
            )

            def download(cmd: Callable[[Path], list[str]]) -> Callable[[], Sample]:
                def run() -> Sample:
                    dest = Path(tmp) / f"down-{secrets.token_hex(3)}"
                    dest.mkdir()
                    sample = run_child(cmd(dest))[:2]
                    if (dest / "big.bin").stat().st_size != size:
                        raise SystemExit(f"{cmd(dest)[0]}: the download is incomplete")
                    shutil.rmtree(dest)
                    return sample

                return run

            down = alternate(
                {
                    "ours": download(
                        lambda d: [mine, "vfolder", "download", folder, "big.bin", "-b", str(d)]
                    ),
                    "official": download(
                        lambda d: [theirs, "vfolder", "download", folder, "big.bin", "-b", str(d)]
                    ),
                    "bare": download(
                        lambda d: [py, "-c", _BARE_LARGE, "down", folder, str(d / "big.bin")]
                    ),
                },
                runs,
                warmup=False,
            )
        finally:
            s.VFolder(folder).delete()
    for title, res in (("upload", up), ("download", down)):
        print(f"  {title}")
        print(line("ours", res["ours"]))
        print(line("official 24.9.6", res["official"]))
        print(line("bare httpx (the limit)", res["bare"]))
        print(
            f"    ratio ours / official: wall {ratio(res['ours'], res['official']):.2f}x; "
            f"ours / bare: {ratio(res['ours'], res['bare']):.2f}x"
        )


_CPU_SCRIPT = """
import os, resource, sys, warnings
warnings.simplefilter("ignore")
kind, n = sys.argv[1], int(sys.argv[2])
if kind == "official":
    from ai.backend.client.session import Session
elif kind == "ours":
    from ai_backend_client.session import Session
if kind == "bare":
    import httpx
    from ai_backend_client.auth import BackendAIAuth
    auth = BackendAIAuth(os.environ["BACKEND_ACCESS_KEY"], os.environ["BACKEND_SECRET_KEY"])
    client = httpx.Client(base_url=os.environ["BACKEND_ENDPOINT"], headers={
        "X-BackendAI-Version": "v8.20240915", "X-BackendAI-Domain": "default"})
    def call():
        r = client.get("/folders/_/hosts", auth=auth)
        r.raise_for_status()
        return r.json()
else:
    session = Session().__enter__()
    call = session.VFolder.list_hosts
for _ in range(30):
    call()
r0 = resource.getrusage(resource.RUSAGE_SELF)
for _ in range(n):
    call()
r1 = resource.getrusage(resource.RUSAGE_SELF)
print((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) / n, flush=True)
os._exit(0)  # the official client's sync session keeps a worker thread alive
"""


def section_cpu(runs: int) -> None:
    print("Client CPU per signed call, GET /folders/_/hosts (target: <= 0.8x official 22.3.2)")
    py, py22 = sys.executable, str(official_22_python())
    n = "300"

    def cpu(python: str, kind: str) -> Callable[[], Sample]:
        return lambda: (float(run_child([python, "-c", _CPU_SCRIPT, kind, n])[3].split()[-1]), 0.0)

    res = alternate(
        {"ours": cpu(py, "ours"), "official": cpu(py22, "official"), "bare": cpu(py, "bare")},
        runs,
        warmup=False,
    )
    for name, label in (
        ("ours", "ours"),
        ("official", "official 22.3.2"),
        ("bare", "bare httpx + same signing"),
    ):
        print(f"    {label:28s} {span([s[0] for s in res[name]], 'ms', 1000)}")
    print(
        f"    ratio ours / official: {ratio(res['ours'], res['official']):.2f}x; "
        f"bare / official: {ratio(res['bare'], res['official']):.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="alternating runs (default 5)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated")
    parser.add_argument("--size", default="300M", help="large-file size (default 300M)")
    parser.add_argument("--files", type=int, default=300, help="many-file count (default 300)")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    if any(s != "import" for s in chosen) and not os.environ.get("BACKEND_ENDPOINT"):
        sys.exit('no server: eval "$(python3 -m stack env --line 24.09)" first')
    print(
        f"server {os.environ.get('BACKEND_ENDPOINT', '-')} "
        f"(line {os.environ.get('AIBC_STACK_LINE', '?')}), {args.runs} alternating runs, "
        "median (min-max)"
    )
    for name in chosen:
        if name == "cli":
            section_cli(args.runs)
        elif name == "import":
            section_import(args.runs)
        elif name == "sdk":
            section_sdk(args.runs)
        elif name == "many":
            section_many(args.runs, args.files)
        elif name == "large":
            sys.path.insert(0, str(HERE))
            from bench_transfer import parse_size

            section_large(args.runs, parse_size(args.size))
        elif name == "cpu":
            section_cpu(args.runs)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
