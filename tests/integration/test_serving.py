"""Model serving on the real stacks: a model folder is served, listed, scaled and deleted.

What each line does here (found on these stacks, see the tests):

* 24.09: the manager starts an inference session as soon as the service exists. Its route turns
  HEALTHY when the session's kernel runner reports the model's health check passing (the stack's
  agent shim starts the model service in the runner: agent feature ``model-service``); the
  manager's call to the app proxy that follows fails (none exists for 24.09) and is only logged.
* 26.09: the deployment controller first registers the endpoint with the app proxy (the stack
  runs coordinator and worker 26.9.6), then creates a route; the manager probes the model's
  health check itself and pushes the running route to the app proxy, whose worker forwards
  requests on the endpoint's URL to the model server (the agent shim publishes the model's port:
  agent feature ``published-model-ports``). An inference request goes through that URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ai_backend_client import Session
from ai_backend_client.exceptions import BackendAPIError, BackendAPIVersionError, NotFoundError
from ai_backend_client.func._async.service import TERMINAL_ROUTE_STATES, lifecycle
from ai_backend_client.func._sync.service import Service

IMAGE = "python"
RESOURCES = {"cpu": 1, "mem": "512m"}  # 24.09 wants 320m at least (the image's 256m + shmem)

_T = TypeVar("_T")

SERVER = """\
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.reply({"status": "ok"} if self.path == "/health" else {"error": self.path}, 200 if self.path == "/health" else 404)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.reply({"echo": body["prompt"], "model": "tiny"}, 200)

    def reply(self, data, status):
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""

DEFINITION = """\
models:
  - name: tiny
    model_path: {mount}
    service:
      start_command: ["python3", "{mount}/serve.py", "{port}"]
      port: {port}
      health_check:
        path: /health
        max_retries: 10
        max_wait_time: 2
        expected_status_code: 200
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, probe: Callable[[], _T | None], timeout: float) -> _T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(2)


@pytest.fixture
def session(endpoint: str) -> Iterator[Session]:
    with Session() as s:
        yield s


@pytest.fixture
def model_folder(session: Session, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A model folder holding a model definition and a one-file HTTP model server."""
    name = f"aibc-model-{uuid.uuid4().hex[:6]}"
    port = _free_port()
    mount = f"/home/work/{name}"
    (tmp_path / "serve.py").write_text(SERVER)
    (tmp_path / "model-definition.yaml").write_text(DEFINITION.format(mount=mount, port=port))
    session.Model.create(name)
    try:
        session.VFolder(name).upload(["serve.py", "model-definition.yaml"], basedir=tmp_path)
        assert name in [f.name for f in session.Model.list()]
        info = session.Model(name).info()
        assert info.folder.usage_mode == "model"
        assert info.versions == []  # the versions directory exists and is empty
        yield name, port
    finally:
        session.Model(name).delete()
    assert name not in [f.name for f in session.Model.list()]


def _create(session: Session, model: str) -> tuple[str, str]:
    name = f"aibc-svc-{uuid.uuid4().hex[:6]}"
    created = session.Service.create(
        IMAGE,
        model,
        1,
        name=name,
        scaling_group="default",
        resources=RESOURCES,
        model_mount_destination=f"/home/work/{model}",
    )
    assert created.name == name
    assert created.model_definition_path == "model-definition.yaml"
    assert created.active_routes == []
    return name, str(created.endpoint_id)


def _delete(session: Session, service_id: str, *, timeout: float = 180) -> None:
    """Delete the service and wait until it is destroyed and its routes have ended (26.09 drains
    a running route for its termination grace period, 30 s, and its session mounts the model
    folder until then)."""
    svc = session.Service(service_id)
    try:
        assert svc.delete().success
    except BackendAPIError as e:
        if e.status != 404:
            raise

    def destroyed() -> bool | None:
        detail = svc.detail()
        if lifecycle(detail.lifecycle_stage) == "DESTROYED" and _routes_ended(session, svc):
            return True
        for route in detail.routings or ():
            # a route the manager cannot scale down (still provisioning: nobody reported its
            # health) keeps the service in DESTROYING; its session is what holds it
            if route is not None and route.status == "PROVISIONING" and route.session:
                with contextlib.suppress(NotFoundError):  # not created yet, or already gone
                    session.ComputeSession.from_session_id(str(route.session)).destroy(forced=True)
        return None

    _wait("the service to be destroyed", destroyed, timeout)


