"""``backend.ai admin``: tables, the JSON list envelope, --all paging, one-line errors (respx)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import respx
from click.testing import CliRunner

from ai_backend_client.cli.main import cli

EP = "http://127.0.0.1:8091"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def _agents(ids: list[str], total: int) -> dict[str, Any]:
    items = [{"id": i, "status": "ALIVE", "available_slots": '{"cpu": "8"}'} for i in ids]
    return {"data": {"agent_list": {"items": items, "total_count": total}}}


def _mock_probe() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})


@respx.mock
def test_agent_list_json_envelope(env: None) -> None:
    _mock_probe()
    respx.post(f"{EP}/admin/gql").respond(json=_agents(["i-1"], 7))
    result = CliRunner().invoke(cli, ["--output", "json", "admin", "agent", "list"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 1 and data["total_count"] == 7
    assert data["items"][0]["id"] == "i-1"
    assert data["items"][0]["available_slots"] == {"cpu": "8"}


@respx.mock
def test_all_fetches_every_page(env: None) -> None:
    _mock_probe()
    route = respx.post(f"{EP}/admin/gql")
    route.side_effect = [
        respx.MockResponse(json=_agents([f"a{i}" for i in range(100)], 101)),
        respx.MockResponse(json=_agents(["last"], 101)),
    ]
    result = CliRunner().invoke(cli, ["admin", "agent", "list", "--all", "--output", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 101 and data["items"][-1]["id"] == "last"
    assert route.call_count == 2


@respx.mock
def test_table_output(env: None) -> None:
    _mock_probe()
    respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"scaling_groups": [{"name": "default", "driver": "static"}]}}
    )
    result = CliRunner().invoke(cli, ["admin", "scaling-group", "list"])
    assert result.exit_code == 0, result.output
    assert "default" in result.stdout and "static" in result.stdout


@respx.mock
def test_no_privilege_is_one_line_and_non_zero(env: None) -> None:
    _mock_probe()
    respx.post(f"{EP}/admin/gql").respond(
        json={
            "data": {"agent_list": None},
            "errors": [
                {
                    "message": "Forbidden operation. (superadmin privilege required)",
                    "path": ["agent_list"],
                }
            ],
        }
    )
    result = CliRunner().invoke(cli, ["admin", "agent", "list"])
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "superadmin privilege required" in lines[0]
    assert "Traceback" not in result.output


@respx.mock
def test_freeze_and_mutation_commands(env: None) -> None:
    _mock_probe()
    status = respx.put(f"{EP}/manager/status").respond(204)
    gql = respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"modify_keypair": {"ok": True, "msg": "success"}}}
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["admin", "manager", "freeze"]).exit_code == 0
    assert json.loads(status.calls.last.request.content) == {
        "status": "frozen",
        "force_kill": False,
    }
    result = runner.invoke(cli, ["--output", "json", "admin", "keypair", "deactivate", "AK1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    assert json.loads(gql.calls.last.request.content)["variables"]["props"] == {"is_active": False}


def test_admin_help_stays_light() -> None:
    code = (
        "import sys\nfrom ai_backend_client.cli.main import main\n"
        "sys.argv = ['backend.ai', 'admin', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('httpx', 'pydantic', 'gql', 'graphql') if m in sys.modules), file=sys.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "agent" in p.stdout
    assert p.stderr.strip().splitlines()[-1] == "[]"
