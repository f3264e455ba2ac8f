"""ComputeSession over the generated wire: the exact v6 wire shapes of 22.03,
the v8 differences, local argument checks and safe extraction of downloads."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from ai_backend_client import APIConfig, AsyncSession, Session
from ai_backend_client import types as public
from ai_backend_client.exceptions import BackendClientError, InternalServerError, NotFoundError
from ai_backend_client.func._archive import (
    MultipartMixedParser,
    UnsafeArchiveError,
    extract_tar_safely,
)
from ai_backend_client.func._checks import LocalArgumentError
from tests.unit._answers import answer

EP = "http://127.0.0.1:8091"
SID = "e6fd7f72-093b-4e02-be23-19112c5499aa"


def cfg(**kw: Any) -> APIConfig:
    kw.setdefault("endpoint", EP)
    kw.setdefault("access_key", "AKIAIOSFODNN7EXAMPLE")
    kw.setdefault("secret_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    return APIConfig(**kw)


def _session(router: respx.MockRouter, version: str) -> Session:
    router.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    return Session(config=cfg())


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as r:
        yield r


@pytest.fixture
def v6(router: respx.MockRouter) -> Iterator[Session]:
    with _session(router, "v6.20220315") as s:
        yield s


@pytest.fixture
def v8(router: respx.MockRouter) -> Iterator[Session]:
    with _session(router, "v8.20240915") as s:
        yield s


def body(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


CREATED = {
    "sessionId": SID,
    "sessionName": "mysess",
    "status": "RUNNING",
    "servicePorts": [],
    "created": True,
}


# -- creation ---------------------------------------------------------------------------------
def test_get_or_create_v6_wire_body(router: respx.MockRouter, v6: Session) -> None:
    route = router.post(f"{EP}/session").respond(201, json=CREATED)
    kern = v6.ComputeSession.get_or_create("python:3.9-ubuntu20.04", name="mysess")
    sent = body(route)
    assert sent["name"] == "mysess" and sent["image"] == "python:3.9-ubuntu20.04"
    assert sent["clusterSize"] == 1 and sent["clusterMode"] == "single-node"
    assert sent["enqueueOnly"] is False and sent["maxWaitSeconds"] == 0
    assert sent["reuseIfExists"] is True and sent["type"] == "interactive"
    assert sent["domain"] == "default" and sent["group"] == "default"
    assert sent["config"]["mounts"] == [] and sent["config"]["resources"] == {}
    assert "scalingGroup" in sent["config"] and "mount_map" in sent["config"]
    assert "arch" not in sent and "architecture" not in sent and "priority" not in sent
    assert str(kern.id) == SID and kern.name == "mysess" and kern.created
    assert kern.status == "RUNNING"


def test_get_or_create_every_option(router: respx.MockRouter, v6: Session) -> None:
    route = router.post(f"{EP}/session").respond(201, json=CREATED)
    v6.ComputeSession.get_or_create(
        "python",
        client_token="mysess",
        type_="batch",
        starts_at="10m",
        enqueue_only=True,
        max_wait=30,
        no_reuse=True,
        dependencies=[SID],
        callback_url="http://cb.example/x",
        mounts=["data"],
        mount_map={"data": "/home/work/d"},
        envs={"A": "1"},
        startup_command="python x.py",
        resources={"cpu": 2, "mem": "4g"},
        resource_opts={"shmem": "64m"},
        cluster_size=2,
        cluster_mode="multi-node",
        domain_name="dom",
        group_name="grp",
        bootstrap_script="ZWNobyBoaQ==",
        tag="t1",
        scaling_group="sg",
        owner_access_key="AKOWNER",
        preopen_ports=[8080],
        assign_agent=["i-agent"],
    )
    sent = body(route)
    assert sent["name"] == "mysess" and sent["type"] == "batch" and sent["starts_at"] == "10m"
    assert sent["enqueueOnly"] is True and sent["maxWaitSeconds"] == 30
    assert sent["reuseIfExists"] is False and sent["startupCommand"] == "python x.py"
    assert sent["dependencies"] == [SID] and sent["callback_url"] == "http://cb.example/x"
    assert sent["clusterSize"] == 2 and sent["clusterMode"] == "multi-node"
    assert sent["domain"] == "dom" and sent["group"] == "grp" and sent["tag"] == "t1"
    assert sent["bootstrap_script"] == "ZWNobyBoaQ==" and sent["owner_access_key"] == "AKOWNER"
    assert sent["config"] == {
        "mounts": ["data"],
        "mount_map": {"data": "/home/work/d"},
        "environ": {"A": "1"},
        "scalingGroup": "sg",
        "resources": {"cpu": 2, "mem": "4g"},
        "resource_opts": {"shmem": "64m"},
        "preopen_ports": [8080],
        "agentList": ["i-agent"],
    }


def test_get_or_create_v8_uses_snake_config_keys(router: respx.MockRouter, v8: Session) -> None:
    route = router.post(f"{EP}/session").respond(201, json=CREATED)
    v8.ComputeSession.get_or_create("python", name="mysess", scaling_group="sg")
    sent = body(route)
    assert sent["config"]["scaling_group"] == "sg" and sent["name"] == "mysess"


def test_reused_session_reads_snake_case_service_ports(
    router: respx.MockRouter, v6: Session
) -> None:
    router.post(f"{EP}/session").respond(
        200,
        json={
            "sessionId": SID,
            "sessionName": "mysess",
            "status": "RUNNING",
            "service_ports": [{"name": "jupyter", "protocol": "http", "ports": [8081]}],
            "created": False,
        },
    )
    kern = v6.ComputeSession.get_or_create("python", name="mysess")
    assert not kern.created and kern.service_ports[0].name == "jupyter"


@pytest.mark.parametrize("name", ["abc", "x" * 65, "bad name", "-lead", "trail-", "ünï"])
def test_bad_session_names_fail_before_any_request(
    router: respx.MockRouter, v6: Session, name: str
) -> None:
    route = router.post(f"{EP}/session").respond(201, json=CREATED)
    with pytest.raises(LocalArgumentError, match="session name"):
        v6.ComputeSession.get_or_create("python", name=name)
    assert not route.called


def test_name_length_message_is_clear(router: respx.MockRouter, v6: Session) -> None:
    with pytest.raises(LocalArgumentError, match="must be 4 to 64 characters long"):
        v6.ComputeSession.get_or_create("python", name="ab")


def test_batch_without_command_is_refused_locally(router: respx.MockRouter, v6: Session) -> None:
    with pytest.raises(LocalArgumentError, match="startup_command"):
        v6.ComputeSession.get_or_create("python", name="mysess", type_="batch")


def test_unknown_image_gets_one_clear_message(router: respx.MockRouter, v6: Session) -> None:
    router.post(f"{EP}/session").respond(
        404,
        json={
            "type": "https://api.backend.ai/probs/object-not-found",
            "title": "No such environment image.",
            "msg": "Unknown image references: nosuch:1",
        },
    )
    with pytest.raises(NotFoundError) as info:
        v6.ComputeSession.get_or_create("nosuch:1", name="mysess")
    assert str(info.value).startswith("unknown image 'nosuch:1'")


def test_create_from_template_sends_only_overrides(router: respx.MockRouter, v6: Session) -> None:
    route = router.post(f"{EP}/session/_/create-from-template").respond(201, json=CREATED)
    tid = "c1b8441a-ba46-4a83-8727-de6645f521b4"
    v6.ComputeSession.create_from_template(tid, name="mysess", envs={"A": "1"}, max_wait=5)
    sent = body(route)
    assert sent == {
        "template_id": tid,
        "name": "mysess",
        "domain": "default",
        "group": "default",
        "maxWaitSeconds": 5,
        "config": {"environ": {"A": "1"}},
    }


_TEMPLATE_DETAIL = {
    "template": {
        "api_version": "v1",
        "kind": "taskTemplate",
        "metadata": {"name": "t"},
        "spec": {
            "session_type": "interactive",
            "kernel": {"image": "python", "environ": {"GREETING": "hi"}},
            "scaling_group": "default",
            "resources": {"cpu": "1", "mem": "512m"},
            "mounts": {"data": "/home/work/data", "plain": None},
        },
    },
    "name": "t",
    "user_uuid": "u",
    "group_id": "g",
    "domain_name": "default",
}


def test_create_from_template_on_26_09_sends_the_templates_own_config(
    router: respx.MockRouter,
) -> None:
    """26.9.6 overrides the template's config with the unset fields of the request: what the
    caller leaves unset is sent from the stored template."""
    route = router.post(f"{EP}/session/_/create-from-template").respond(201, json=CREATED)
    tid = "c1b8441a-ba46-4a83-8727-de6645f521b4"
    router.get(f"{EP}/template/session/{tid}").respond(200, json=_TEMPLATE_DETAIL)
    with _session(router, "v9.20250722") as s:
        s.ComputeSession.create_from_template(tid, name="mysess", resources={"cpu": "2"})
    assert body(route)["config"] == {
        "environ": {"GREETING": "hi"},
        "resources": {"cpu": "2"},  # given: kept
        "scaling_group": "default",
        "mounts": ["data", "plain"],
        "mount_map": {"data": "/home/work/data"},
    }


def test_create_from_template_500_after_creating_gives_the_session(
    router: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    """26.9.6 creates the session, then answers 500 (a server bug): the session is returned."""
    problem = {"type": "https://api.backend.ai/probs/internal-server-error", "title": "oops"}
    router.post(f"{EP}/session/_/create-from-template").respond(500, json=problem)
    info = router.get(f"{EP}/session/made").respond(
        200, json=answer(public.SessionInfo, status="PENDING")
    )
    router.get(f"{EP}/session/not-made").respond(
        404, json={"type": "https://api.backend.ai/probs/session-not-found", "title": "no"}
    )
    tid = "c1b8441a-ba46-4a83-8727-de6645f521b4"
    router.get(f"{EP}/template/session/{tid}").respond(200, json=_TEMPLATE_DETAIL)
    with _session(router, "v9.20250722") as s:
        kern = s.ComputeSession.create_from_template(tid, name="made")
        assert (kern.name, kern.created) == ("made", True) and info.called
        assert "created session 'made'" in caplog.text
        with pytest.raises(InternalServerError):  # nothing was created: the server's error
            s.ComputeSession.create_from_template(tid, name="not-made")


# -- execution --------------------------------------------------------------------------------
def _result(status: str, console: list[Any], run_id: str = "r1", **extra: Any) -> dict[str, Any]:
    return {
        "result": {
            "status": status,
            "runId": run_id,
            "exitCode": None,
            "options": None,
            "files": [],
            "console": console,
            **extra,
        }
    }


def test_execute_run_id_loop(router: respx.MockRouter, v6: Session) -> None:
    route = router.post(f"{EP}/session/mysess").mock(
        side_effect=[
            httpx.Response(200, json=_result("continued", [["stdout", "0\n"]])),
            httpx.Response(200, json=_result("finished", [["stdout", "1\n"]])),
        ]
    )
    kern = v6.ComputeSession("mysess")
    out, run_id, mode, code = [], None, "query", "print(1)"
    while True:
        result = kern.execute(run_id, code, mode=mode)
        run_id = result["runId"]
        out += [rec[1] for rec in result.get("console", []) if rec[0] == "stdout"]
        if result["status"] == "finished":
            break
        mode, code = "continued", ""  # the seed's spelling
    assert out == ["0\n", "1\n"]
    assert body(route, 0) == {"mode": "query", "runId": None, "code": "print(1)"}
    assert body(route, 1) == {"mode": "continue", "runId": "r1", "code": ""}


def test_execute_input_and_batch_modes(router: respx.MockRouter, v6: Session) -> None:
    route = router.post(f"{EP}/session/mysess").respond(200, json=_result("finished", []))
    kern = v6.ComputeSession("mysess")
    kern.execute("r9", "bob", mode="input")
    assert body(route) == {"mode": "input", "runId": "r9", "code": "bob"}
    kern.execute(None, "", mode="batch", opts={"build": "*", "exec": "python x.py"})
    assert body(route) == {
        "mode": "batch",
        "runId": None,
        "code": "",
        "options": {"clean": None, "build": "*", "buildLog": False, "exec": "python x.py"},
    }
    with pytest.raises(LocalArgumentError, match="runId"):
        kern.execute(None, "", mode="continue")
    with pytest.raises(LocalArgumentError, match="unknown execution mode"):
        kern.execute(None, "", mode="bogus")


async def test_async_execute_and_typed_result() -> None:
    with respx.mock as router:
        router.get(f"{EP}/").respond(json={"version": "v6.20220315", "manager": "22.3.3"})
        router.post(f"{EP}/session/mysess").respond(
            200,
            json=_result("waiting-input", [["stdout", "who? "]], options={"is_password": False}),
        )
        async with AsyncSession(config=cfg()) as s:
            result = await s.ComputeSession("mysess").execute(None, "input('who? ')")
    assert result.status == "waiting-input" and result.run_id == "r1"
    assert result["options"].get("is_password", False) is False


# -- other REST calls --------------------------------------------------------------------------
def test_destroy_forced_query_and_plain(router: respx.MockRouter, v6: Session) -> None:
    route = router.delete(f"{EP}/session/mysess").respond(
        200, json={"stats": {"status": "terminated"}}
    )
    kern = v6.ComputeSession("mysess")
    assert kern.destroy().stats.status == "terminated"
    assert route.calls.last.request.url.query == b""
    kern.destroy(forced=True)
    assert route.calls.last.request.url.params["forced"] == "true"


def test_rename_v6_query_and_v8_body() -> None:
    for version, check in (
        ("v6.20220315", lambda r: r.url.params["name"] == "newname" and not r.content),
        ("v8.20240915", lambda r: json.loads(r.content) == {"name": "newname"}),
    ):
        with respx.mock(assert_all_called=False) as router, _session(router, version) as s:
            route = router.post(f"{EP}/session/mysess/rename").respond(204)
            kern = s.ComputeSession("mysess")
            kern.rename("newname")
            assert check(route.calls.last.request), version
            assert kern.name == "newname"
            with pytest.raises(LocalArgumentError):
                kern.rename("no")


def test_restart_interrupt_info_logs_complete(router: respx.MockRouter, v6: Session) -> None:
    router.patch(f"{EP}/session/mysess").respond(204)
    router.post(f"{EP}/session/mysess/interrupt").respond(204)
    router.get(f"{EP}/session/mysess").respond(
        200, json=answer(public.SessionInfo, status="RUNNING", image="python", age=5)
    )
    router.get(f"{EP}/session/mysess/logs").respond(200, json={"result": {"logs": "my logs"}})
    done = router.post(f"{EP}/session/mysess/complete").respond(
        200, json={"result": {"status": "finished", "completions": ["print"]}}
    )
    kern = v6.ComputeSession("mysess")
    kern.restart()
    kern.interrupt()
    info = kern.get_info()
    assert info.status == "RUNNING" and info["image"] == "python"
    assert kern.get_logs().result is not None and kern.get_logs()["result"]["logs"] == "my logs"
    # 22.03 and 24.09 answer ``completions`` (kept as sent), given as 26.09's ``suggestions``
    completion = kern.complete("pri", {"row": 0, "col": 3})
    assert completion["completions"] == ["print"] and completion.suggestions == ["print"]
    assert body(done) == {"code": "pri", "options": {"row": 0, "col": 3}}


def test_complete_without_candidates_on_24_09(router: respx.MockRouter, v8: Session) -> None:
    """24.9.6 answers ``{"result": null}`` when the kernel offers nothing."""
    done = router.post(f"{EP}/session/mysess/complete").respond(200, json={"result": None})
    completion = v8.ComputeSession("mysess").complete("zzz")
    assert (completion.status, completion.suggestions, completion.error) == ("finished", [], None)
    assert body(done) == {"code": "zzz"}


def test_list_files_is_get_with_json_body(router: respx.MockRouter, v6: Session) -> None:
    route = router.get(f"{EP}/session/mysess/files").respond(
        200,
        json={
            "files": json.dumps([{"filename": "a.txt", "size": 6}]),
            "errors": "",
            "abspath": ".",
        },
    )
    resp = v6.ComputeSession("mysess").list_files("sub")
    assert body(route) == {"path": "sub"}
    assert json.loads(resp.files or "[]")[0]["filename"] == "a.txt"


def test_get_task_logs_streams_bytes(router: respx.MockRouter, v6: Session) -> None:
    route = router.get(f"{EP}/session/_/logs").respond(200, content=b"line1\nline2\n")
    chunks = list(v6.ComputeSession.get_task_logs(SID, chunk_size=4))
    assert b"".join(chunks) == b"line1\nline2\n"
    # 22.03 reads taskId, task_id, sessionName or session_name; 24.09 session_name only
    assert route.calls.last.request.url.params["session_name"] == SID


# -- upload -----------------------------------------------------------------------------------
def _parts(request: httpx.Request) -> list[tuple[str, str, bytes]]:
    """(field name, filename, content) of each multipart part."""
    ctype = request.headers["Content-Type"]
    boundary = ctype.split("boundary=", 1)[1].encode()
    parts = []
    for chunk in request.content.split(b"--" + boundary)[1:-1]:
        head, _, data = chunk.strip(b"\r\n").partition(b"\r\n\r\n")
        disp = next(
            line
            for line in head.decode().split("\r\n")
            if line.lower().startswith("content-disposition")
        )
        field = disp.split('name="', 1)[1].split('"', 1)[0]
        filename = disp.split('filename="', 1)[1].split('"', 1)[0]
        parts.append((field, filename, data))
    return parts


def test_upload_names_relative_to_basedir(
    router: respx.MockRouter, v6: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "data.txt").write_bytes(b"data")
    (tmp_path / "top.py").write_bytes(b"print(1)")
    route = router.post(f"{EP}/session/mysess/upload").respond(204)
    kern = v6.ComputeSession("mysess")
    monkeypatch.chdir(tmp_path)
    seen: list[tuple[int, int]] = []
    kern.upload(
        ["test/data.txt", "top.py"], progress=lambda sent, total: seen.append((sent, total))
    )
    assert _parts(route.calls.last.request) == [
        ("src", "test/data.txt", b"data"),
        ("src", "top.py", b"print(1)"),
    ]
    assert seen and seen[-1] == (12, 12)
    kern.upload([tmp_path / "test" / "data.txt"], basedir=tmp_path / "test")
    assert _parts(route.calls.last.request) == [("src", "data.txt", b"data")]


def test_upload_refuses_missing_and_outside_files(
    router: respx.MockRouter, v6: Session, tmp_path: Path
) -> None:
    route = router.post(f"{EP}/session/mysess/upload").respond(204)
    kern = v6.ComputeSession("mysess")
    with pytest.raises(LocalArgumentError, match="no such file"):
        kern.upload([tmp_path / "missing.txt"], basedir=tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b.txt").write_text("x")
    with pytest.raises(LocalArgumentError, match="not inside the base directory"):
        kern.upload([tmp_path / "b.txt"], basedir=tmp_path / "a")
    (tmp_path / "big").write_bytes(b"x" * (1024 * 1024))
    with pytest.raises(LocalArgumentError, match="too large"):
        kern.upload([tmp_path / "big"], basedir=tmp_path)
    assert not route.called


# -- download ---------------------------------------------------------------------------------
def _tar(*members: tuple[str, bytes | None, str]) -> bytes:
    """A tar of (name, data, kind) members; kind is file, dir, symlink or hardlink (data = target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data or b"")
                tar.addfile(info, io.BytesIO(data or b""))
                continue
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            else:
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = (data or b"").decode()
            tar.addfile(info)
    return buf.getvalue()


