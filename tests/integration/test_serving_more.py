"""More model serving on the real stacks: deployment revisions, policies and route traffic
(26.09), clearing an auto-scaling rule's replica limits (26.09), a model version uploaded and
downloaded back byte for byte (both lines), and a bounded wait on a background task.

What each line does here (found on these stacks, see the tests):

* 26.09: an auto-scaling rule's replica limit is removed by sending it as GraphQL ``null``
  (the manager's ``TriState.from_graphql``: null clears, a left-out field is kept); 24.09 has
  no auto-scaling rules.
* 26.09: a revision added to a deployment (through the classic ``/deployments`` API, as the
  official client does) is listed and activated (it becomes the deploying revision; current
  once replicas run) and "deactivated" (the 26.9.6 manager answers success and changes
  nothing: its handler is a stub); the policy upsert creates or replaces the
  policy. The deployment has no replicas (so that the test does not wait for the scheduler), so
  ``route traffic`` is checked against the server's 404 for a route that does not exist.
  24.09 has no ``/deployments``: every command is refused locally.
* 26.09: ``GET /events/background-task`` for an unknown task id is an event stream that is
  kept alive and never ends, so only the client's timeout ends the wait. 24.09 ends it at once
  without any event (``NotFoundError``).

* Both lines: ``model upload MODEL FILES... MODEL_VER`` puts the files under
  ``versions/MODEL_VER/`` of the model folder by sending ``dst_dir`` to the storage proxy (as the
  official client does); ``model download`` reads them back from there byte for byte.

Marker ``integration``; every folder, service and deployment created is removed in a ``finally``.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from ai_backend_client import Session
from ai_backend_client.exceptions import (
    BackgroundTaskTimeoutError,
    InvalidArgumentError,
    NotFoundError,
)
from ai_backend_client.types import NO_LIMIT
from tests.integration.test_cli import bai
from tests.integration.test_serving import _create, _delete, model_folder  # noqa: F401


@pytest.fixture
def session(endpoint: str) -> Iterator[Session]:
    with Session() as s:
        yield s


@pytest.mark.server_line("26.09", reason="24.09 ends the stream of an unknown task at once")
def test_26_09_waiting_on_an_unknown_background_task_ends_at_the_timeout(
    session: Session,
) -> None:
    task_id = str(uuid.uuid4())
    started = time.monotonic()
    with pytest.raises(BackgroundTaskTimeoutError) as caught:
        session.BackgroundTask(task_id).wait(timeout=3)
    elapsed = time.monotonic() - started
    assert 3 <= elapsed < 3 + 15 + 5  # at most one keep-alive ping (15 s) late, plus slack
    assert caught.value.task_id == task_id


@pytest.mark.server_line("24.09", reason="26.09 keeps the stream of an unknown task open")
def test_24_09_an_unknown_background_task_is_not_found_well_within_the_timeout(
    session: Session,
) -> None:
    started = time.monotonic()
    with pytest.raises(NotFoundError, match="No such background task"):
        session.BackgroundTask(str(uuid.uuid4())).wait(timeout=30)
    assert time.monotonic() - started < 10


@pytest.mark.server_line("26.09", reason="auto-scaling rules are new in 25.1 (24.09 lacks them)")
def test_26_09_minus_one_removes_an_auto_scaling_rule_limit(
    session: Session,
    model_folder: tuple[str, int],  # noqa: F811
) -> None:
    model, _ = model_folder
    _, service_id = _create(session, model)
    try:
        rule = session.Service(service_id).create_auto_scaling_rule(
            metric_source="KERNEL",
            metric_name="cpu_util",
            threshold="50",
            comparator="GREATER_THAN",
            step_size=1,
            cooldown_seconds=60,
            min_replicas=1,
            max_replicas=3,
        )
        assert (rule.min_replicas, rule.max_replicas) == (1, 3)
        rule_id = str(rule.id)
        updated = bai("service", "auto-scaling-rule", "update", rule_id, "--max-replicas", "-1")
        assert updated.returncode == 0, updated.stderr
        rule = session.Service.get_auto_scaling_rule(rule_id)
        assert (rule.min_replicas, rule.max_replicas) == (1, None)  # only the given one cleared
        rule = session.Service.update_auto_scaling_rule(rule_id, min_replicas=NO_LIMIT)
        assert (rule.min_replicas, rule.max_replicas, rule.threshold) == (None, None, "50")
        session.Service.delete_auto_scaling_rule(rule_id)
    finally:
        _delete(session, service_id)


#: A revision file as the official client's help shows it (ids filled in by each test).
REVISION_FILE = {
    "cluster_config": {"mode": "single-node", "size": 1},
    "resource_config": {"resource_slots": {"cpu": "1", "mem": "512m"}},
    "image": {"id": str(uuid.UUID(int=1))},
    "model_runtime_config": {"runtime_variant": "custom"},
    "model_mount_config": {
        "vfolder_id": str(uuid.UUID(int=2)),
        "definition_path": "model-definition.yaml",
    },
}


@pytest.fixture
def deployment(session: Session) -> Iterator[tuple[str, str]]:
    """A model folder and a deployment without replicas: (deployment id, folder id)."""
    (project,) = [g for g in session.Group.list(domain_name="default") if g.name == "default"]
    name = f"aibc-dep-{uuid.uuid4().hex[:6]}"
    session.Model.create(name)
    try:
        folder = session.VFolder(name).info()
        created = session.Deployment.create(
            {
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
        )
        deployment_id = str(created.deployment.id)
        try:
            yield deployment_id, str(folder.id)
        finally:
            session.Deployment(deployment_id).destroy()
    finally:
        session.Model(name).delete()


def _json(*args: str) -> dict[str, object]:
    done = bai("--output", "json", *args)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.server_line("26.09", reason="/deployments and /v2/deployments are new in 26.09")
def test_26_09_deployment_revisions_policy_and_route_traffic_through_the_cli(
    session: Session, deployment: tuple[str, str], tmp_path: Path
) -> None:
    deployment_id, folder_id = deployment
    (image,) = [i for i in session.Image.list(fields=["id", "name"]) if i.name.endswith("python")]
    revision = {
        **REVISION_FILE,
        "image": {"id": str(image.id)},
        "model_mount_config": {"vfolder_id": folder_id, "definition_path": "model-definition.yaml"},
    }
    (tmp_path / "revision.json").write_text(json.dumps({"revision": revision}))
    added = _json(
        "deployment", "revision", "add", deployment_id, "-f", str(tmp_path / "revision.json")
    )
    item = dict(added["item"])  # type: ignore[call-overload]
    revision_id = str(item["id"])
    assert (item["image_id"], item["resource_config"]["resource_slot"]["mem"]) == (
        str(image.id),
        "536870912",
    )
    listed = _json("deployment", "revision", "list", deployment_id)
    assert [r["id"] for r in listed["items"]] == [revision_id]  # type: ignore[attr-defined]

    activated = _json("deployment", "revision", "activate", deployment_id, revision_id)
    assert (activated["id"], activated["previous_revision_id"]) == (revision_id, None)
    node = session.Deployment(deployment_id).info()
    # the rollout starts: it becomes current once its replicas run (this one has none)
    assert (str(node.deploying_revision_id), node.current_revision_id) == (revision_id, None)
    deactivated = _json("deployment", "revision", "deactivate", deployment_id, revision_id)
    assert deactivated["ok"] is True  # a stub on 26.9.6: the rollout is not touched
    assert str(session.Deployment(deployment_id).info().deploying_revision_id) == revision_id

    policy = ["deployment", "policy", "update", deployment_id]
    _json(*policy, "--strategy", "BLUE_GREEN", "--auto-promote", "--promote-delay", "5")
    spec = session.Deployment(deployment_id).policy().policy.strategy_spec
    assert (spec.strategy.value, spec.auto_promote, spec.promote_delay_seconds) == (  # type: ignore[union-attr]
        "BLUE_GREEN",
        True,
        5,
    )
    _json(*policy, "--strategy", "ROLLING", "--max-surge", "2", "--max-unavailable", "1")
    spec = session.Deployment(deployment_id).policy().policy.strategy_spec
    budgets = (spec.max_surge.count, spec.max_unavailable.count)  # type: ignore[union-attr]
    assert (spec.strategy.value, *(b.root for b in budgets if b is not None)) == ("ROLLING", 2, 1)

    assert _json("deployment", "route", "list", deployment_id)["items"] == []
    unknown = bai(
        "deployment", "route", "traffic", deployment_id, str(uuid.uuid4()), "--deactivate"
    )
    assert unknown.returncode == 1 and "404" in unknown.stderr and "Traceback" not in unknown.stderr


@pytest.mark.server_line("26.09", reason="/v2/deployments is new in 26.09")
def test_26_09_a_deployment_created_with_its_first_revision_lists_it(session: Session) -> None:
    """``Deployment.create`` with ``initial_revision`` (the official client's JSON): checked
    locally, sent to the classic ``POST /deployments`` as the official client sends it (the
    ``/v2`` operation wants another revision shape and refused it), read back as ``/v2``
    describes it."""
    (project,) = [g for g in session.Group.list(domain_name="default") if g.name == "default"]
    (image,) = [i for i in session.Image.list(fields=["id", "name"]) if i.name.endswith("python")]
    name = f"aibc-dep-{uuid.uuid4().hex[:6]}"
    session.Model.create(name)
    try:
        folder_id = str(session.VFolder(name).info().id)
        revision = {
            **REVISION_FILE,
            "image": {"id": str(image.id)},
            "model_mount_config": {
                "vfolder_id": folder_id,
                "definition_path": "model-definition.yaml",
            },
        }
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
            "initial_revision": revision,
        }
        with pytest.raises(InvalidArgumentError, match="initial_revision"):
            session.Deployment.create({**config, "initial_revision": {"image": {}}})
        created = session.Deployment.create(config)
        deployment_id = str(created.deployment.id)
        try:
            (first,) = session.Deployment(deployment_id).revisions().items
            assert (str(first.deployment_id), str(first.image_id)) == (deployment_id, str(image.id))
            # the classic create activates the revision it was given: the rollout starts
            assert created.deployment.metadata.name == name
            assert str(created.deployment.deploying_revision_id) == str(first.id)
            assert first.revision_number == 1
            slots = {
                e.resource_type: e.quantity for e in first.resource_config.resource_slots.entries
            }
            assert (Decimal(slots["cpu"]), Decimal(slots["mem"])) == (
                Decimal(1),
                Decimal(512 * 2**20),
            )
        finally:
            session.Deployment(deployment_id).destroy()
    finally:
        session.Model(name).delete()


@pytest.mark.server_line("24.09", reason="26.09 has /deployments and /v2/deployments")
@pytest.mark.parametrize(
    "args",
    [
        ["revision", "add", str(uuid.uuid4())],
        ["revision", "activate", str(uuid.uuid4()), str(uuid.uuid4())],
        ["revision", "deactivate", str(uuid.uuid4()), str(uuid.uuid4())],
        ["route", "traffic", str(uuid.uuid4()), str(uuid.uuid4()), "--activate"],
        ["policy", "update", str(uuid.uuid4()), "--strategy", "ROLLING"],
    ],
)
def test_24_09_refuses_the_deployment_commands_locally(args: list[str], tmp_path: Path) -> None:
    if args[0] == "revision" and args[1] == "add":
        (tmp_path / "r.json").write_text(json.dumps({"revision": REVISION_FILE}))
        args = [*args, "-f", str(tmp_path / "r.json")]
    result = bai("deployment", *args)
    assert result.returncode == 1
    assert "is not available with API v8.20240915 (it needs v9.20250722 and newer)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def model(session: Session) -> Iterator[str]:
    name = f"aibc-model-{uuid.uuid4().hex[:6]}"
    session.Model.create(name)
    try:
        yield name
    finally:
        session.Model(name).delete()


def test_a_model_version_is_uploaded_and_downloaded_back_byte_for_byte(
    session: Session, model: str, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    (src / "tokenizer").mkdir(parents=True)
    weights = os.urandom(3 * 2**20 + 17)  # more than one 1 MiB chunk, not a multiple of it
    (src / "weights.bin").write_bytes(weights)
    (src / "tokenizer" / "vocab.txt").write_text("a\nb\n")
    up = bai(
        "--output", "json", "model", "upload", model, "weights.bin", "tokenizer", "1",
        "-b", str(src), "--chunk-size", "1m",
    )  # fmt: skip
    assert up.returncode == 0, up.stderr
    assert sorted(json.loads(up.stdout)["files"]) == [
        "versions/1/tokenizer/vocab.txt",
        "versions/1/weights.bin",
    ]
    assert session.Model(model).info().versions == ["1"]
    listed = {f.name: f.size for f in session.VFolder(model).list_files("versions/1").items}
    assert sorted(listed) == ["tokenizer", "weights.bin"] and listed["weights.bin"] == len(weights)
    assert [f.name for f in session.VFolder(model).list_files(".").items] == ["versions"]
    # a second version through the SDK, next to the first
    session.Model(model).upload(["weights.bin"], "2", basedir=src)
    assert session.Model(model).info().versions == ["2", "1"]

    dst = tmp_path / "dst"
    dst.mkdir()
    down = bai(
        "--output", "json", "model", "download", model, "weights.bin", "tokenizer/vocab.txt", "1",
        "-b", str(dst), "--chunk-size", "1m", "--max-retries", "3",
    )  # fmt: skip
    assert down.returncode == 0, down.stderr
    assert (dst / "weights.bin").read_bytes() == weights
    assert (dst / "tokenizer" / "vocab.txt").read_text() == "a\nb\n"
    assert sorted(p.name for p in dst.rglob("*")) == ["tokenizer", "vocab.txt", "weights.bin"]
    again = session.Model(model).download(["weights.bin"], "2", basedir=tmp_path / "v2")
    assert again == [tmp_path / "v2" / "weights.bin"] and again[0].read_bytes() == weights

    missing = bai("model", "download", model, "weights.bin", "3", "-b", str(tmp_path / "v3"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert not (tmp_path / "v3" / "weights.bin").exists()
    bad = bai("model", "upload", model, "weights.bin", "../x", "-b", str(src))
    assert bad.returncode != 0 and "not a model version name" in bad.stderr
