"""The folder trash bin on the real servers (24.09 and 26.09 both have one), through the CLI as a
user would drive it and through the SDK: create, delete to the trash, restore, delete again,
empty from the trash, purge. At each step the folder is listed with the status it must have, or
not listed at all. Also the lists by relation (``list-own``, ``list-project``, ``list-invited``).

Marker ``integration``; skipped without BACKEND_ENDPOINT. Run as the superadmin (``purge`` is
for admins); everything it creates is purged at the end.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from typing import Any

import pytest

from ai_backend_client import Session
from ai_backend_client.exceptions import BackendAPIError, NotFoundError
from tests.integration.test_cli import bai

pytestmark = pytest.mark.integration


def _json(*args: str) -> Any:
    p = bai("--output", "json", *args)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def _ok(*args: str) -> str:
    p = bai(*args)
    assert p.returncode == 0, p.stderr
    return p.stderr


def _status(name: str) -> str | None:
    """The folder's status in ``vfolder list`` (None: not listed)."""
    found = [f for f in _json("vfolder", "list")["items"] if f["name"] == name]
    assert len(found) <= 1
    return found[0]["status"] if found else None


def _own(name: str) -> list[dict[str, Any]]:
    return _json("vfolder", "list-own", "--filter", f'name == "{name}"')["items"]


def test_cli_lifecycle_through_the_trash_bin(server_line: str) -> None:
    name = "aibc-it-trash-" + secrets.token_hex(4)
    created = _json("vfolder", "create", name)
    folder_id = created["item"]["id"]
    try:
        assert _status(name) == "ready"
        assert [f["status"] for f in _own(name)] == ["ready"]

        assert "trash bin" in _ok("vfolder", "delete", name)
        assert _status(name) == "delete-pending"
        assert [f["status"] for f in _own(name)] == ["delete-pending"]

        _ok("vfolder", "restore", name)
        assert _status(name) == "ready"

        _ok("vfolder", "delete", name)
        assert _status(name) == "delete-pending"
        _ok("vfolder", "delete-trash", name)
        assert _status(name) is None  # its data is gone: no longer listed, by name unknown
        # the GraphQL list of 24.09 hides the record left behind; 26.09 shows it until purged
        left = ["delete-complete"] if server_line == "26.09" else []
        assert [f["status"] for f in _own(name)] == left

        # the record stays until purged; by name it is no longer found, by its id it is
        p = bai("vfolder", "purge", name)
        assert p.returncode == 1 and "No such virtual folder" in p.stderr
        _ok("vfolder", "purge", folder_id)
        assert _own(name) == []
        p = bai("vfolder", "purge", folder_id)  # nothing left to purge
        assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1
    finally:
        for step in ("delete", "delete-trash"):
            bai("vfolder", step, name)
        bai("vfolder", "purge", folder_id)


def test_sdk_lifecycle_and_recover(endpoint: str) -> None:
    name = "aibc-it-trash-" + secrets.token_hex(4)

    def status() -> str | None:
        return next((f.status for f in api.VFolder.list() if f.name == name), None)

    with Session() as api:
        created = api.VFolder.create(name)
        folder = api.VFolder(name)
        try:
            folder.move_to_trash()
            assert status() == "delete-pending"
            folder.recover()  # the official client's older name of restore
            assert status() == "ready"
            folder.move_to_trash()
            folder.delete_trash()
            assert status() is None
            folder.purge()  # the same object remembers the id it looked up
            with pytest.raises(NotFoundError):
                api.VFolder(str(created.id)).purge()
        finally:
            with contextlib.suppress(BackendAPIError):
                api.VFolder(str(created.id)).delete_trash()
            with contextlib.suppress(BackendAPIError):
                api.VFolder(str(created.id)).purge()


def test_lists_by_relation(endpoint: str) -> None:
    name = "aibc-it-rel-" + secrets.token_hex(4)
    with Session() as api:
        api.VFolder.create(name)
        try:
            own = api.VFolder.paginated_own_list(filter=f'name == "{name}"')
            assert [f.name for f in own.items] == [name] and own.total_count == 1
            assert own.items[0].ownership_type == "user" and own.items[0].status == "ready"
            project = api.VFolder.paginated_project_list(filter=f'name == "{name}"')
            invited = api.VFolder.paginated_invited_list(filter=f'name == "{name}"')
            assert project.items == [] and invited.items == []
        finally:
            api.VFolder(name).delete()
    data = _json("vfolder", "list-project", "--limit", "3")
    assert len(data["items"]) <= 3
    assert all(f["ownership_type"] == "group" for f in data["items"])
    assert isinstance(_json("vfolder", "list-invited")["items"], list)