def _multipart(*parts: bytes, boundary: str = "0a8cc54f52a3") -> tuple[bytes, str]:
    out = b""
    for part in parts:
        out += (
            (
                f"--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Encoding: identity\r\n"
                f"Content-Length: {len(part)}\r\n\r\n"
            ).encode()
            + part
            + b"\r\n"
        )
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/mixed; boundary={boundary}"


def test_download_v6_get_with_body_and_extracts(
    router: respx.MockRouter, v6: Session, tmp_path: Path
) -> None:
    content, ctype = _multipart(
        _tar(("a.txt", b"hello\n", "file")),
        _tar(("sub", None, "dir"), ("sub/b.py", b"print()", "file")),
    )
    route = router.get(f"{EP}/session/mysess/download").respond(
        200, content=content, headers={"Content-Type": ctype}
    )
    res = v6.ComputeSession("mysess").download(["a.txt", "sub/b.py"], dest=tmp_path)
    assert body(route) == {"files": ["a.txt", "sub/b.py"]}
    assert res.file_names == ["a.txt", "sub/b.py"] and res["file_names"] == res.file_names
    assert (tmp_path / "a.txt").read_bytes() == b"hello\n"
    assert (tmp_path / "sub" / "b.py").read_bytes() == b"print()"
    assert not list(tmp_path.glob("**/*.part"))


