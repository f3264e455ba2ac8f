"""Session history, dependency graph, commit, image conversion, priority and BackgroundTask:
request shapes per API version, local refusals, and the CLI over them (``session
status-history``, ``show-graph``, ``watch``, ``commit``, ``convert-to-image``, ``set-priority``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from ai_backend_client import types as public
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import BackendAPIError, BackendAPIVersionError, BackendClientError
from ai_backend_client.session import Session
from tests.unit._answers import answer
from tests.unit._cli_run import cli_runner

EP = "http://manager.test"
SID = "e6fd7f72-093b-4e02-be23-19112c5499aa"
TID = "5b5b3b4e-6b1f-4a4e-9c1e-0d1c2c3b4a59"
HISTORY = {"PENDING": "2026-12-01T10:00:00+00:00", "RUNNING": "2026-12-01T10:00:09+00:00"}
GRAPH = {
    "session_id": SID,
    "session_name": "s",
    "status": "RUNNING",
    "status_changed": "2026-12-01 10:00:09+00:00",
    "depends_on": [
        {
            "session_id": TID,
            "session_name": "dep",
            "status": "TERMINATED",
            "status_changed": "2026-12-01 09:00:00+00:00",
            "depends_on": [],
        }
    ],
}


def session(version: str) -> Session:
    respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    return Session(
        config=APIConfig(endpoint=EP, access_key="AKIATEST", secret_key="s"), max_retries=0
    )


def sent(route: respx.Route, i: int = -1) -> Any:
    return json.loads(route.calls[i].request.content)


@respx.mock
def test_status_history_is_rest_on_26_09() -> None:
    route = respx.get(f"{EP}/session/s/status-history").respond(json=HISTORY)
    with session("v9.20250722") as s:
        assert s.ComputeSession("s").get_status_history().root == HISTORY
    assert route.called


@respx.mock
def test_status_history_is_graphql_on_24_09() -> None:
    # 24.09 has no status-history route; GraphQL compute_session carries it as a JSON string,
    # and the id comes from the dependency graph when only the name is known
    graph = respx.get(f"{EP}/session/s/dependency-graph").respond(json=GRAPH)
    gql = respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"compute_session": {"status_history": json.dumps(HISTORY)}}}
    )
    rest = respx.get(f"{EP}/session/s/status-history").respond(404)
    with session("v8.20240915") as s:
        assert s.ComputeSession("s").get_status_history().root == HISTORY
        assert s.ComputeSession.from_session_id(SID).get_status_history().root == HISTORY
    assert graph.call_count == 1 and not rest.called
    assert sent(gql, 0)["variables"] == {"id": SID} == sent(gql, 1)["variables"]
    assert "status_history" in sent(gql)["query"]


@respx.mock
def test_22_03_refuses_history_graph_and_update_locally() -> None:
    anything = respx.route(url__regex=rf"{EP}/(session|admin).*").respond(200, json={})
    with session("v6.20220315") as s:
        kern = s.ComputeSession("s")
        with pytest.raises(BackendAPIVersionError, match=r"24\.09"):
            kern.get_status_history()
        for call in (kern.get_dependency_graph, kern.commit, lambda: kern.export_to_image("i")):
            with pytest.raises(BackendAPIVersionError, match=r"v8\.20240915"):
                call()
    assert not anything.called


@pytest.mark.parametrize("version", ["v8.20240915", "v9.20250722"])
@respx.mock
def test_commit_and_export_to_image_requests(version: str) -> None:
    commit = respx.post(f"{EP}/session/s/commit").respond(
        201, json={"bgtask_id": TID, "kernel": SID, "path": "a/b.tar.gz"}
    )
    status = respx.get(f"{EP}/session/s/commit").respond(json={"status": "ready", "kernel": SID})
    imagify = respx.post(f"{EP}/session/s/imagify").respond(json={"task_id": TID})
    with session(version) as s:
        kern = s.ComputeSession("s")
        assert kern.commit()["bgtask_id"] == TID
        assert kern.get_commit_status().status == "ready"
        assert kern.export_to_image("my-image").task_id == TID
        with pytest.raises(BackendClientError):
            kern.export_to_image("")
    assert commit.called and status.called
    request = imagify.calls[0].request
    # 24.09 reads image_name from the query or body; the spec says where each version takes it
    carried = request.url.params.get("image_name") or json.loads(request.content or b"{}").get(
        "image_name"
    )
    assert carried == "my-image"


@pytest.mark.parametrize("version", ["v8.20240915", "v9.20250722"])
@respx.mock
def test_update_sends_modify_compute_session(version: str) -> None:
    route = respx.post(f"{EP}/admin/gql").respond(
        json={
            "data": {
                "modify_compute_session": {
                    "item": {"name": "s", "priority": 42},
                    "clientMutationId": "x",
                }
            }
        }
    )
    with session(version) as s:
        item = s.ComputeSession.from_session_id(SID).update(priority=42)
        assert (item.name, item.priority) == ("s", 42)
        with pytest.raises(BackendClientError):
            s.ComputeSession.from_session_id(SID).update(priority=101)
        with pytest.raises(BackendClientError):
            s.ComputeSession.from_session_id(SID).update()
    variables = sent(route)["variables"]["input"]
    assert variables["id"] == SID and variables["priority"] == 42 and "name" not in variables
    assert variables["clientMutationId"]
    assert route.call_count == 1  # the refused ones sent nothing


def _bgtask(*events: str) -> respx.Route:
    body = "".join(events) + "event: server_close\ndata: {}\n\n"
    return respx.get(f"{EP}/events/background-task").respond(
        200, content=body.encode(), headers={"Content-Type": "text/event-stream"}
    )


@respx.mock
def test_background_task_reports_progress_and_raises_on_failure() -> None:
    route = _bgtask(
        f'event: bgtask_updated\ndata: {{"task_id": "{TID}", "current_progress": 1, "total_progress": 4}}\n\n',
        f'event: bgtask_done\ndata: {{"task_id": "{TID}", "message": "ok"}}\n\n',
    )
    seen: list[tuple[str, float | None]] = []
    with session("v9.20250722") as s:
        last = s.BackgroundTask(TID).wait(lambda p: seen.append((p.event, p.current_progress)))
        assert last.event == "bgtask_done" and last.message == "ok"
        with pytest.raises(BackendClientError):
            s.BackgroundTask("not-a-task")
    assert seen == [("bgtask_updated", 1.0), ("bgtask_done", None)]
    assert route.calls[0].request.url.params["taskId"] == TID
    _bgtask('event: bgtask_failed\ndata: {"message": "no registry"}\n\n')
    with session("v9.20250722") as s, pytest.raises(BackendAPIError, match="no registry"):
        s.BackgroundTask(TID).wait()


# -- the CLI ---------------------------------------------------------------------------------
@pytest.fixture
def bai(monkeypatch: pytest.MonkeyPatch) -> Any:
    return cli_runner(monkeypatch, EP)


@respx.mock
def test_cli_status_history_table_and_json(bai: Any) -> None:
    respx.get(f"{EP}/session/s/status-history").respond(json=HISTORY)
    result = bai("v9.20250722", "session", "status-history", "s")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Status", "Entered", "at"]
    assert [line.split()[0] for line in lines[2:]] == ["PENDING", "RUNNING"]  # in time order
    result = bai("v9.20250722", "--output", "json", "session", "status-history", "s")
    assert json.loads(result.stdout)["items"][1] == {
        "status": "RUNNING",
        "timestamp": HISTORY["RUNNING"],
    }


@respx.mock
def test_cli_show_graph_tree_table_json(bai: Any) -> None:
    respx.get(f"{EP}/session/s/dependency-graph").respond(json=GRAPH)
    tree = bai("v8.20240915", "session", "show-graph", "s")
    assert tree.exit_code == 0, tree.output
    assert tree.stdout.splitlines() == [
        f"s ({SID}) RUNNING",
        f"└── dep ({TID}) TERMINATED",
    ]
    table = bai("v8.20240915", "session", "show-graph", "-t", "s")
    assert "Depth" in table.stdout and "dep" in table.stdout
    data = json.loads(bai("v8.20240915", "--output", "json", "session", "show-graph", "s").stdout)
    assert data["items"][0]["depends_on"][0]["session_name"] == "dep"


@respx.mock
def test_cli_set_priority_and_its_local_check(bai: Any) -> None:
    respx.get(f"{EP}/session/s/dependency-graph").respond(json=GRAPH)
    route = respx.post(f"{EP}/admin/gql").respond(
        json={"data": {"modify_compute_session": {"item": {"name": "s", "priority": 7}}}}
    )
    result = bai("v8.20240915", "session", "set-priority", "s", "7")
    assert result.exit_code == 0, result.output
    assert "priority is changed to 7" in result.stderr
    assert sent(route)["variables"]["input"]["id"] == SID
    result = bai("v8.20240915", "session", "set-priority", "s", "700")
    assert result.exit_code == 1 and "between 0 and 100" in result.stderr
    assert route.call_count == 1


@respx.mock
def test_cli_commit_and_convert_report_the_task(bai: Any) -> None:
    respx.post(f"{EP}/session/s/commit").respond(201, json={"bgtask_id": TID})
    respx.post(f"{EP}/session/s/imagify").respond(json={"task_id": TID})
    result = bai("v9.20250722", "session", "commit", "s")
    assert result.exit_code == 0 and TID in result.stderr
    result = bai("v9.20250722", "--output", "json", "session", "convert-to-image", "s", "img")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["item"] == {"task_id": TID}


def _session_events(*names: str) -> str:
    return "".join(
        f'event: {n}\ndata: {{"sessionName": "s", "sessionId": "{SID}", "reason": "r"}}\n\n'
        for n in names
    )


@respx.mock
def test_cli_watch_ends_when_the_session_ends(bai: Any) -> None:
    respx.get(f"{EP}/session/s").respond(json=answer(public.SessionInfo, status="RUNNING"))
    respx.get(f"{EP}/events/session").respond(
        200,
        content=_session_events("session_terminating", "session_terminated", "never_read").encode(),
        headers={"Content-Type": "text/event-stream"},
    )
    result = bai("v9.20250722", "watch", "s")
    assert result.exit_code == 0, result.output
    shown = [line.split()[1] for line in result.stdout.splitlines()]
    assert shown == ["session_terminating", "session_terminated"]
    result = bai("v9.20250722", "session", "watch", "--output", "json", "s")
    assert [json.loads(line)["event"] for line in result.stdout.splitlines()] == [
        "session_terminating",
        "session_terminated",
    ]


@respx.mock
def test_cli_watch_of_an_ended_session_returns_at_once(bai: Any) -> None:
    respx.get(f"{EP}/session/s").respond(json=answer(public.SessionInfo, status="TERMINATED"))
    stream = respx.get(f"{EP}/events/session").respond(200)
    result = bai("v9.20250722", "watch", "s")
    assert result.exit_code == 0 and "already ended" in result.stderr
    assert not stream.called
