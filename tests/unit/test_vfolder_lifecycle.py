"""The folder trash bin and the folder lists by relation: request shapes per API version, the
local refusal on 22.03, and the CLI over them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import BackendAPIVersionError, NotFoundError
from ai_backend_client.session import Session
from tests.unit._cli_run import cli_runner

EP = "http://manager.test"
FID = "01234567-89ab-cdef-0123-456789abcdef"
NEWER = ["v8.20240915", "v9.20250722"]


def session(version: str) -> Session:
    respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    return Session(
        config=APIConfig(endpoint=EP, access_key="AKIATEST", secret_key="s"), max_retries=0
    )


def body(route: respx.Route, i: int = -1) -> Any:
    return json.loads(route.calls[i].request.content)


def id_lookup(name: str = "data") -> respx.Route:
    return respx.get(f"{EP}/folders/_/id").respond(json={"id": FID, "name": name})


def looked_up_name(route: respx.Route) -> str | None:
    """24.09 takes the name in the query string, 26.09 in a JSON body of the GET."""
    request = route.calls[0].request
    return request.url.params.get("vfolder_name") or json.loads(request.content)["vfolder_name"]


@pytest.mark.parametrize("version", NEWER)
@respx.mock
def test_the_lifecycle_requests(version: str) -> None:
    lookup = id_lookup()
    trash = respx.delete(f"{EP}/folders/data").respond(204)
    restore = respx.post(f"{EP}/folders/restore-from-trash-bin").respond(204)
    empty = respx.post(f"{EP}/folders/delete-from-trash-bin").respond(204)
    purge = respx.post(f"{EP}/folders/purge").respond(204)
    with session(version) as s:
        folder = s.VFolder("data")
        folder.move_to_trash()
        assert trash.called and not empty.called  # moving to the bin is one call
        folder.restore()
        folder.recover()
        folder.delete_trash()
        folder.purge()
    assert body(restore, 0) == body(restore, 1) == {"vfolder_id": FID}
    assert body(empty) == {"vfolder_id": FID}
    assert body(purge) == {"vfolder_id": FID}
    assert lookup.call_count == 1  # the id is looked up once, then remembered
    assert looked_up_name(lookup) == "data"


@respx.mock
def test_a_folder_gone_from_the_bin_is_reached_by_its_id() -> None:
    respx.get(f"{EP}/folders/_/id").respond(
        404,
        json={"type": "https://api.backend.ai/probs/object-not-found", "title": "No such folder"},
    )
    purge = respx.post(f"{EP}/folders/purge").respond(204)
    with session("v8.20240915") as s:
        s.VFolder(FID.replace("-", "")).purge()
        assert body(purge) == {"vfolder_id": FID}
        with pytest.raises(NotFoundError):  # a name that is no UUID stays not found
            s.VFolder("data").purge()


@respx.mock
def test_22_03_has_no_trash_bin_and_refuses_locally() -> None:
    anything = respx.route(url__regex=rf"{EP}/folders.*").respond(204)
    with session("v6.20220315") as s:
        folder = s.VFolder("data")
        for call in (folder.move_to_trash, folder.restore, folder.delete_trash, folder.purge):
            with pytest.raises(BackendAPIVersionError, match=r"Backend\.AI 24\.09"):
                call()
        with pytest.raises(BackendAPIVersionError, match=r"v8\.20240915"):
            s.VFolder.paginated_own_list()
    assert not anything.called


def _listing(key: str, names: list[str]) -> dict[str, Any]:
    items = [{"id": FID, "name": n, "status": "ready", "host": "local:volume1"} for n in names]
    return {"data": {key: {"items": items, "total_count": len(items) + 5}}}


@pytest.mark.parametrize("version", NEWER)
@pytest.mark.parametrize(
    ("method", "field"),
    [
        ("paginated_own_list", "vfolder_own_list"),
        ("paginated_invited_list", "vfolder_invited_list"),
        ("paginated_project_list", "vfolder_project_list"),
    ],
)
@respx.mock
def test_lists_by_relation_send_their_query(version: str, method: str, field: str) -> None:
    route = respx.post(f"{EP}/admin/gql").respond(json=_listing(field, ["a", "b"]))
    with session(version) as s:
        result = getattr(s.VFolder, method)(
            page_offset=10, page_size=2, filter='name ilike "a%"', order="-created_at"
        )
    assert [i.name for i in result.items] == ["a", "b"] and result.total_count == 7
    sent = body(route)
    assert f"{field}(" in sent["query"]
    assert sent["variables"] == {
        "limit": 2,
        "offset": 10,
        "filter": 'name ilike "a%"',
        "order": "-created_at",
    }


# -- the CLI ---------------------------------------------------------------------------------
@pytest.fixture
def bai(monkeypatch: pytest.MonkeyPatch) -> Any:
    return cli_runner(monkeypatch, EP)


@respx.mock
def test_cli_delete_moves_to_the_trash_bin_where_there_is_one(bai: Any) -> None:
    trash = respx.delete(f"{EP}/folders/data").respond(204)
    empty = respx.post(f"{EP}/folders/delete-from-trash-bin").respond(204)
    result = bai("v9.20250722", "--output", "json", "vfolder", "delete", "data")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True and "trash" in json.loads(result.stdout)["msg"]
    assert trash.called and not empty.called


@respx.mock
def test_cli_delete_on_22_03_deletes(bai: Any) -> None:
    gone = respx.delete(f"{EP}/folders/data").respond(204)
    result = bai("v6.20220315", "vfolder", "delete", "data")
    assert result.exit_code == 0, result.output
    assert gone.call_count == 1 and "Deleted virtual folder 'data'" in result.stderr


@pytest.mark.parametrize(
    ("command", "path"),
    [
        ("restore", "restore-from-trash-bin"),
        ("recover", "restore-from-trash-bin"),
        ("delete-trash", "delete-from-trash-bin"),
        ("purge", "purge"),
    ],
)
@respx.mock
def test_cli_trash_commands(bai: Any, command: str, path: str) -> None:
    id_lookup()
    route = respx.post(f"{EP}/folders/{path}").respond(204)
    result = bai("v8.20240915", "vfolder", command, "data")
    assert result.exit_code == 0, result.output
    assert body(route) == {"vfolder_id": FID}


@respx.mock
def test_cli_trash_command_on_22_03_is_one_line_naming_the_version(bai: Any) -> None:
    result = bai("v6.20220315", "vfolder", "restore", "data")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Backend.AI 24.09" in lines[0]


@respx.mock
def test_cli_list_own_table_and_json(bai: Any) -> None:
    route = respx.post(f"{EP}/admin/gql").respond(json=_listing("vfolder_own_list", ["mine"]))
    result = bai("v9.20250722", "vfolder", "list-own", "--limit", "5", "--order", "name")
    assert result.exit_code == 0, result.output
    assert "mine" in result.stdout and "local:volume1" in result.stdout
    assert body(route)["variables"]["limit"] == 5
    result = bai("v9.20250722", "--output", "json", "vfolder", "list-project")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["items"] == [] and "vfolder_project_list" in body(route)["query"]
