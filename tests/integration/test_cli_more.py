"""The last 22.03 commands against a real server: ``admin vfolder`` hosts/fstab/mounts,
``admin watcher``, ``admin license``, announcements and ``dismiss``, ``server-logs list``,
``ssh``/``scp`` errors, and one signed call through ``backend.ai proxy``.

Runs the installed console script in subprocesses (marker ``integration``; skipped without
BACKEND_ENDPOINT).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration


def _cli() -> list[str]:
    script = shutil.which("backend.ai", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "ai_backend_client.cli"]


@pytest.fixture
def state_home(tmp_path: Path) -> Path:
    return tmp_path


def bai(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_cli(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def _one_line(p: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr
    return lines[0]


def test_admin_vfolder_hosts_fstab_mounts(endpoint: str) -> None:
    p = bai("--output", "json", "admin", "vfolder", "list-hosts")
    assert p.returncode == 0, p.stderr
    hosts = json.loads(p.stdout)
    assert hosts["default"] in hosts["allowed"]

    p = bai("--output", "json", "admin", "vfolder", "get-fstab-contents")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["items"][0]["node"] == "manager"

    p = bai("--output", "json", "admin", "vfolder", "list-mounts")
    assert p.returncode == 0, p.stderr
    nodes = {row["node"] for row in json.loads(p.stdout)["items"]}
    assert {"manager", "storage-proxy"} <= nodes

    # The local vfs volume has no performance metric: the manager's 400, in one line.
    p = bai("admin", "vfolder", "perf-metric", hosts["default"])
    if p.returncode != 0:
        assert "perf-metric" in _one_line(p)


def test_watcher_without_a_watcher_and_license(endpoint: str) -> None:
    p = bai("--output", "json", "admin", "agent", "list")
    assert p.returncode == 0, p.stderr
    agent = json.loads(p.stdout)["items"][0]["id"]
    p = bai("admin", "watcher", "status", agent)
    # The local stack runs no agent watcher: the manager answers 500, said in one line.
    if p.returncode != 0:
        assert f"watcher of {agent}" in _one_line(p)

    p = bai("admin", "license", "show")  # asks the open-source manager, which has no such route
    assert p.returncode == 1 and "no license API (404" in _one_line(p)


def test_server_logs_list(endpoint: str) -> None:
    p = bai("--output", "json", "server-logs", "list", "-l", "3")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["count"] <= 3 and data["total_count"] >= data["count"]


def test_announcement_shown_until_dismissed(endpoint: str, state_home: Path) -> None:
    env = {"XDG_STATE_HOME": str(state_home)}
    before = json.loads(bai("--output", "json", "admin", "announcement", "get").stdout)
    message = "integration announcement " + secrets.token_hex(4)
    assert bai("admin", "announcement", "update", "-m", message).returncode == 0  # as 22.3.2
    assert json.loads(bai("--output", "json", "admin", "announcement", "get").stdout)["items"][
        0
    ] == {"enabled": True, "message": message}
    try:
        p = bai("admin", "scaling-group", "list", env=env)
        assert p.returncode == 0, p.stderr
        assert p.stderr.count(message) == 1 and message not in p.stdout
        p = bai("--output", "json", "admin", "scaling-group", "list", env=env)
        assert message not in p.stdout + p.stderr
        p = bai("admin", "announcement", "dismiss", env=env)
        assert p.returncode == 0, p.stderr
        state = json.loads((state_home / "backend.ai" / "announcement.json").read_text())
        assert state["dismissed"] is True
        p = bai("admin", "scaling-group", "list", env=env)
        assert p.returncode == 0 and message not in p.stderr
    finally:
        item = (before.get("items") or [{}])[0]
        if item.get("enabled") and item.get("message"):
            bai("admin", "announcement", "update", item["message"])
        else:
            bai("admin", "announcement", "delete")


def test_ssh_errors_are_one_line(endpoint: str) -> None:
    p = bai("ssh", "no-such-session-" + secrets.token_hex(3))
    assert p.returncode == 1 and "404" in _one_line(p)
    name = "it-ssh-" + secrets.token_hex(4)
    p = bai("start", "-t", name, "python")
    try:
        assert p.returncode == 0, p.stderr
        # The local stack's kernels offer no sshd service.
        p = bai("session", "scp", name, "a", "work@localhost:b", "-p", "0")
        assert p.returncode == 1
        assert "no such app service: 'sshd'" in _one_line(p)
    finally:
        bai("rm", name)


@pytest.fixture
def proxy_url(endpoint: str) -> Iterator[str]:
    proc = subprocess.Popen(
        [*_cli(), "proxy", "-p", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            found = re.search(r"at (http://\S+:\d+)", line)
            url = found.group(1) if found else None
        assert url, "the proxy did not start"
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stderr is not None:
            proc.stderr.close()


def test_proxy_signs_requests(proxy_url: str) -> None:
    r = httpx.get(f"{proxy_url}/auth/role", timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["global_role"] == "superadmin"
    r = httpx.get(f"{proxy_url}/session/no-such-session-xyz", timeout=30)
    assert r.status_code == 404