def _routes_ended(session: Session, svc: Service) -> bool:
    """Every route of the service has ended, and so has its session (which mounts the model
    folder a while after its route is TERMINATED)."""
    return all(
        r.status in ("TERMINATED", "FAILED_TO_START") and not _session_lives(session, r.session)
        for r in svc.routes()
    )


def _is(value: object, name: str) -> bool:
    """An enum answer (26.9.6's route states) compared by name, whatever its case."""
    return str(getattr(value, "value", value)).upper() == name


def _session_lives(session: Session, session_id: object) -> bool:
    """Whether a route's session still exists (it outlives its TERMINATED route for a while)."""
    if session_id is None:
        return False
    try:
        info = session.ComputeSession.from_session_id(str(session_id)).get_info()
    except NotFoundError:
        return False
    return info.status not in ("TERMINATED", "CANCELLED")


def _agent_runs_model_services() -> bool:
    return "model-service" in os.environ.get("AIBC_AGENT_FEATURES", "").split(",")


@pytest.mark.server_line("24.09", reason="26.09 deploys no route without an app proxy")
def test_24_09_a_model_folder_is_served_scaled_and_deleted(
    session: Session, model_folder: tuple[str, int]
) -> None:
    model, port = model_folder
    name, service_id = _create(session, model)
    try:
        assert service_id in [str(s.id) for s in session.Service.list()]
        svc = session.Service(name)  # by name, as the CLI takes it
        if _agent_runs_model_services():
            _serve_healthy_then_scale_to_zero(session, svc, port)
        else:
            _provisioning_without_health_reports(session, svc)
    finally:
        _delete(session, service_id)
    assert service_id not in [str(s.id) for s in session.Service.list()]


def _serve_healthy_then_scale_to_zero(session: Session, svc: Service, port: int) -> None:
    def settled() -> list[str] | None:
        states = [r.status or "" for r in svc.routes()]
        return states if states and all(s in TERMINAL_ROUTE_STATES for s in states) else None

    assert _wait("the route to settle", settled, 150) == ["HEALTHY"]
    info = svc.info()
    assert [str(r.session_id) for r in info.active_routes] == [str(r.session) for r in svc.routes()]
    assert svc.get_endpoint() is None  # the app proxy would assign it
    # The model server the session started answers on the host's loopback (the stack runs
    # kernels as host processes); this is the request the app proxy would forward.
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/generate",
        data=b'{"prompt": "hello"}',
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.read() == b'{"echo": "hello", "model": "tiny"}'
    scaled = svc.scale(0)
    assert (scaled.current_route_count, scaled.target_count) == (1, 0)
    _wait("the route to be removed", lambda: True if not svc.routes() else None, 90)
    assert svc.info().desired_session_count == 0


def _provisioning_without_health_reports(session: Session, svc: Service) -> None:
    """An agent whose kernels do not run the model service (the dummy backend, or the stack's
    agent started before its shim did): the route's session runs, the route stays PROVISIONING
    (nobody reports its health) and counts as active, so scaling up adds one route."""

    def running() -> str | None:
        routes = svc.routes()
        if len(routes) != 1 or routes[0].session is None:
            return None
        info = session.ComputeSession.from_session_id(str(routes[0].session)).get_info()
        return "RUNNING" if info.status == "RUNNING" else None

    _wait("the route's inference session to run", running, 150)
    assert [r.status for r in svc.routes()] == ["PROVISIONING"]
    assert svc.info().active_routes == []  # REST lists only healthy routes
    scaled = svc.scale(2)
    assert (scaled.current_route_count, scaled.target_count) == (1, 2)
    _wait("a second route", lambda: True if len(svc.routes()) == 2 else None, 90)


def _agent_publishes_model_ports() -> bool:
    return "published-model-ports" in os.environ.get("AIBC_AGENT_FEATURES", "").split(",")