def test_download_v8_is_post(router: respx.MockRouter, v8: Session, tmp_path: Path) -> None:
    content, ctype = _multipart(_tar(("a.txt", b"x", "file")))
    route = router.post(f"{EP}/session/mysess/download").respond(
        200, content=content, headers={"Content-Type": ctype}
    )
    v8.ComputeSession("mysess").download(["a.txt"], dest=tmp_path)
    assert body(route) == {"files": ["a.txt"]} and (tmp_path / "a.txt").read_bytes() == b"x"


@pytest.mark.parametrize(
    "members",
    [
        [("ok.txt", b"1", "file"), ("../evil.txt", b"x", "file")],
        [("ok.txt", b"1", "file"), ("/tmp/evil-abs.txt", b"x", "file")],
        [("ok.txt", b"1", "file"), ("link", b"/etc/passwd", "symlink")],
        [("ok.txt", b"1", "file"), ("hard", b"/etc/passwd", "hardlink")],
        [("ok.txt", b"1", "file"), ("a/../../evil.txt", b"x", "file")],
        [("ok.txt", b"1", "file"), ("C:\\evil.txt", b"x", "file")],
    ],
)
def test_malicious_archives_are_refused_and_nothing_is_written(
    router: respx.MockRouter,
    v6: Session,
    tmp_path: Path,
    members: list[tuple[str, bytes | None, str]],
) -> None:
    dest = tmp_path / "dest"
    content, ctype = _multipart(_tar(*members))
    router.get(f"{EP}/session/mysess/download").respond(
        200, content=content, headers={"Content-Type": ctype}
    )
    with pytest.raises(UnsafeArchiveError, match="refusing"):
        v6.ComputeSession("mysess").download(["x"], dest=dest)
    assert not (dest / "ok.txt").exists()
    assert not (tmp_path / "evil.txt").exists()


