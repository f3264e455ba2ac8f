"""The ``--output json`` of read-only commands, from a real server, fits docs/cli-json.md; a real
404 and a bad command line give the documented error envelope and exit status."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys

import pytest

from codegen import cli_json

pytestmark = pytest.mark.integration


def bai(*args: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("backend.ai", path=os.path.dirname(sys.executable))
    cmd = [script] if script else [sys.executable, "-m", "ai_backend_client.cli"]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300, env=env)


READ_ONLY = [
    "ps",
    "config",
    "vfolder list",
    "vfolder list-hosts",
    "vfolder list-allowed-types",
    "vfolder invitations",
    "dotfile list",
    "session-template list",
    "server-logs list",
    "admin agent list",
    "admin domain list",
    "admin group list",
    "admin image list",
    "admin keypair info",
    "admin keypair list",
    "admin keypair-resource-policy list",
    "admin manager status",
    "admin scaling-group list",
    "admin storage list",
    "admin user list",
    "admin vfolder list",
    "admin vfolder list-hosts",
    "admin vfolder get-fstab-contents",
]


@pytest.mark.parametrize("command", READ_ONLY)
def test_output_fits_the_documented_shape(endpoint: str, command: str) -> None:
    p = bai("--output", "json", *command.split())
    assert p.returncode == 0, p.stderr
    output = json.loads(p.stdout)
    assert cli_json.mismatch(command, output) is None
    assert "\x1b[" not in p.stdout + p.stderr  # piped: no colour


def test_a_real_404_is_the_documented_error_envelope(endpoint: str) -> None:
    name = "no-such-folder-" + secrets.token_hex(4)
    p = bai("--output", "json", "vfolder", "info", name)
    assert p.returncode == 1
    error = json.loads(p.stdout)["error"]
    assert set(error) == {"message", "status", "type", "title", "data", "exception"}
    assert error["status"] == 404 and error["exception"] == "NotFoundError"
    assert isinstance(error["type"], str) and error["type"].startswith("https://")
    assert error["title"]
    assert p.stderr.strip() == "✘ " + error["message"]
    assert "\x1b[" not in p.stderr


def test_a_bad_command_line_in_json_mode(endpoint: str) -> None:
    p = bai("--output", "json", "vfolder", "info")
    assert p.returncode == 2
    error = json.loads(p.stdout)["error"]
    assert error["exception"] == "UsageError" and error["status"] is None
    assert "Usage:" in p.stderr


def test_human_table_reads_slots_and_sizes(endpoint: str) -> None:
    """The same agents as a person sees them: slots and memory in units, not raw JSON."""
    p = bai("admin", "agent", "list")
    assert p.returncode == 0, p.stderr
    assert '{"cpu"' not in p.stdout and "cpu " in p.stdout
    assert re.search(r"mem \d+(\.\d)? (B|KiB|MiB|GiB|TiB)", p.stdout), p.stdout
    raw = json.loads(bai("--output", "json", "admin", "agent", "list").stdout)
    slots = raw["items"][0]["available_slots"]
    assert isinstance(slots, dict) and str(slots["mem"]).isdigit()  # JSON keeps the bytes
