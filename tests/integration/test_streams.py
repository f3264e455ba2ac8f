"""WebSocket and SSE streams against a real manager (the local 24.09.6 stack).

Run: ``eval "$(python -m stack env)"; pytest -m integration tests/integration/test_streams.py``.
Sessions are created with the plain signed transport (``session.core``), so these tests exercise
``ai_backend_client.streams`` alone; every session is destroyed in a ``finally``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import AsyncIterable
from typing import Any

import pytest

from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import AuthenticationError, BackendAPIError, NotFoundError
from ai_backend_client.session import AsyncSession, Session
from ai_backend_client.streams import (
    ExecutionResult,
    SessionEvent,
    connect_websocket,
    listen_bgtask_events,
    listen_session_events,
    listen_session_events_sync,
    serve_app_proxy,
    stream_execute,
    stream_pty,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("BACKEND_ENDPOINT"),
        reason='BACKEND_ENDPOINT is not set (eval "$(python -m stack env)" to target the local stack)',
    ),
]

IMAGE = "python"


def _name() -> str:
    return f"it-st-{secrets.token_hex(4)}"


def _create_body(name: str, *, enqueue_only: bool = False) -> dict[str, Any]:
    return {
        "image": IMAGE,
        "name": name,
        "type": "interactive",
        "enqueueOnly": enqueue_only,
        "maxWaitSeconds": 0 if enqueue_only else 120,
        "config": {},
    }


async def _destroy(session: AsyncSession, name: str) -> None:
    try:
        await session.core.request("DELETE", f"/session/{name}", cast_to=dict[str, Any])
    except NotFoundError:
        pass  # already gone
    except BackendAPIError:
        await session.core.request(
            "DELETE", f"/session/{name}", params={"forced": "true"}, cast_to=dict[str, Any]
        )


async def test_stream_execute_with_input_then_lifecycle_events_while_destroying() -> None:
    async with AsyncSession() as session:
        name = _name()
        created = await session.core.request(
            "POST", "/session", json=_create_body(name), cast_to=dict[str, Any]
        )
        session_id = created["sessionId"]
        try:
            frames: list[ExecutionResult] = []
            code = "print('hello from', 'streams')\nn = input('n? ')\nprint('got', n)"
            async with stream_execute(session, name, code) as stream:
                async for frame in stream:
                    frames.append(frame)
                    if frame.is_waiting_input:
                        await stream.send_input("7")
            stdout = "".join(f.stdout for f in frames)
            assert "hello from streams\n" in stdout
            assert stdout.endswith("got 7\n")
            assert frames[-1].status == "finished"
            assert any(f.status == "waiting-input" for f in frames)

            seen: list[SessionEvent] = []
            async with listen_session_events(session, session_name=name) as events:
                await session.core.request("DELETE", f"/session/{name}", cast_to=dict[str, Any])

                async def until_terminated() -> None:
                    async for event in events:
                        seen.append(event)
                        if event.event == "session_terminated":
                            return

                await asyncio.wait_for(until_terminated(), 60)
            assert seen[-1].event == "session_terminated"
            assert seen[-1].session_id == session_id and seen[-1].session_name == name
            # why it ends: 26.09 says so when terminating (the scheduler then terminates it)
            reasons = {e.event: e.reason for e in seen}
            assert "user-requested" in (reasons.get("session_terminating"), seen[-1].reason)
        finally:
            await _destroy(session, name)


async def test_execution_outlives_unanswered_keepalive_pings() -> None:
    """The manager reads nothing (so answers no ping) while the code runs; the socket stays open.

    With a pong deadline of one interval, this run of 3 s against 0.5 s pings closed with
    1011 (keepalive ping timeout), as every `backend.ai run` longer than 60 s did."""
    async with AsyncSession() as session:
        name = _name()
        await session.core.request(
            "POST", "/session", json=_create_body(name), cast_to=dict[str, Any]
        )
        try:
            path = f"/stream/session/{name}/execute"
            async with connect_websocket(session, path, ping_interval=0.5) as ws:
                code = "import time\ntime.sleep(3)\nprint('slept')"
                await ws.send_json({"mode": "query", "code": code, "options": {}})
                frames = [ExecutionResult.model_validate(m.json()) async for m in ws]
                statuses = [f.status for f in frames]
            assert statuses[-1] == "finished", statuses
            assert "".join(f.stdout for f in frames) == "slept\n"
        finally:
            await _destroy(session, name)


def test_sync_session_events_report_the_start() -> None:
    with Session() as session:
        name = _name()
        session.core.request(
            "POST", "/session", json=_create_body(name, enqueue_only=True), cast_to=dict[str, Any]
        )
        try:
            with listen_session_events_sync(session, session_name=name, scope="session") as events:
                names = []
                for event in events:
                    names.append(event.event)
                    assert event.session_name == name
                    if event.event in ("session_started", "session_cancelled"):
                        break
            assert names[-1] == "session_started"
        finally:
            asyncio.run(_destroy_sync_session(name))


async def _destroy_sync_session(name: str) -> None:
    async with AsyncSession() as session:
        await _destroy(session, name)


async def test_stream_to_an_unknown_session_is_not_found() -> None:
    async with AsyncSession() as session:
        with pytest.raises(NotFoundError):
            async with connect_websocket(session, f"/stream/session/{_name()}/execute"):
                pass


async def test_unknown_background_task(server_line: str) -> None:
    async with AsyncSession() as session:
        if server_line == "26.09":
            # 26.09 cannot tell an unknown task from a silent one: the stream stays open
            with pytest.raises(TimeoutError):
                async with listen_bgtask_events(session, str(uuid.uuid4())) as events:
                    await asyncio.wait_for(_drain(events), 5)
            return
        # 22.03 answers 404; 24.09 an event stream that ends at once: both are NotFoundError.
        with pytest.raises(NotFoundError):
            async with listen_bgtask_events(session, str(uuid.uuid4())) as events:
                await asyncio.wait_for(_drain(events), 30)


async def _drain(events: AsyncIterable[object]) -> None:
    async for _ in events:
        pass


async def test_wrong_secret_is_refused_for_websockets_and_sse() -> None:
    config = APIConfig(secret_key="not-the-secret-key-at-all")
    async with AsyncSession(config=config) as session:
        with pytest.raises(AuthenticationError):
            async with connect_websocket(session, f"/stream/session/{_name()}/execute"):
                pass
        with pytest.raises(AuthenticationError):
            async with listen_session_events(session, session_name=_name()):
                pass


# A name that must be percent-encoded: unencoded, "/" and "?" would reach another route (the
# router's "url-not-found"), "#" would cut the URL and "%" would be read as an escape.
AWKWARD_NAME = "it st/a?b#c%d"


def _assert_session_not_found(error: NotFoundError, server_line: str) -> None:
    """The stream handler itself answered: its "no such session", not the router's 404."""
    assert error.slug != "url-not-found", error.data
    if server_line == "26.09":  # 26.09 does not repeat the name
        assert (
            error.slug == "entity-not-found"
            and error.data.get("error_code") == "session_read_not-found"
        )
    else:
        assert error.slug == "object-not-found" and error.title == "No such session."
        assert error.message == f"Session (id={AWKWARD_NAME}) does not exist."


async def test_stream_paths_encode_the_session_name(server_line: str) -> None:
    async with AsyncSession() as session:
        with pytest.raises(NotFoundError) as execute_error:
            async with stream_execute(session, AWKWARD_NAME, "print(1)"):
                pass
        _assert_session_not_found(execute_error.value, server_line)
        with pytest.raises(NotFoundError) as pty_error:
            async with stream_pty(session, AWKWARD_NAME):
                pass
        _assert_session_not_found(pty_error.value, server_line)

        errors: list[BaseException] = []
        async with serve_app_proxy(
            session, AWKWARD_NAME, "jupyter", port=0, on_error=errors.append
        ) as proxy:
            _, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            try:
                for _ in range(100):
                    if errors:
                        break
                    await asyncio.sleep(0.1)
            finally:
                writer.close()
        assert len(errors) == 1 and isinstance(errors[0], NotFoundError), errors
        _assert_session_not_found(errors[0], server_line)