def _post(url: str, payload: bytes, token: str | None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"BackendAI {token}"
    request = urllib.request.Request(url, data=payload, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read(4096)
    except urllib.error.HTTPError as e:
        return e.code, e.read(4096)


@pytest.mark.server_line("26.09", reason="no app proxy exists for 24.09 (see the 24.09 test)")
def test_26_09_an_inference_request_goes_through_the_service_endpoint(
    session: Session, model_folder: tuple[str, int]
) -> None:
    if not _agent_publishes_model_ports():
        pytest.skip(
            "the stack's agent does not publish model ports (agent feature "
            "published-model-ports): restart the 26.09 stack (`python -m stack down/up`)"
        )
    model, port = model_folder
    name, service_id = _create(session, model)
    try:
        svc = session.Service(name)
        # 26.9.6's REST list shows only services that finished deploying; GraphQL lists all
        assert service_id not in [str(s.id) for s in session.Service.list()]
        listed = session.Service.paginated_list(filter=f'name == "{name}"')
        assert [str(s.endpoint_id) for s in listed.items] == [service_id]
        # on 26.09 a service is a deployment: its first revision serves the model folder
        deployment = session.Deployment(service_id)
        (revision,) = deployment.revisions().items
        assert deployment.revision(str(revision.id)).revision_number == 1
        assert revision.model_mount_config is not None
        assert revision.model_mount_config.definition_path == "model-definition.yaml"
        assert deployment.policy().policy.strategy_spec.strategy.value == "ROLLING"

        # the app proxy registered the endpoint: its URL is a port of the stack's worker
        url = _wait("the endpoint URL", svc.get_endpoint, 150)
        assert url.startswith("http://127.0.0.1:60"), url

        def healthy() -> list[Any] | None:
            # the manager probes the model's health check itself, then marks the route healthy
            routes = deployment.routes().items
            return (
                routes if routes and all(_is(r.health_status, "HEALTHY") for r in routes) else None
            )

        (node,) = _wait("the route to turn healthy", healthy, 300)
        assert _is(node.status, "RUNNING") and _is(node.traffic_status, "ACTIVE")
        (route,) = svc.routes()
        assert (route.status, str(route.session)) == ("RUNNING", node.session_id)
        assert [str(r.session_id) for r in svc.info().active_routes] == [node.session_id]

        # the service is not public: without the service's token the worker refuses
        target = url.rstrip("/") + "/v1/generate"
        status, body = _post(target, b'{"prompt": "hello"}', None)
        assert status == 401, body
        token = svc.generate_api_token("1h").token

        def answered() -> tuple[int, bytes] | None:
            # the route reaches the worker on the manager's next app-proxy sync (5 s ticks)
            answer = _post(target, b'{"prompt": "hello"}', token)
            return answer if answer[0] == 200 else None

        status, body = _wait("an answer through the endpoint", answered, 90)
        # the model server's answer, from the worker's port (the server listens on its own)
        assert body == b'{"echo": "hello", "model": "tiny"}'
        assert port != int(url.rstrip("/").rsplit(":", 1)[1])

        scaled = svc.scale(0)
        assert (scaled.current_route_count, scaled.target_count) == (1, 0)
        assert deployment.info().replica_state.desired_replica_count == 0
        _wait("the route to end", lambda: True if _routes_ended(session, svc) else None, 180)
    finally:
        _delete(session, service_id)
    assert lifecycle(session.Service(service_id).detail().lifecycle_stage) == "DESTROYED"
    # the endpoint is gone from the app proxy: its port no longer forwards to the model
    status, body = _post(target, b'{"prompt": "hello"}', None)
    assert status == 400 and b"Unregistered slot" in body, (status, body)


@pytest.mark.server_line("24.09", reason="26.09's stack runs an app proxy (see the 26.09 test)")
def test_24_09_no_request_goes_through_a_service_endpoint_without_an_app_proxy(
    session: Session,
) -> None:
    """The inference request through the service endpoint needs an app proxy: this stays a skip
    (with the reason) while nothing answers at the resource group's app proxy address, and fails
    once something does, so the request test gets written then."""
    (group,) = [g for g in session.ScalingGroup.list() if g.name == "default"]
    address = session.ScalingGroup.detail("default").wsproxy_addr or ""
    host, _, port = address.removeprefix("http://").rstrip("/").partition(":")
    with socket.socket() as probe:
        probe.settimeout(2)
        answered = probe.connect_ex((host, int(port or 80))) == 0
    assert not answered, f"an app proxy answers at {address}: send an inference request through it"
    pytest.skip(
        f"no app proxy: resource group {group.name!r} points at {address} (its wsproxy_addr) and "
        "nothing listens there, so no service gets an endpoint URL. PyPI has no app proxy for "
        "24.09: backend.ai-appproxy-coordinator/-worker start at 25.13.0 and need Python 3.13, "
        "and their manager API (/v2/endpoints) is not the one 24.9.6's manager calls"
    )


@pytest.mark.server_line("26.09", reason="/v2/deployments is new in 26.09")
def test_26_09_a_deployment_is_created_listed_updated_and_destroyed_through_the_cli(
    session: Session, tmp_path: Path
) -> None:
    from tests.integration.test_cli import bai

    (project,) = [g for g in session.Group.list(domain_name="default") if g.name == "default"]
    name = f"aibc-dep-{uuid.uuid4().hex[:6]}"
    config = {
        "metadata": {
            "project_id": str(project.id),
            "domain_name": "default",
            "resource_group_name": "default",
            "name": name,
        },
        "network_access": {"open_to_public": False},
        "default_deployment_strategy": {"type": "ROLLING"},
        "replica_count": 0,
    }
    (tmp_path / "deployment.json").write_text(json.dumps(config))
    created = bai(
        "--output", "json", "deployment", "create", "-f", str(tmp_path / "deployment.json")
    )
    assert created.returncode == 0, created.stderr
    deployment_id = json.loads(created.stdout)["id"]
    try:
        listed = json.loads(bai("--output", "json", "deployment", "list", "--limit", "100").stdout)
        assert name in [item["name"] for item in listed["items"]]
        updated = bai(
            "deployment", "update", deployment_id, "--name", f"{name}-2", "--replicas", "1"
        )
        assert updated.returncode == 0, updated.stderr
        node = session.Deployment(deployment_id).info()
        assert (node.metadata.name, node.replica_state.desired_replica_count) == (f"{name}-2", 1)
        routes = json.loads(
            bai("--output", "json", "deployment", "route", "list", deployment_id).stdout
        )
        assert routes["items"] == []  # no revision: nothing to run
    finally:
        destroyed = bai("deployment", "destroy", "--yes", deployment_id)
        assert destroyed.returncode == 0, destroyed.stderr
    assert session.Deployment(deployment_id).info().metadata.status.value in ("STOPPING", "STOPPED")


@pytest.mark.server_line("24.09", reason="26.09 has /v2/deployments")
def test_24_09_refuses_deployments_locally_naming_the_version_needed() -> None:
    from tests.integration.test_cli import bai

    result = bai("deployment", "list")
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "v2/deployments.my_search is not available with API v8.20240915 (it needs v9.20250722 "
        "and newer); the server is too old or too new for it"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.server_line("26.09", reason="auto-scaling rules are new in 25.1 (24.09 lacks them)")
def test_26_09_auto_scaling_rules_through_the_cli(
    session: Session, model_folder: tuple[str, int]
) -> None:
    from tests.integration.test_cli import bai

    model, _ = model_folder
    name, service_id = _create(session, model)
    try:
        created = bai(
            "--output", "json", "service", "auto-scaling-rule", "create", name,
            "--metric-source", "kernel", "--metric-name", "cpu_util", "--threshold", "50",
            "--comparator", "greater_than", "--step-size", "1", "--cooldown-seconds", "60",
            "--max-replicas", "3",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        rule_id = json.loads(created.stdout)["id"]
        listed = json.loads(
            bai("--output", "json", "service", "auto-scaling-rule", "list", name).stdout
        )
        assert [(r["id"], r["threshold"], r["max_replicas"]) for r in listed["items"]] == [
            (rule_id, "50", 3)
        ]
        updated = bai("service", "auto-scaling-rule", "update", rule_id, "--threshold", "70")
        assert updated.returncode == 0, updated.stderr
        rule = session.Service.get_auto_scaling_rule(rule_id)
        assert (rule.threshold, rule.comparator, str(rule.endpoint)) == (
            "70",
            "GREATER_THAN",
            service_id,
        )
        deleted = bai("service", "auto-scaling-rule", "delete", rule_id)
        assert deleted.returncode == 0, deleted.stderr
        assert session.Service(service_id).list_auto_scaling_rules().items == []
    finally:
        _delete(session, service_id)


@pytest.mark.server_line("24.09", reason="26.09 has auto-scaling rules")
def test_24_09_refuses_auto_scaling_rules_locally(session: Session) -> None:
    with pytest.raises(BackendAPIVersionError, match=r"AutoScalingRuleDetail.*v9\.20250722"):
        session.Service.get_auto_scaling_rule("any")
