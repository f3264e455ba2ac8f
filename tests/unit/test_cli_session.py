"""Session commands of ``backend.ai`` against a respx-mocked manager (API v8).

The streaming-execute WebSocket is replaced by a fake on the SDK's ``ComputeSession`` so that
``run`` can be followed from creation to the final ``DELETE``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
import pytest
import respx
from click.testing import CliRunner

from ai_backend_client.cli.main import cli
from ai_backend_client.exceptions import BackendClientError
from ai_backend_client.func._async import compute_session as async_cs
from ai_backend_client.streams import ExecutionResult

EP = "http://mock.test"
SID = "5f6a7b8c-0000-4000-8000-000000000001"


@pytest.fixture(autouse=True)
def _api_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def _keypair(is_admin: bool) -> dict[str, Any]:
    return {"data": {"keypair": {"access_key": "AKIAIOSFODNN7EXAMPLE", "is_admin": is_admin}}}


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=EP, assert_all_called=False) as router:
        router.get("/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
        # `ps` must not ask whether the caller is an admin (one round trip less than 22.03)
        router.post("/admin/gql", content__contains="KeyPairInfo", name="whoami").respond(
            json=_keypair(False)
        )
        yield router
        assert not router["whoami"].called


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


# -- ps ---------------------------------------------------------------------------------------
def _gql_page(items: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"data": {"compute_session_list": {"items": items, "total_count": total}}}


ROWS = [
    {
        "name": "sess-a",
        "session_id": SID,
        "group_name": "default",
        "image": "python:3.9",
        "type": "interactive",
        "status": "RUNNING",
        "status_info": None,
        "status_changed": "2024-10-01T00:00:00",
        "result": "UNDEFINED",
    },
    {
        "name": "sess-b",
        "session_id": SID.replace("1", "2"),
        "group_name": "default",
        "image": "python:3.9",
        "type": "batch",
        "status": "PENDING",
        "status_info": None,
        "status_changed": None,
        "result": "UNDEFINED",
    },
]


def test_ps_lists_sessions(mock: respx.MockRouter) -> None:
    gql = mock.post("/admin/gql").respond(json=_gql_page(ROWS, 2))
    result = invoke("ps")
    assert result.exit_code == 0, result.output
    assert "sess-a" in result.stdout and "sess-b" in result.stdout
    assert "Session ID" in result.stdout
    body = json.loads(gql.calls[0].request.content)
    assert "compute_session_list" in body["query"]
    for field in ("name", "session_id", "status", "status_info", "result"):
        assert field in body["query"]
    variables = body["variables"]
    assert variables["limit"] == 20 and variables["offset"] == 0
    # v8 managers know no RESIZING/SUSPENDED; live statuses only by default.
    assert "RESIZING" not in variables["status"] and "TERMINATED" not in variables["status"]
    assert "RUNNING" in variables["status"].split(",")


def test_ps_status_filters_and_json(mock: respx.MockRouter) -> None:
    gql = mock.post("/admin/gql").respond(json=_gql_page(ROWS[:1], 7))
    result = invoke("--output", "json", "ps", "--dead")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 1 and data["total_count"] == 7
    assert data["items"][0]["name"] == "sess-a"
    assert json.loads(gql.calls[0].request.content)["variables"]["status"] == "CANCELLED,TERMINATED"
    invoke("ps", "--running")
    assert "RUNNING" in json.loads(gql.calls[1].request.content)["variables"]["status"]
    invoke("ps", "-s", "all")
    assert "TERMINATED" in json.loads(gql.calls[2].request.content)["variables"]["status"]
    result = invoke("ps", "-s", "SUSPENDED")
    assert result.exit_code == 2 and "no session status SUSPENDED" in result.stderr


def test_ps_detail_and_format(mock: respx.MockRouter) -> None:
    gql = mock.post("/admin/gql").respond(json=_gql_page(ROWS, 2))
    invoke("ps", "--detail")
    query = json.loads(gql.calls[0].request.content)["query"]
    assert "occupied_slots" in query and "created_at" in query and "tag" in query
    result = invoke("--output", "json", "ps", "-f", "name,status")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["items"][0] == {"name": "sess-a", "status": "RUNNING"}
    result = invoke("ps", "-f", "id,cpu_using")
    assert result.exit_code == 2
    assert "There is no such format option: cpu_using" in result.stderr


def test_ps_all_fetches_every_page(mock: respx.MockRouter) -> None:
    pages = [
        httpx.Response(200, json=_gql_page(ROWS[:1], 2)),
        httpx.Response(200, json=_gql_page(ROWS[1:], 2)),
    ]
    gql = mock.post("/admin/gql").mock(side_effect=pages)
    result = invoke("--output", "json", "ps", "--all", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert [i["name"] for i in json.loads(result.stdout)["items"]] == ["sess-a", "sess-b"]
    offsets = [json.loads(c.request.content)["variables"]["offset"] for c in gql.calls]
    assert offsets == [0, 1]


def test_ps_shows_the_owner_column_when_the_list_holds_other_keypairs_sessions(
    mock: respx.MockRouter,
) -> None:
    own = [dict(r, access_key="AKIAIOSFODNN7EXAMPLE") for r in ROWS]
    gql = mock.post("/admin/gql").respond(json=_gql_page(own, 2))
    result = invoke("ps")
    assert result.exit_code == 0, result.output
    assert "Owner" not in result.stdout  # only the caller's own sessions
    assert "access_key" in _selected(gql)
    result = invoke("--output", "json", "ps")
    assert json.loads(result.stdout)["items"][0]["access_key"] == "AKIAIOSFODNN7EXAMPLE"
    others = [dict(r, access_key=f"AKIA{i}") for i, r in enumerate(ROWS)]  # an admin's view
    gql.respond(json=_gql_page([own[0], *others], 3))
    result = invoke("ps")
    assert result.exit_code == 0, result.output
    header, _, mine, first, second = result.stdout.splitlines()[:5]
    assert header.split()[:2] == ["Name", "Owner"]
    assert mine.split()[:2] == ["sess-a", "AKIAIOSFODNN7EXAMPLE"]
    assert first.split()[:2] == ["sess-a", "AKIA0"] and second.split()[:2] == ["sess-b", "AKIA1"]
    result = invoke("ps", "-f", "name,status")  # the caller's choice of fields wins
    assert "Owner" not in result.stdout
    assert "access_key" not in _selected(gql)


def _selected(route: respx.Route) -> str:
    """The selection of the last session-list query (after its variables)."""
    query: str = json.loads(route.calls.last.request.content)["query"]
    return query.split("items", 1)[1]
    # the same command as `admin session list`, with -f like `ps`
    result = invoke("--output", "json", "admin", "session", "list", "-f", "name,access_key")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"][1] == {"name": "sess-b", "access_key": "AKIA1"}


def test_ps_graphql_error_is_one_line(mock: respx.MockRouter) -> None:
    mock.post("/admin/gql").respond(json={"data": None, "errors": [{"message": "boom"}]})
    result = invoke("ps")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "boom" in result.stderr


# -- run ---------------------------------------------------------------------------------------
class FakeExecution:
    """Stands in for ``ComputeSession.stream_execute``; records what was asked."""

    def __init__(self, frames: list[dict[str, Any]], error: BaseException | None = None) -> None:
        self.frames = frames
        self.error = error
        self.calls: list[dict[str, Any]] = []
        self.active = 0
        self.max_active = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        fake = self

        def stream_execute(
            self: Any,
            code: str = "",
            *,
            mode: str = "query",
            opts: Mapping[str, Any] | None = None,
            input_handler: Any = None,
        ) -> Any:
            fake.calls.append(
                {"ref": self._stream_ref(), "code": code, "mode": mode, "opts": dict(opts or {})}
            )
            return fake._context()

        monkeypatch.setattr(async_cs.ComputeSession, "stream_execute", stream_execute)

    def _context(self) -> Any:
        fake = self

        class Ctx:
            async def __aenter__(self) -> Any:
                fake.active += 1
                fake.max_active = max(fake.max_active, fake.active)
                return self

            async def __aexit__(self, *exc: object) -> None:
                fake.active -= 1

            def __aiter__(self) -> AsyncIterator[ExecutionResult]:
                return self._gen()

            async def _gen(self) -> AsyncIterator[ExecutionResult]:
                await asyncio.sleep(0.02)
                for frame in fake.frames:
                    yield ExecutionResult.model_validate(frame)
                if fake.error is not None:
                    raise fake.error

        return Ctx()


def _created(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(
        201,
        json={
            "sessionId": SID,
            "sessionName": body["name"],
            "status": "RUNNING",
            "servicePorts": [],
            "created": True,
        },
    )


HELLO = [
    {"status": "continued", "console": [["stdout", "hel"]], "exitCode": None},
    {"status": "finished", "console": [["stdout", "lo\n"]], "exitCode": 0},
]


def test_run_rm_code_prints_output_and_destroys(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    create = mock.post("/session").mock(side_effect=_created)
    delete = mock.delete("/session/mysess").respond(json={"stats": {"cpu_used": 10}})
    fake = FakeExecution(HELLO)
    fake.install(monkeypatch)
    result = invoke("run", "--rm", "-t", "mysess", "-c", 'print("hello")', "python")
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello\n"
    body = json.loads(create.calls[0].request.content)
    assert body["image"] == "python" and body["name"] == "mysess"
    assert body.get("enqueueOnly", False) is False
    assert fake.calls == [{"ref": SID, "code": 'print("hello")', "mode": "query", "opts": {}}]
    assert delete.call_count == 1
    assert "destroyed" in result.stderr


def test_run_rm_destroys_even_when_execution_fails(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock.post("/session").mock(side_effect=_created)
    delete = mock.delete("/session/mysess").respond(json={"stats": None})
    FakeExecution(HELLO[:1], error=BackendClientError("the stream broke")).install(monkeypatch)
    result = invoke("run", "--rm", "-t", "mysess", "-c", "1", "python")
    assert result.exit_code == 1
    assert delete.call_count == 1
    assert result.stderr.strip().splitlines()[-1] == "✘ the stream broke"
    assert "Traceback" not in result.output


def test_run_rm_destroys_on_ctrl_c(mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    mock.post("/session").mock(side_effect=_created)
    delete = mock.delete("/session/mysess").respond(json={"stats": None})
    FakeExecution([], error=KeyboardInterrupt()).install(monkeypatch)
    result = invoke("run", "--rm", "-t", "mysess", "-c", "1", "python")
    assert result.exit_code == 1
    assert delete.call_count == 1
    assert result.stderr.strip().endswith("✘ Interrupted.")


def test_run_rm_cleans_up_by_name_when_creation_fails(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock.post("/session").respond(
        500, json={"type": "https://api.backend.ai/probs/internal-server-error", "title": "boom"}
    )
    delete = mock.delete("/session/mysess").respond(
        404,
        json={
            "type": "https://api.backend.ai/probs/session-not-found",
            "title": "No such session.",
        },
    )
    fake = FakeExecution(HELLO)
    fake.install(monkeypatch)
    result = invoke("run", "--rm", "-t", "mysess", "-c", "1", "python")
    assert result.exit_code == 1
    assert delete.call_count == 1, "a session the server may have created must not be left behind"
    assert fake.calls == []
    assert "boom" in result.stderr and "No such session" not in result.stderr


def test_run_without_rm_keeps_the_session(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock.post("/session").mock(side_effect=_created)
    delete = mock.delete(url__regex=r"/session/.*")
    FakeExecution(HELLO).install(monkeypatch)
    result = invoke("run", "-c", "1", "python")
    assert result.exit_code == 0
    assert delete.call_count == 0


def test_run_nonzero_exit_code_fails(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock.post("/session").mock(side_effect=_created)
    mock.delete("/session/s1234").respond(json={"stats": None})
    FakeExecution(
        [{"status": "finished", "console": [["stderr", "Traceback...\n"]], "exitCode": 1}]
    ).install(monkeypatch)
    result = invoke("--output", "json", "run", "--rm", "-t", "s1234", "-c", "raise x", "python")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["exit_code"] == 1 and data["stderr"] == "Traceback...\n"


def test_run_batch_files_upload_and_exec(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.py").write_text("print(1)\n")
    mock.post("/session").mock(side_effect=_created)
    upload = mock.post("/session/batchy/upload").respond(204)
    fake = FakeExecution([{"status": "finished", "console": [["stdout", "1\n"]], "exitCode": 0}])
    fake.install(monkeypatch)
    result = invoke("run", "-t", "batchy", "--exec", "python main.py", "python", "main.py")
    assert result.exit_code == 0, result.output
    assert upload.call_count == 1
    assert b'filename="main.py"' in upload.calls[0].request.content
    assert fake.calls[0]["mode"] == "batch"
    assert fake.calls[0]["opts"] == {
        "clean": "*",
        "build": "*",
        "buildLog": False,  # as the 22.03 client: only when asked for
        "exec": "python main.py",
    }
    result = invoke("run", "-t", "batchy", "--build-log", "--exec", "x", "python", "main.py")
    assert result.exit_code == 0, result.output
    assert fake.calls[1]["opts"]["buildLog"] is True


def test_env_range_creates_one_session_per_case(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    create = mock.post("/session").mock(side_effect=_created)
    deletes = mock.delete(url__regex=r"/session/grid-\d").respond(json={"stats": None})
    fake = FakeExecution([{"status": "finished", "console": [["stdout", "ok\n"]], "exitCode": 0}])
    fake.install(monkeypatch)
    result = invoke(
        "run",
        "--rm",
        "-t",
        "grid",
        "-e",
        "LR=$lr",
        "--env-range",
        "lr=linspace:0.1,0.3,3",
        "--max-parallel",
        "2",
        "--exec",
        "python train.py",
        "python",
    )
    assert result.exit_code == 0, result.output
    bodies = [json.loads(c.request.content) for c in create.calls]
    assert sorted(b["name"] for b in bodies) == ["grid-0", "grid-1", "grid-2"]
    assert sorted(b["config"]["environ"]["LR"] for b in bodies) == ["0.1", "0.2", "0.3"]
    assert deletes.call_count == 3
    assert fake.max_active <= 2
    logs = tmp_path / "cache" / "backend.ai" / "client-logs"
    assert (logs / "grid-0.stdout.log").read_text() == "ok\n"


def test_bad_range_is_a_usage_error_and_creates_nothing(mock: respx.MockRouter) -> None:
    create = mock.post("/session")
    result = invoke("run", "--rm", "--env-range", "x=foo:1,2", "-c", "1", "python")
    assert result.exit_code == 2
    assert "Unrecognized range expression type" in result.stderr
    assert create.call_count == 0
    result = invoke("run", "--rm", "--env-range", "x=linspace:1,2,1", "-c", "1", "python")
    assert result.exit_code == 2 and "NUM >= 2" in result.stderr


def test_run_needs_something_to_run() -> None:
    result = invoke("run", "python")
    assert result.exit_code == 2
    result = invoke("run", "-c", "1", "python", __file__)
    assert result.exit_code == 2 and "not both" in result.stderr


# -- other session commands ---------------------------------------------------------------------
def test_destroy_aliases_and_partial_failure(mock: respx.MockRouter) -> None:
    ok = mock.delete("/session/a1234").respond(json={"stats": None})
    missing = mock.delete("/session/b1234").respond(
        404,
        json={
            "type": "https://api.backend.ai/probs/session-not-found",
            "title": "No such session.",
        },
    )
    for alias in ("rm", "kill", "destroy"):
        result = invoke(alias, "a1234", "b1234")
        assert result.exit_code == 1
        assert "Session a1234 is destroyed." in result.stderr
        assert "Could not destroy b1234" in result.stderr
    assert ok.call_count == 3 and missing.call_count == 3
    forced = mock.delete("/session/c1234", params={"forced": "true"}).respond(json={"stats": None})
    assert invoke("rm", "-f", "c1234").exit_code == 0
    assert forced.call_count == 1


def test_create_alias_start(mock: respx.MockRouter) -> None:
    create = mock.post("/session").mock(side_effect=_created)
    result = invoke(
        "start",
        "-t",
        "mysess",
        "-r",
        "cpu=2",
        "-r",
        "mem=4g",
        "-m",
        "data=/data",
        "-e",
        "A=1",
        "python",
    )
    assert result.exit_code == 0, result.output
    body = json.loads(create.calls[0].request.content)
    assert body["config"]["resources"] == {"cpu": "2", "mem": "4g"}
    assert body["config"]["mounts"] == ["data"] and body["config"]["mount_map"] == {"data": "/data"}
    assert body["config"]["environ"] == {"A": "1"}
    assert f"Session ID {SID} is created and ready." in result.stderr


DETAIL = {
    "id": "k-1",
    "session_id": SID,
    "name": "mysess",
    "image": "python:3.9",
    "status": "RUNNING",
    "occupied_slots": '{"cpu": "1"}',
    "containers": [
        {
            "id": "k-1",
            "cluster_role": "main",
            "cluster_idx": 1,
            "agent": "i-1",
            "status": "RUNNING",
        },
        {"id": "k-2", "cluster_role": "sub", "cluster_idx": 1, "agent": "i-2", "status": "RUNNING"},
    ],
    "dependencies": [],
}


def test_info_shows_the_containers(mock: respx.MockRouter) -> None:
    lookup = mock.post("/admin/gql", content__contains="ComputeSessionList").respond(
        json=_gql_page([{"session_id": SID, "name": "mysess"}], 1)
    )
    detail = mock.post("/admin/gql", content__contains="ComputeSessionDetail").respond(
        json={"data": {"compute_session": DETAIL}}
    )
    result = invoke("info", "mysess")
    assert result.exit_code == 0, result.output
    assert json.loads(lookup.calls.last.request.content)["variables"]["filter"] == (
        'name == "mysess"'
    )
    assert json.loads(detail.calls.last.request.content)["variables"] == {"id": SID}
    out = result.stdout
    assert "Session ID" in out and SID in out and "Containers:" in out
    assert "+ k-1" in out and "+ k-2" in out and "- Agent: i-2" in out and "- Role: sub" in out
    result = invoke("--output", "json", "session", "info", SID)  # a UUID needs no lookup
    assert result.exit_code == 0, result.output
    assert lookup.call_count == 1
    (item,) = json.loads(result.stdout)["items"]
    assert [c["agent"] for c in item["containers"]] == ["i-1", "i-2"]
    assert item["occupied_slots"] == {"cpu": "1"}
    lookup.respond(json=_gql_page([], 0))
    result = invoke("info", "nosuch")
    assert result.exit_code == 1 and "There is no such compute session: nosuch" in result.stderr


def test_logs(mock: respx.MockRouter) -> None:
    mock.get("/session/mysess/logs").respond(json={"result": {"logs": "line1\n"}})
    result = invoke("logs", "mysess")
    assert result.exit_code == 0, result.output
    assert result.stdout == "line1\n"
