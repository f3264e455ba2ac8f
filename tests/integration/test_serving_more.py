"""More model serving on the real stacks: deployment revisions, policies and route traffic
(26.09), clearing an auto-scaling rule's replica limits (26.09), a model version uploaded and
downloaded back byte for byte (both lines), and a bounded wait on a background task.

What each line does here (found on these stacks, see the tests):

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
