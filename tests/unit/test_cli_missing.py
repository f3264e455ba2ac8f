"""The 22.03 commands added last: ``admin vfolder`` hosts/fstab/mounts/perf-metric, ``admin
watcher``, ``admin announcement dismiss`` and the announcement banner, ``admin license``,
``server-logs list`` (respx)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import respx
from click.testing import CliRunner

from ai_backend_client import APIConfig, Session
from ai_backend_client import types as public
from ai_backend_client.cli._output import format_time
from ai_backend_client.cli.main import cli
from tests.unit._answers import answer

EP = "http://127.0.0.1:8091"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return tmp_path / "backend.ai" / "announcement.json"


def _probe() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})


def _announcement(enabled: bool = False, message: str = "") -> respx.Route:
    return respx.get(f"{EP}/manager/announcement").respond(
        json={"enabled": enabled, "message": message}
    )


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def _body(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


# -- admin vfolder ----------------------------------------------------------------------------
MOUNTS = {
    "manager": {"success": True, "mounts": ["/vfroot/local"], "message": "(legacy)"},
    "storage-proxy": {"success": True, "mounts": [["local:volume1", "/vfroot"]], "message": ""},
    "agents": {"i-2": {"success": False, "mounts": [], "message": "denied"}},
}


@respx.mock
def test_admin_vfolder_list_hosts_fstab_and_mounts(env: Path) -> None:
    _probe()
    _announcement()
    respx.get(f"{EP}/folders/_/all-hosts").respond(
        json={"default": "local:volume1", "allowed": ["local:volume1", "nfs:x"]}
    )
    fstab = respx.get(f"{EP}/folders/_/fstab").respond(
        json={"content": "/dev/sda1 / ext4", "node": "agent", "node_id": "i-1"}
    )
    respx.get(f"{EP}/folders/_/mounts").respond(json=MOUNTS)

    result = _run("admin", "vfolder", "list-hosts")
    assert result.exit_code == 0, result.output
    assert "Mounted hosts: local:volume1, nfs:x" in result.stdout
    result = _run("--output", "json", "admin", "vfolder", "list-hosts")
    assert json.loads(result.stdout)["allowed"] == ["local:volume1", "nfs:x"]

    result = _run("admin", "vfolder", "get-fstab-contents", "-a", "i-1")
    assert result.exit_code == 0, result.output
    assert "/dev/sda1 / ext4" in result.stdout
    assert fstab.calls.last.request.url.params["agent_id"] == "i-1"
    result = _run("--output", "json", "admin", "vfolder", "get-fstab-contents")
    assert json.loads(result.stdout)["items"][0]["node_id"] == "i-1"
    assert "agent_id" not in fstab.calls.last.request.url.params

    result = _run("--output", "json", "admin", "vfolder", "list-mounts")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["items"]
    assert [r["node"] for r in rows] == ["manager", "storage-proxy", "agent:i-2"]
    assert rows[2]["success"] is False and rows[2]["message"] == "denied"
    result = _run("admin", "vfolder", "list-mounts")
    assert "storage-proxy" in result.stdout and "agent:i-2" in result.stdout


@respx.mock
def test_list_mounts_reads_both_spellings_of_the_storage_proxy(env: Path) -> None:
    """26.09 answers ``storage_proxy`` where 24.09 answered ``storage-proxy``."""
    from ai_backend_client import Session

    for version, key in (("v8.20240915", "storage-proxy"), ("v9.20250722", "storage_proxy")):
        respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
        _announcement()
        answer = {**{k: v for k, v in MOUNTS.items() if k != "storage-proxy"}}
        answer[key] = MOUNTS["storage-proxy"]
        respx.get(f"{EP}/folders/_/mounts").respond(json=answer)
        result = _run("--output", "json", "admin", "vfolder", "list-mounts")
        assert result.exit_code == 0, result.output
        nodes = [r["node"] for r in json.loads(result.stdout)["items"]]
        assert nodes == ["manager", "storage-proxy", "agent:i-2"], version
        with Session() as api:
            mounts = api.VFolder.list_mounts()
        assert mounts.storage_proxy is not None and mounts.storage_proxy.success, version
        assert mounts[key]["message"] == "", version  # the server's own key still answers


@respx.mock
def test_admin_vfolder_mount_umount_and_perf_metric(env: Path) -> None:
    _probe()
    _announcement()
    ok = {"manager": {"success": True, "mounts": ["/vfroot/nfs"], "message": ""}, "agents": {}}
    mount = respx.post(f"{EP}/folders/_/mounts").respond(json=ok)
    umount = respx.post(f"{EP}/folders/_/umounts").respond(json=MOUNTS)
    respx.get(f"{EP}/folders/_/perf-metric").respond(
        json={"metric": {"iops_read": 10, "io_bytes_read": 2048}}
    )

    args = ["admin", "vfolder", "mount-host", "nfs:/export", "nfs", "-o", "ro", "--edit-fstab"]
    result = _run("--output", "json", *args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    sent = _body(mount)
    assert sent["name"] == "nfs" and sent["fs_location"] == "nfs:/export"
    assert sent["options"] == "ro" and sent["edit_fstab"] is True

    # An agent that failed makes the command fail, naming it.
    result = _run("admin", "vfolder", "umount-host", "nfs")
    assert result.exit_code == 1
    assert "agent:i-2" in result.stderr and "denied" in result.stderr
    assert _body(umount)["name"] == "nfs"

    result = _run("--output", "json", "admin", "vfolder", "perf-metric", "local:volume1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"] == [{"iops_read": 10, "io_bytes_read": 2048}]


# -- admin watcher ----------------------------------------------------------------------------
@respx.mock
def test_watcher_commands(env: Path) -> None:
    _probe()
    _announcement()
    status = respx.get(f"{EP}/resource/watcher").respond(json={"message": "agent is running"})
    restart = respx.post(f"{EP}/resource/watcher/agent/restart").respond(json={"status": "ok"})
    stop = respx.post(f"{EP}/resource/watcher/agent/stop").respond(500, json={"title": "boom"})

    result = _run("admin", "watcher", "status", "i-1")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "agent is running"
    assert status.calls.last.request.url.params["agent_id"] == "i-1"

    result = _run("--output", "json", "admin", "watcher", "agent-restart", "i-1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["reply"] == {"status": "ok"}
    assert _body(restart) == {"agent_id": "i-1"}

    result = _run("admin", "watcher", "agent-stop", "i-1")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "watcher of i-1" in lines[0]
    assert stop.called


@respx.mock
def test_agent_watcher_sdk() -> None:
    _probe()
    respx.post(f"{EP}/resource/watcher/agent/start").respond(json={"message": "started"})
    config = APIConfig(endpoint=EP, access_key="AK", secret_key="SK")
    with Session(config=config) as session:
        assert session.AgentWatcher.agent_start("i-1").model_dump() == {"message": "started"}


# -- announcements ----------------------------------------------------------------------------
@respx.mock
def test_announcement_is_shown_once_until_dismissed(env: Path) -> None:
    _probe()
    route = _announcement(True, "Maintenance at 6pm\nSave your work.")
    respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"scaling_groups": [{"name": "default", "driver": "static"}]}}
    )

    result = _run("admin", "scaling-group", "list")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Maintenance at 6pm") == 1
    assert "Save your work." in result.stderr and "Maintenance" not in result.stdout
    calls = route.call_count

    # Not in JSON mode (and no request for it either).
    result = _run("--output", "json", "admin", "scaling-group", "list")
    assert "Maintenance" not in result.output and route.call_count == calls

    result = _run("admin", "announcement", "dismiss")
    assert result.exit_code == 0, result.output
    assert "Maintenance" not in result.stderr
    state = json.loads(env.read_text())
    assert state["dismissed"] is True and len(state["hash"]) == 64

    result = _run("admin", "scaling-group", "list")
    assert result.exit_code == 0 and "Maintenance" not in result.stderr

    # A new message is shown again.
    _announcement(True, "Another one")
    result = _run("admin", "scaling-group", "list")
    assert "Another one" in result.stderr


@respx.mock
def test_announcement_problems_never_fail_a_command(env: Path) -> None:
    _probe()
    respx.get(f"{EP}/manager/announcement").respond(500)
    respx.post(f"{EP}/admin/gql").respond(json={"data": {"scaling_groups": []}})
    env.parent.mkdir(parents=True)
    env.write_text("not json")
    assert _run("admin", "scaling-group", "list").exit_code == 0


@respx.mock
def test_dismiss_without_announcement(env: Path) -> None:
    _probe()
    _announcement(False, "")
    result = _run("--output", "json", "admin", "announcement", "dismiss")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dismissed"] is False
    assert not env.exists()


# -- admin license ----------------------------------------------------------------------------
@respx.mock
def test_license_show_asks_the_server_and_a_404_is_one_line(env: Path) -> None:
    _probe()
    _announcement()
    route = respx.get(f"{EP}/license").respond(
        404, json={"type": "https://api.backend.ai/probs/generic-not-found", "title": "Not Found"}
    )
    result = _run("admin", "license", "show")
    assert route.call_count == 1  # the request is sent, as the official client does
    assert "Authorization" in route.calls.last.request.headers
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no license API (404" in lines[0] and "enterprise" in lines[0]


@respx.mock
def test_license_show_prints_an_enterprise_license(env: Path) -> None:
    _probe()
    _announcement()
    respx.get(f"{EP}/license").respond(
        json={"status": "valid", "certificate": {"licensee": "Lablup", "valid_until": "2030-01-01"}}
    )
    result = _run("admin", "license", "show")
    assert result.exit_code == 0, result.output
    assert "license is valid" in result.stderr
    assert "licensee" in result.stdout and "Lablup" in result.stdout
    result = _run("--output", "json", "admin", "license", "show")
    assert json.loads(result.stdout)["certificate"]["valid_until"] == "2030-01-01"


# -- server-logs ------------------------------------------------------------------------------
@respx.mock
def test_server_logs_list(env: Path) -> None:
    _probe()
    _announcement()
    entry = answer(public.ErrorLogEntry) | {
        "log_id": "l-1",
        "created_at": 1700000000.5,
        "severity": "error",
        "source": "manager",
        "user": None,
        "is_read": False,
        "message": "boom",
        "traceback": "File x",
    }
    route = respx.get(f"{EP}/logs/error").respond(json={"logs": [entry], "count": 45})

    result = _run("--output", "json", "server-logs", "list", "--mark-read", "-l", "5", "-n", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 1 and data["total_count"] == 45
    assert data["items"][0]["log_id"] == "l-1" and data["items"][0]["traceback"] == "File x"
    params = route.calls.last.request.url.params
    assert (params["mark_read"], params["page_size"], params["page_no"]) == ("true", "5", "3")

    result = _run("server-logs", "list")
    assert result.exit_code == 0, result.output
    # The table shows the time in local time; JSON (above) keeps the server's value.
    shown = format_time("2023-11-14T22:13:20+00:00")
    assert shown in result.stdout and "boom" in result.stdout
    assert "Page 1 of 3" in result.stderr

    assert _run("server-logs", "list", "-l", "101").exit_code == 2