def test_existing_symlink_in_destination_cannot_redirect_writes(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "sub").symlink_to(outside)
    with pytest.raises(UnsafeArchiveError, match="leads outside"):
        extract_tar_safely(io.BytesIO(_tar(("sub/x.txt", b"x", "file"))), dest)
    assert not (outside / "x.txt").exists()
    # a symlink at the target itself is replaced, not followed
    secret = outside / "secret"
    secret.write_text("keep")
    (dest / "f.txt").symlink_to(secret)
    extract_tar_safely(io.BytesIO(_tar(("f.txt", b"new", "file"))), dest)
    assert secret.read_text() == "keep" and not (dest / "f.txt").is_symlink()
    assert (dest / "f.txt").read_bytes() == b"new"


def test_overwrite_false_and_dir_file_clashes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old")
    with pytest.raises(FileExistsError):
        extract_tar_safely(io.BytesIO(_tar(("a.txt", b"new", "file"))), tmp_path, overwrite=False)
    assert (tmp_path / "a.txt").read_text() == "old"
    (tmp_path / "d").mkdir()
    with pytest.raises(UnsafeArchiveError, match="directory"):
        extract_tar_safely(io.BytesIO(_tar(("d", b"x", "file"))), tmp_path)


def test_multipart_parser_handles_any_chunking() -> None:
    content, ctype = _multipart(b"first\r\n--not-boundary", b"", b"third")
    boundary = ctype.split("boundary=")[1].encode()
    for size in (1, 2, 3, 7, 64, len(content)):
        parts: list[bytes] = []
        parser = MultipartMixedParser(
            boundary,
            on_part_begin=lambda h, parts=parts: parts.append(b""),
            on_part_data=lambda d, parts=parts: parts.__setitem__(-1, parts[-1] + d),
            on_part_end=lambda: None,
        )
        for i in range(0, len(content), size):
            parser.feed(content[i : i + size])
        parser.close()
        assert parts == [b"first\r\n--not-boundary", b"", b"third"], size


