"""VFolder and Dotfile over the wire layer: request shapes per API version, typed answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from ai_backend_client import types as m
from ai_backend_client import types as public
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import BackendClientError
from ai_backend_client.session import AsyncSession, Session
from ai_backend_client.transfer import RemotePathError
from tests.unit._answers import answer

EP = "http://manager.test"


def session(version: str) -> Session:
    respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    return Session(
        config=APIConfig(endpoint=EP, access_key="AKIATEST", secret_key="s"), max_retries=0
    )


def body(route: respx.Route, i: int = -1) -> Any:
    return json.loads(route.calls[i].request.content)


@respx.mock
def test_delete_on_v8_empties_the_trash_bin() -> None:
    info = respx.get(f"{EP}/folders/data").respond(
        json=answer(public.VFolderInfo, name="data", id="0123456789abcdef0123456789abcdef")
    )
    soft = respx.delete(f"{EP}/folders/data").respond(204)
    hard = respx.post(f"{EP}/folders/delete-from-trash-bin").respond(204)
    with session("v8.20240915") as s:
        s.VFolder("data").delete()
    assert info.called and soft.called
    assert body(hard) == {"vfolder_id": "01234567-89ab-cdef-0123-456789abcdef"}


@respx.mock
def test_delete_on_v6_is_one_call() -> None:
    route = respx.delete(f"{EP}/folders/data").respond(204)
    trash = respx.post(f"{EP}/folders/delete-from-trash-bin").respond(204)
    with session("v6.20220315") as s:
        s.VFolder("data").delete()
    assert route.called and not trash.called


@respx.mock
def test_invite_field_name_per_version() -> None:
    route = respx.post(f"{EP}/folders/data/invite").respond(201, json={"invited_ids": ["u@x"]})
    with session("v8.20240915") as s:
        assert s.VFolder("data").invite("ro", ["u@x"]).invited_ids == ["u@x"]
    assert body(route)["emails"] == ["u@x"]
    with session("v6.20220315") as s:
        s.VFolder("data").invite("ro", ["u@x"])
    assert body(route)["user_ids"] == ["u@x"]


@respx.mock
def test_create_and_list_are_typed() -> None:
    create = respx.post(f"{EP}/folders").respond(
        201, json=answer(public.CreateVFolderResponse, id="ab", name="d", host="local:volume1")
    )
    respx.get(f"{EP}/folders").respond(
        json=[answer(public.VFolderListItem, name="d", id="ab", is_owner=True, new_field=1)]
    )
    with session("v8.20240915") as s:
        created = s.VFolder.create("d", host="local:volume1", cloneable=True)
        assert isinstance(created, m.CreateVFolderResponse) and created.host == "local:volume1"
        (item,) = s.VFolder.list()
        assert isinstance(item, m.VFolderListItem) and item.is_owner and item["new_field"] == 1
        with pytest.raises(BackendClientError):
            s.VFolder.create("")
    assert body(create, 0) == {
        "name": "d",
        "host": "local:volume1",
        "usage_mode": "general",
        "permission": "rw",
        "cloneable": True,
    }


@respx.mock
def test_file_operations_send_normalised_paths_and_refuse_escapes() -> None:
    delete = respx.post(f"{EP}/folders/data/delete-files").respond(json={})
    move = respx.post(f"{EP}/folders/data/move-file").respond(json={})
    with session("v8.20240915") as s:
        vf = s.VFolder("data")
        vf.delete_files(["/a//b/"], recursive=True)
        vf.move_file("x/./y", "z")
        with pytest.raises(RemotePathError):
            vf.delete_files(["../outside"])
        with pytest.raises(RemotePathError):
            vf.delete_files(["."])
        with pytest.raises(RemotePathError):
            vf.rename_file("a", "b/c")
    assert body(delete) == {"files": ["a/b"], "recursive": True}
    assert body(move) == {"src": "x/y", "dst": "z"}


@respx.mock
async def test_clone_follows_the_background_task() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "x"})
    respx.post(f"{EP}/folders/data/clone").respond(
        201,
        json=answer(
            public.CloneVFolderResponse,
            id="cd",
            name="copy",
            bgtask_id="5b5b3b4e-6b1f-4a4e-9c1e-0d1c2c3b4a59",
        ),
    )
    sse = (
        'event: bgtask_updated\ndata: {"task_id": "t", "current_progress": 1, "total_progress": 2}\n\n'
        ": ping\n\n"
        'event: bgtask_done\ndata: {"task_id": "t", "message": "ok"}\n\n'
        "event: server_close\ndata: {}\n\n"
    )
    events = respx.get(f"{EP}/events/background-task").respond(
        200, content=sse.encode(), headers={"Content-Type": "text/event-stream"}
    )
    seen: list[tuple[str, float | None]] = []
    async with AsyncSession(
        config=APIConfig(endpoint=EP, access_key="AKIATEST", secret_key="s")
    ) as s:
        cloned = await s.VFolder("data").clone(
            "copy", "local:volume1", progress=lambda p: seen.append((p.event, p.current_progress))
        )
    assert cloned.name == "copy"
    assert seen == [("bgtask_updated", 1.0), ("bgtask_done", None)]
    # taskId: the key every version accepts (26.09 no other)
    assert events.calls[0].request.url.params["taskId"] == "5b5b3b4e-6b1f-4a4e-9c1e-0d1c2c3b4a59"


@respx.mock
def test_failed_clone_raises() -> None:
    respx.post(f"{EP}/folders/data/clone").respond(
        201,
        json=answer(
            public.CloneVFolderResponse,
            name="copy",
            bgtask_id="5b5b3b4e-6b1f-4a4e-9c1e-0d1c2c3b4a59",
        ),
    )
    respx.get(f"{EP}/events/background-task").respond(
        200,
        content=b'event: task_failed\ndata: {"message": "disk full"}\n\n',
        headers={"Content-Type": "text/event-stream"},
    )
    with session("v8.20240915") as s, pytest.raises(Exception, match="disk full"):
        s.VFolder("data").clone("copy", "local:volume1", wait=True)


@respx.mock
def test_dotfile_scopes() -> None:
    user = respx.post(f"{EP}/user-config/dotfiles").respond(json={})
    group = respx.get(f"{EP}/group-config/dotfiles").respond(
        json=[{"path": ".a", "permission": "755", "data": "x"}]
    )
    domain = respx.get(f"{EP}/domain-config/dotfiles").respond(
        json={"path": ".b", "perm": "644", "data": "y"}
    )
    with session("v8.20240915") as s:
        s.Dotfile.create("x", ".a", "644", owner_access_key="AKIAOTHER")
        assert body(user) == {
            "data": "x",
            "path": ".a",
            "permission": "644",
            "owner_access_key": "AKIAOTHER",
        }
        (item,) = s.Dotfile.list_dotfiles(group="g1", domain="default")
        assert item.path == ".a"
        got = s.Dotfile(".b", domain="default").get()
        assert got.perm == "644" and got.data == "y"
        with pytest.raises(BackendClientError, match="octal"):
            s.Dotfile.create("x", ".a", "999")
    assert group.calls[0].request.url.params["group"] == "g1"
    assert domain.calls[0].request.url.params["path"] == ".b"


def test_unbound_class_says_how_to_use_it() -> None:
    from ai_backend_client.func._sync.vfolder import VFolder

    with pytest.raises(BackendClientError, match=r"session\.VFolder"):
        VFolder.list()
