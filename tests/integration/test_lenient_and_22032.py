"""Against the real server: the lenient default reads its answers without a single warning, and
the 22.3.2 details of the CLI (the owner column of ``ps`` for admins, ``admin session list -f``,
``vfolder invitations`` answered on stdin, the domain/group slot and host options, scaling-group
``-i``, ``usage-per-period GROUP ...``) do what 22.3.2 did, on the server's own terms.

Marker ``integration``; skipped without BACKEND_ENDPOINT.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Mapping
from typing import Any

import pytest

from ai_backend_client import APIConfig, Session
from ai_backend_client._models import response_problems
from tests.integration.conftest import Account
from tests.integration.test_cli import _cli, bai

pytestmark = pytest.mark.integration


def _as(account: Account) -> dict[str, str]:
    return {"BACKEND_ACCESS_KEY": account.access_key, "BACKEND_SECRET_KEY": account.secret_key}


def _json(*args: str, env: Mapping[str, str] | None = None) -> Any:
    p = bai("--output", "json", *args, env=env)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_the_lenient_default_reads_the_real_answers_without_warnings(endpoint: str) -> None:
    # pytest turns any ResponseValidationWarning into an error here
    with Session(config=APIConfig(strict_responses=False)) as api:
        results = [
            api.ComputeSession.hello(),
            api.ComputeSession.paginated_list(status="RUNNING,TERMINATED"),
            api.VFolder.list(),
            api.VFolder.list_hosts(),
            api.VFolder.list_allowed_types(),
            api.Agent.paginated_list(),
            api.Image.list(),
            api.Manager.status(),
            api.Storage.paginated_list(),
            api.KeyPair(api.config.access_key).info(),
            api.Resource.check_presets(),
            api.Domain.list(),
        ]
    for result in results:
        assert response_problems(result) == ()


def test_ps_owner_column_only_when_someone_elses_session_is_listed(
    endpoint: str, admin: Account, user: Account
) -> None:
    rows = _json("ps", "-s", "ALL", "--limit", "5")["items"]
    assert rows and all("access_key" in r for r in rows)  # JSON always says whose
    p = bai("ps", "-s", "ALL", "--limit", "5")
    assert p.returncode == 0, p.stderr
    foreign = any(r["access_key"] != admin.access_key for r in rows)
    assert (p.stdout.splitlines()[0].split()[1] == "Owner") is foreign, (rows, p.stdout)
    if not user.access_key:
        pytest.skip("no user keypair configured (AIBC_USER_ACCESS_KEY)")
    rows = _json("ps", "-s", "ALL", "--limit", "5", env=_as(user))["items"]
    assert all(r["access_key"] == user.access_key for r in rows)  # a user sees their own
    p = bai("ps", "-s", "ALL", "--limit", "5", env=_as(user))
    assert p.returncode == 0 and "Owner" not in p.stdout, p.stdout
    rows = _json("admin", "session", "list", "-s", "ALL", "--limit", "3", "-f", "name,status")
    assert rows["items"] and all(set(r) == {"name", "status"} for r in rows["items"])


def test_vfolder_invitation_accepted_from_stdin(endpoint: str, user: Account) -> None:
    if not user.access_key:
        pytest.skip("no user keypair configured (AIBC_USER_ACCESS_KEY)")
    name = "it-inv-" + secrets.token_hex(4)
    assert bai("vfolder", "create", name).returncode == 0
    try:
        p = bai("vfolder", "invite", "-p", "ro", name, user.email)
        assert p.returncode == 0, p.stderr
        pending = _json("vfolder", "invitations", env=_as(user))["items"]
        index = next(i for i, inv in enumerate(pending, 1) if inv["vfolder_name"] == name)
        p = subprocess.run(
            [*_cli(), "vfolder", "invitations"],
            input=f"{index}\na\n",
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **_as(user)},
        )
        assert p.returncode == 0, p.stderr
        assert name in p.stdout and "read-only" in p.stdout
        assert f"You can now access the virtual folder {name}" in p.stderr
        assert name in {f["name"] for f in _json("vfolder", "list", env=_as(user))["items"]}
    finally:
        bai("vfolder", "delete", name)  # to the trash bin, then out of it
        bai("vfolder", "delete-trash", name)


def _purge_domain(name: str) -> None:
    """Remove a test domain; 24.09 gives every new domain a model-store project, which has to go
    first (the ``groups`` query shows it only when asked for that type)."""
    with Session() as api:
        found = api.Admin.query(
            'query($d: String) { groups(domain_name: $d, type: ["GENERAL", "MODEL_STORE"]) { id } }',
            {"d": name},
        )
        for group in found.get("groups") or []:
            api.Group.delete(group["id"])
            api.Group.purge(group["id"])
        api.Domain.delete(name)
        api.Domain.purge(name)


def test_domain_and_group_slots_and_hosts(endpoint: str) -> None:
    host = _json("vfolder", "list-hosts")["default"]
    domain = "it-dom-" + secrets.token_hex(4)
    p = bai(
        "admin",
        "domain",
        "add",
        domain,
        "--total-resource-slots",
        '{"cpu": "4"}',
        "--allowed-vfolder-hosts",
        host,
        "--allowed-docker-registries",
        "cr.backend.ai",
    )
    assert p.returncode == 0, p.stderr
    try:
        (info,) = _json("admin", "domain", "info", domain)["items"]
        assert info["total_resource_slots"] == {"cpu": "4"}
        assert "mount-in-session" in info["allowed_vfolder_hosts"][host]  # a 24.09 mapping
        assert info["allowed_docker_registries"] == ["cr.backend.ai"]
        p = bai("admin", "group", "add", domain, "g1", "--allowed-vfolder-hosts", host)
        assert p.returncode == 0, p.stderr
        gid = json.loads(
            bai("--output", "json", "admin", "group", "info", "g1", "-d", domain).stdout
        )["items"][0]["id"]
        try:
            p = bai("admin", "group", "update", gid, "--total-resource-slots", '{"cpu": "2"}')
            assert p.returncode == 0, p.stderr
            (group,) = _json("admin", "group", "info", gid)["items"]
            assert group["total_resource_slots"] == {"cpu": "2"}
            assert host in group["allowed_vfolder_hosts"]
            usage = bai("admin", "resource", "usage-per-period", gid, "20240101", "20240131")
            assert usage.returncode == 0, usage.stderr  # GROUP START END, as 22.3.2 takes it
        finally:
            assert bai("admin", "group", "delete", gid).returncode == 0
            assert bai("admin", "group", "purge", gid).returncode == 0
    finally:
        _purge_domain(domain)


def test_scaling_group_update_inactive(endpoint: str) -> None:
    name = "it-sg-" + secrets.token_hex(4)
    assert bai("admin", "scaling-group", "add", name).returncode == 0
    try:
        p = bai("admin", "scaling-group", "update", name, "-i")
        assert p.returncode == 0, p.stderr
        (info,) = _json("admin", "scaling-group", "info", name)["items"]
        assert info["is_active"] is False
    finally:
        bai("admin", "scaling-group", "delete", name)