def test_truncated_download_is_an_error(
    router: respx.MockRouter, v6: Session, tmp_path: Path
) -> None:
    content, ctype = _multipart(_tar(("a.txt", b"x", "file")))
    router.get(f"{EP}/session/mysess/download").respond(
        200, content=content[:-30], headers={"Content-Type": ctype}
    )
    with pytest.raises(BackendClientError, match="ended early"):
        v6.ComputeSession("mysess").download(["a.txt"], dest=tmp_path)
    assert not (tmp_path / "a.txt").exists()


# -- misc -------------------------------------------------------------------------------------
def test_hello_and_system_versions(router: respx.MockRouter, v6: Session) -> None:
    router.get(f"{EP}/").respond(json={"version": "v6.20220315", "manager": "22.3.3"})
    assert v6.ComputeSession.hello().manager == "22.3.3"
    assert v6.System.get_api_version() == "v6.20220315"
    assert v6.System.get_manager_version() == "22.3.3"


def test_stream_app_info(router: respx.MockRouter, v6: Session) -> None:
    router.get(f"{EP}/stream/session/mysess/apps").respond(
        200, json=[{"name": "jupyter", "protocol": "http", "ports": [8081]}]
    )
    apps = v6.ComputeSession("mysess").stream_app_info()
    assert apps[0].name == "jupyter" and apps[0]["ports"] == [8081]


def test_blocking_sessions_refuse_websocket_streams(router: respx.MockRouter, v6: Session) -> None:
    with pytest.raises(BackendClientError, match="needs an AsyncSession"):
        v6.ComputeSession("mysess").stream_execute("print(1)")


def test_paginated_list_graphql(router: respx.MockRouter, v6: Session) -> None:
    route = router.post(f"{EP}/admin/gql").respond(
        200,
        json={
            "data": {
                "compute_session_list": {
                    "items": [{"session_id": SID, "status": "RUNNING"}],
                    "total_count": 1,
                }
            }
        },
    )
    page = v6.ComputeSession.paginated_list(status="RUNNING", page_size=10)
    assert page.total_count == 1 and str(page.items[0].session_id) == SID
    sent = body(route)
    assert "compute_session_list" in sent["query"]
    assert sent["variables"]["limit"] == 10 and sent["variables"]["status"] == "RUNNING"
