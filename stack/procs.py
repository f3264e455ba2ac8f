"""Processes the stack started: start detached, record, probe, stop.

Every service runs in its own session (process group, pgid == pid). A record holds the pid and
the process start time from /proc, so a recycled pid is never mistaken for ours and ``down``
only ever signals process groups this tool started.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def _proc_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm (field 2) may contain spaces; the fields after the closing parenthesis are fixed.
    return raw[raw.rindex(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    fields = _proc_stat(pid)
    return int(fields[19]) if fields else None  # field 22 of stat: starttime


def is_alive(pid: int, started: int | None) -> bool:
    fields = _proc_stat(pid)
    if not fields or fields[0] in ("Z", "X"):
        return False
    return started is None or int(fields[19]) == started


@dataclass
class Record:
    name: str
    pid: int
    started: int | None
    argv: list[str]

    def alive(self) -> bool:
        return is_alive(self.pid, self.started)


def record_path(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.proc.json"


def load(run_dir: Path, name: str) -> Record | None:
    path = record_path(run_dir, name)
    try:
        data = json.loads(path.read_text())
        return Record(name, int(data["pid"]), data.get("started"), list(data.get("argv", [])))
    except (OSError, ValueError, KeyError):
        return None


def save(run_dir: Path, rec: Record) -> None:
    path = record_path(run_dir, rec.name)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": rec.pid, "started": rec.started, "argv": rec.argv}))
    tmp.replace(path)


def running(run_dir: Path, name: str) -> Record | None:
    rec = load(run_dir, name)
    return rec if rec is not None and rec.alive() else None


def spawn(
    run_dir: Path,
    name: str,
    argv: list[str],
    *,
    log: Path,
    cwd: Path,
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> Record:
    """Start ``argv`` detached in a new session, output appended to ``log``; record it."""
    if log.exists() and log.stat().st_size > 0:
        log.replace(log.with_suffix(log.suffix + ".prev"))
    with open(log, "ab") as out:
        out.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} start: {' '.join(argv)}\n".encode())
        out.flush()
        if user is not None:
            # The service writes to the log through the inherited descriptor; let it reopen too.
            import pwd

            pw = pwd.getpwnam(user)
            os.chown(log, pw.pw_uid, pw.pw_gid)
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user,
            close_fds=True,
        )
    rec = Record(name, proc.pid, start_time(proc.pid), argv)
    save(run_dir, rec)
    return rec


def _snapshot(rec: Record) -> list[tuple[int, int]]:
    """The processes that belong to ``rec``: its process group and every descendant of the
    leader (some services put children in sessions of their own), with their start times."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _proc_stat(int(entry.name))
            if fields and fields[0] not in ("Z", "X"):
                stats[int(entry.name)] = fields
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)
    members = {pid for pid, f in stats.items() if int(f[2]) == rec.pid}
    if rec.alive():
        todo = [rec.pid]
        while todo:
            pid = todo.pop()
            members.add(pid)
            todo.extend(children.get(pid, []))
    elif rec.pid in stats:
        # Our leader is gone and its pid now belongs to someone else: that group is not ours.
        members = set()
    return [(pid, int(stats[pid][19])) for pid in sorted(members) if pid in stats]


def _signal_all(members: list[tuple[int, int]], sig: int) -> bool:
    alive = False
    for pid, started in members:
        if is_alive(pid, started):
            alive = True
            if sig:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
    return alive


def stop(run_dir: Path, name: str, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> str:
    """Stop what ``name`` started: ``sig`` to the leader; after ``timeout`` s, SIGTERM to every
    process that belongs to it, then SIGKILL."""
    rec = load(run_dir, name)
    if rec is None:
        return "not started by this tool"
    path = record_path(run_dir, name)
    members = _snapshot(rec)
    if not rec.alive():
        if members:
            _signal_all(members, signal.SIGKILL)  # workers the leader left behind
        path.unlink(missing_ok=True)
        return "was not running"
    with contextlib.suppress(ProcessLookupError):
        os.kill(rec.pid, sig)
    how = "stopped"
    if not _wait_gone(members, timeout):
        _signal_all(members, signal.SIGTERM)
        if not _wait_gone(members, 5):
            _signal_all(members, signal.SIGKILL)
            _wait_gone(members, 5)
            how = "killed"
    path.unlink(missing_ok=True)
    return f"{how} (pid {rec.pid})"


def _wait_gone(members: list[tuple[int, int]], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _signal_all(members, 0):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


# ---- probes -------------------------------------------------------------------------------


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(65536).decode("utf-8", "replace")
    except (OSError, ValueError):
        return None


def redis_ping(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def tail(path: Path, lines: int = 40) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(data.splitlines()[-lines:])
