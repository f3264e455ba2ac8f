"""Streams against real local servers on 127.0.0.1: a `websockets` server that checks the signed
handshake, and a small threaded HTTP server speaking SSE (dropping connections on purpose)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import http.server
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from ai_backend_client.auth import generate_signature
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import (
    AuthenticationError,
    BackendClientError,
    BackendConnectionError,
    BackgroundTaskTimeoutError,
    NotFoundError,
)
from ai_backend_client.session import AsyncSession, Session
from ai_backend_client.streams import (
    BgtaskEvent,
    ExecutionResult,
    ExecutionStreamError,
    SessionEvent,
    WebSocketClosedError,
    WSMsgType,
    connect_websocket,
    listen_bgtask_events,
    listen_bgtask_events_sync,
    listen_session_events,
    listen_sse,
    listen_sse_sync,
    serve_app_proxy,
    stream_execute,
    stream_pty,
)
from ai_backend_client.streams._sse import _retry_seconds

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TASK_ID = "6f1c34b2-8a4e-4d0b-9c55-0d8f3e2a7b19"


def verify_signature(method: str, path: str, headers: Any, *, content_type: str) -> str | None:
    """Re-do the manager's check; returns a problem description or None when valid."""
    auth = headers.get("Authorization")
    if not auth or not auth.startswith("BackendAI "):
        return "no Authorization header"
    params = dict(p.strip().split("=", 1) for p in auth[len("BackendAI ") :].split(","))
    access_key, signature = params["credential"].split(":", 1)
    if access_key != AK or params["signMethod"] != "HMAC-SHA256":
        return "bad credential"
    date = datetime.fromisoformat(headers["Date"])
    expected = generate_signature(
        method=method,
        version=headers["X-BackendAI-Version"],
        host=headers["Host"],
        date=date,
        rel_url=path,
        content_type=content_type,
        secret_key=SK,
    )
    if date.isoformat() != headers["Date"]:
        return "Date does not round-trip"
    return None if expected == signature else "Signature mismatch"


def api_config(*endpoints: str, **kwargs: Any) -> APIConfig:
    return APIConfig(
        endpoint=list(endpoints),
        access_key=AK,
        secret_key=SK,
        shuffle_endpoints=False,
        connection_timeout=2.0,
        **kwargs,
    )


@asynccontextmanager
async def async_session(config: APIConfig) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(config=config, proxy_mode=True, max_retries=0) as s:
        yield s


# ------------------------------------------------------------------------------------------------
# A WebSocket server that checks the handshake like the manager does
# ------------------------------------------------------------------------------------------------
@dataclass
class WSServer:
    port: int = 0
    requests: list[Request] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reject: tuple[int, dict[str, Any]] | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@asynccontextmanager
async def ws_server(
    handler: Callable[[ServerConnection], Any], *, session_mode: bool = False
) -> AsyncIterator[WSServer]:
    state = WSServer()

    def process_request(conn: ServerConnection, request: Request) -> Response | None:
        state.requests.append(request)
        if "Content-Type" in request.headers:
            state.problems.append("a Content-Type header was sent")
        if session_mode:
            if "Authorization" in request.headers:
                state.problems.append("Authorization sent in session mode")
        else:
            problem = verify_signature(
                "GET", request.path, request.headers, content_type="application/octet-stream"
            )
            if problem:
                state.problems.append(problem)
                return _problem(401, "auth-failed", problem)
        if state.reject is not None:
            status, body = state.reject
            return Response(
                status,
                "Rejected",
                Headers({"Content-Type": "application/problem+json"}),
                json.dumps(body).encode(),
            )
        return None

    async def wrapped(conn: ServerConnection) -> None:
        try:
            await handler(conn)
        finally:
            await conn.wait_closed()
            state.closed.set()

    async with serve(wrapped, "127.0.0.1", 0, process_request=process_request) as server:
        state.port = server.sockets[0].getsockname()[1]
        yield state


def _problem(status: int, slug: str, msg: str) -> Response:
    body = {"type": f"https://api.backend.ai/probs/{slug}", "title": slug, "msg": msg}
    return Response(
        status,
        "Error",
        Headers({"Content-Type": "application/problem+json"}),
        json.dumps(body).encode(),
    )


async def echo(conn: ServerConnection) -> None:
    async for message in conn:
        await conn.send(message)


# ------------------------------------------------------------------------------------------------
# WebSocket: handshake, messages, errors
# ------------------------------------------------------------------------------------------------
async def test_handshake_is_signed_like_a_get_without_content_type() -> None:
    async with ws_server(echo) as srv, async_session(api_config(srv.endpoint)) as session:
        params = {"app": "jupyter", "q": "a b/c&d=é"}
        async with connect_websocket(session, "/stream/session/s1/tcpproxy", params) as ws:
            await ws.send_text("hello")
            msg = await ws.receive()
            assert msg.type == WSMsgType.TEXT
            assert int(msg.type) == 1
            assert msg.data == "hello"
            await ws.send_bytes(b"\x00\x01")
            assert (await ws.receive()).type == WSMsgType.BINARY
            await ws.send_json({"a": [1, 2]})
            assert await ws.receive_json() == {"a": [1, 2]}
            assert not ws.closed
        assert ws.closed
        assert srv.problems == []
        (request,) = srv.requests
        assert request.path.startswith("/stream/session/s1/tcpproxy?app=jupyter&q=")
        headers = request.headers
        assert headers["X-BackendAI-Domain"] == "default"
        assert headers["X-BackendAI-Version"] == session.core.api_version
        assert headers["User-Agent"] == session.config.user_agent
        assert headers["Date"].endswith("+00:00")
        await asyncio.wait_for(srv.closed.wait(), 5)


async def test_aiohttp_compatible_message_types() -> None:
    # The values are aiohttp's, so `msg.type != aiohttp.WSMsgType.TEXT` keeps working.
    expected = {
        "TEXT": 1,
        "BINARY": 2,
        "PING": 9,
        "PONG": 10,
        "CLOSE": 8,
        "CLOSING": 256,
        "CLOSED": 257,
        "ERROR": 258,
    }
    assert {k: int(getattr(WSMsgType, k)) for k in expected} == expected


async def test_iteration_ends_on_normal_close_and_receive_reports_closed() -> None:
    async def talk_then_close(conn: ServerConnection) -> None:
        await conn.send("one")
        await conn.send(b"two")
        await conn.close(1000, "bye")

    async with (
        ws_server(talk_then_close) as srv,
        async_session(api_config(srv.endpoint)) as session,
        connect_websocket(session, "/stream/x") as ws,
    ):
        got = [(m.type, m.data) async for m in ws]
        assert got == [(WSMsgType.TEXT, "one"), (WSMsgType.BINARY, b"two")]
        closed = await ws.receive()
        assert closed.type == WSMsgType.CLOSED
        assert ws.close_code == 1000
        with pytest.raises(WebSocketClosedError):
            await ws.receive_text()


async def test_abnormal_close_raises_while_iterating() -> None:
    async def fail(conn: ServerConnection) -> None:
        await conn.send("partial")
        await conn.close(1011, "internal error")

    async with (
        ws_server(fail) as srv,
        async_session(api_config(srv.endpoint)) as session,
        connect_websocket(session, "/stream/x") as ws,
    ):
        with pytest.raises(WebSocketClosedError) as info:
            async for _ in ws:
                pass
        assert info.value.code == 1011


@asynccontextmanager
async def deaf_ws_server(frames: list[str], gap: float) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A WebSocket server that, like the manager's stream_execute while code runs, never reads.

    It answers the handshake, then sends *frames* *gap* seconds apart, closes normally, and
    only then reads what the client sent (pings included, unanswered)."""
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        key = next(
            line.split(":", 1)[1].strip()
            for line in head.split("\r\n")
            if line.lower().startswith("sec-websocket-key:")
        )
        accept = base64.b64encode(
            hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        ).decode()
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        for text in frames:
            await asyncio.sleep(gap)
            data = text.encode()
            writer.write(bytes([0x81, len(data)]) + data)  # unmasked text frame, < 126 bytes
            await writer.drain()
        writer.write(bytes([0x88, 2]) + (1000).to_bytes(2, "big"))
        await writer.drain()
        with contextlib.suppress(Exception):
            received.append(await asyncio.wait_for(reader.read(65536), 2))
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", received


async def test_unanswered_pings_do_not_close_a_long_execution() -> None:
    """The manager answers pings only while it reads; a run longer than the ping interval lives."""
    frames = [f"tick {i}" for i in range(8)]
    async with (
        deaf_ws_server(frames, gap=0.1) as (endpoint, received),
        async_session(api_config(endpoint)) as session,
    ):
        async with connect_websocket(session, "/stream/x", ping_interval=0.05) as ws:
            got = [message.data async for message in ws]
        assert got == frames  # 0.8 s of unanswered pings, 16 intervals
        assert received and received[0][0] & 0x0F == 0x9  # the client did ping (opcode 9)


@pytest.mark.parametrize(
    ("status", "slug", "exc_type"),
    [(401, "auth-failed", AuthenticationError), (404, "object-not-found", NotFoundError)],
)
async def test_rejected_handshake_maps_to_typed_errors(
    status: int, slug: str, exc_type: type[Exception]
) -> None:
    async with ws_server(echo) as srv, async_session(api_config(srv.endpoint)) as session:
        srv.reject = (
            status,
            {"type": f"https://api.backend.ai/probs/{slug}", "title": "No", "msg": "nope"},
        )
        with pytest.raises(exc_type) as info:
            async with connect_websocket(session, "/stream/session/s/pty"):
                pass
        err = info.value
        assert err.status == status  # type: ignore[attr-defined]
        assert err.slug == slug  # type: ignore[attr-defined]
        assert "GET ws://127.0.0.1" in str(err)


async def test_wrong_secret_is_an_authentication_error() -> None:
    async with ws_server(echo) as srv:
        config = APIConfig(endpoint=srv.endpoint, access_key=AK, secret_key="wrong-secret")
        async with async_session(config) as session:
            with pytest.raises(AuthenticationError, match="Signature mismatch"):
                async with connect_websocket(session, "/stream/x"):
                    pass
        assert srv.problems == ["Signature mismatch"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_endpoint_fails_over_then_raises_connection_error() -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    async with ws_server(echo) as srv, async_session(api_config(dead, srv.endpoint)) as session:
        async with connect_websocket(session, "/stream/x") as ws:
            await ws.send_text("ok")
            assert await ws.receive_text() == "ok"
        assert session.config.endpoint == srv.endpoint  # rotated to the live one
    async with async_session(api_config(dead)) as session:
        with pytest.raises(BackendConnectionError, match="could not open the WebSocket"):
            async with connect_websocket(session, "/stream/x"):
                pass


async def test_session_mode_sends_cookies_and_func_prefix() -> None:
    async with ws_server(echo, session_mode=True) as srv:
        config = APIConfig(endpoint=srv.endpoint, endpoint_type="session")
        async with AsyncSession(config=config, proxy_mode=True) as session:
            session.core.http.cookies.set("AIOHTTP_SESSION", "cookie-value", domain="127.0.0.1")
            async with connect_websocket(session, "/stream/session/s1/execute") as ws:
                await ws.send_text("x")
                await ws.receive_text()
        assert srv.problems == []
        (request,) = srv.requests
        assert request.path == "/func/stream/session/s1/execute"
        assert "AIOHTTP_SESSION=cookie-value" in request.headers["Cookie"]
        assert "Date" in request.headers


async def test_connection_is_closed_when_the_body_raises() -> None:
    async with ws_server(echo) as srv, async_session(api_config(srv.endpoint)) as session:
        with pytest.raises(RuntimeError):
            async with connect_websocket(session, "/stream/x") as ws:
                raise RuntimeError("boom")
        assert ws.closed
        await asyncio.wait_for(srv.closed.wait(), 5)


async def test_connection_is_closed_on_cancellation() -> None:
    async with ws_server(echo) as srv, async_session(api_config(srv.endpoint)) as session:
        entered = asyncio.Event()

        async def reader() -> None:
            async with connect_websocket(session, "/stream/x") as ws:
                entered.set()
                await ws.receive()

        task = asyncio.ensure_future(reader())
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(srv.closed.wait(), 5)


# ------------------------------------------------------------------------------------------------
# Streaming execute and PTY
# ------------------------------------------------------------------------------------------------
def _execute_server(log: list[Any]) -> Callable[[ServerConnection], Any]:
    async def handler(conn: ServerConnection) -> None:
        first = json.loads(await conn.recv())
        log.append(first)
        await conn.send(
            json.dumps(
                {
                    "status": "continued",
                    "console": [["stdout", "What is your name? "]],
                    "exitCode": None,
                    "options": None,
                    "files": None,
                }
            )
        )
        await conn.send(
            json.dumps(
                {"status": "waiting-input", "console": [], "options": {"is_password": False}}
            )
        )
        answer = await conn.recv(decode=True)
        assert isinstance(answer, str)
        log.append(answer)
        await conn.send(
            json.dumps(
                {
                    "status": "finished",
                    "console": [
                        ["stdout", f"hello {answer}\n"],
                        ["media", ["image/svg+xml", "<svg/>"]],
                    ],
                    "exitCode": 0,
                    "options": {},
                    "files": [],
                }
            )
        )
        await conn.close()

    return handler


async def test_stream_execute_sends_first_frame_and_raw_text_input() -> None:
    log: list[Any] = []
    async with (
        ws_server(_execute_server(log)) as srv,
        async_session(api_config(srv.endpoint)) as session,
    ):
        results: list[ExecutionResult] = []
        async with stream_execute(session, "sess-1", "name = input()", mode="query") as stream:
            async for result in stream:
                results.append(result)
                if result.is_waiting_input:
                    await stream.send_input("Alice")
        assert log == [{"code": "name = input()", "mode": "query", "options": {}}, "Alice"]
        assert [r.status for r in results] == ["continued", "waiting-input", "finished"]
        final = results[-1]
        assert final.exit_code == 0 and final["exitCode"] == 0
        assert final.stdout == "hello Alice\n"
        assert final.records[1].kind == "media" and final.records[1].mime == "image/svg+xml"
        assert final.get("console")[0] == ["stdout", "hello Alice\n"]  # seed-style access
        assert srv.requests[0].path == "/stream/session/sess-1/execute"


async def test_stream_execute_input_handler_answers_prompts() -> None:
    log: list[Any] = []
    async with (
        ws_server(_execute_server(log)) as srv,
        async_session(api_config(srv.endpoint)) as session,
    ):
        async with stream_execute(
            session,
            "sess-1",
            "x",
            mode="batch",
            options={"exec": "*"},
            input_handler=lambda r: "Bob",
        ) as stream:
            statuses = [r.status async for r in stream]
        assert statuses[-1] == "finished"
        assert log == [{"code": "x", "mode": "batch", "options": {"exec": "*"}}, "Bob"]


async def test_stream_execute_error_frame_raises() -> None:
    async def handler(conn: ServerConnection) -> None:
        await conn.recv()
        await conn.send(json.dumps({"status": "error", "msg": "Invalid API parameters: x"}))
        await conn.close()

    async with (
        ws_server(handler) as srv,
        async_session(api_config(srv.endpoint)) as session,
        stream_execute(session, "s", "code") as stream,
    ):
        with pytest.raises(ExecutionStreamError, match="Invalid API parameters"):
            async for _ in stream:
                pass
    async with async_session(api_config("http://127.0.0.1:1")) as session:
        with pytest.raises(BackendClientError, match="query and batch"):
            async with stream_execute(session, "s", "code", mode="complete"):  # type: ignore[arg-type]
                pass


async def test_pty_protocol() -> None:
    received: list[dict[str, Any]] = []

    async def handler(conn: ServerConnection) -> None:
        for _ in range(4):
            received.append(json.loads(await conn.recv()))
        text = "héllo\r\n".encode()
        # Split a two-byte character across frames: decoding must join it.
        for part in (text[:2], text[2:]):
            await conn.send(json.dumps({"type": "out", "data": base64.b64encode(part).decode()}))
        await conn.close()

    async with ws_server(handler) as srv, async_session(api_config(srv.endpoint)) as session:
        async with stream_pty(session, "s1") as pty:
            await pty.send_stdin("ls -l\n")
            await pty.resize(24, 80)
            await pty.ping()
            await pty.restart()
            chunks = [t async for t in pty.iter_text()]
        assert "".join(chunks) == "héllo\r\n"
        assert received == [
            {"type": "stdin", "chars": base64.b64encode(b"ls -l\n").decode()},
            {"type": "resize", "rows": 24, "cols": 80},
            {"type": "ping"},
            {"type": "restart"},
        ]
        assert srv.requests[0].path == "/stream/session/s1/pty"


# ------------------------------------------------------------------------------------------------
# Server-Sent Events: a threaded server usable from both the sync and the async client
# ------------------------------------------------------------------------------------------------
SSEScript = Callable[[int, http.server.BaseHTTPRequestHandler], None]


@dataclass
class SSEServer:
    port: int
    requests: list[dict[str, Any]]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def sse_server() -> Iterator[Callable[[SSEScript], SSEServer]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(script: SSEScript) -> SSEServer:
        requests: list[dict[str, Any]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                headers = dict(self.headers.items())
                problem = verify_signature(
                    "GET", self.path, self.headers, content_type="application/octet-stream"
                )
                requests.append(
                    {
                        "path": self.path,
                        "headers": headers,
                        "problem": problem,
                        "at": time.monotonic(),
                    }
                )
                if problem or "Content-Type" in self.headers:
                    self.send_response(401)
                    self.send_header("Content-Type", "application/problem+json")
                    body = json.dumps({"type": "https://api.backend.ai/probs/auth-failed"}).encode()
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                script(len(requests), self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return SSEServer(server.server_address[1], requests)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _start_events(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Connection", "close")  # no length: the body ends when we close
    handler.end_headers()


def _send(handler: http.server.BaseHTTPRequestHandler, text: str) -> None:
    handler.wfile.write(text.encode())
    handler.wfile.flush()


def dropping_then_closing(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
    _start_events(h)
    if n == 1:
        # retry: 300 is above the seconds range, so it is read as 300 ms (the SSE unit).
        _send(
            h,
            ': ping\n\nid: 7\nretry: 300\nevent: session_started\ndata: {"sessionName": "s1"}\n\n',
        )
        return  # drop the connection without server_close
    _send(
        h, 'event: session_terminated\ndata: {"sessionName": "s1", "reason": "user-requested"}\n\n'
    )
    _send(h, "event: server_close\ndata: {}\n\n")


async def test_sse_reconnects_after_retry_delay_and_stops_on_server_close(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    srv = sse_server(dropping_then_closing)
    async with (
        async_session(api_config(srv.endpoint)) as session,
        listen_sse(session, "/events/session", {"sessionName": "s1", "scope": "*"}) as stream,
    ):
        events = [e async for e in stream]
    assert [e.event for e in events] == ["session_started", "session_terminated"]
    assert events[0].id == "7" and events[0].retry == 300
    assert events[1].json()["reason"] == "user-requested"
    first, second = srv.requests
    assert first["problem"] is None and second["problem"] is None  # both signed, freshly
    assert first["path"] == "/events/session?sessionName=s1&scope=%2A"
    assert first["headers"]["Accept"] == "text/event-stream"
    assert "Content-Type" not in first["headers"]
    assert second["headers"]["Last-Event-ID"] == "7"
    waited = second["at"] - first["at"]
    assert 0.3 <= waited < 3.0


def test_sync_sse_reconnects_too(sse_server: Callable[[SSEScript], SSEServer]) -> None:
    srv = sse_server(dropping_then_closing)
    with (
        Session(config=api_config(srv.endpoint), proxy_mode=True, max_retries=0) as session,
        listen_sse_sync(session, "/events/session", {"sessionName": "s1"}) as stream,
    ):
        names = [e.event for e in stream]
    assert names == ["session_started", "session_terminated"]
    assert len(srv.requests) == 2 and all(r["problem"] is None for r in srv.requests)
    assert srv.requests[1]["at"] - srv.requests[0]["at"] >= 0.3


async def test_sse_gives_up_after_max_reconnects(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    def always_drop(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
        _start_events(h)
        _send(h, "retry: 100\n\n")

    srv = sse_server(always_drop)
    async with async_session(api_config(srv.endpoint)) as session:
        with pytest.raises(BackendConnectionError, match="giving up"):
            async with listen_sse(session, "/events/session", max_reconnects=2) as stream:
                async for _ in stream:
                    pass
    assert len(srv.requests) == 3


async def test_sse_silence_longer_than_the_read_timeout_reconnects(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    def silent_then_close(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
        _start_events(h)
        if n == 1:
            _send(h, "retry: 100\n\n")
            time.sleep(1.5)  # longer than the client's read timeout
            return
        _send(h, "event: server_close\ndata: {}\n\n")

    srv = sse_server(silent_then_close)
    async with async_session(api_config(srv.endpoint)) as session:
        started = time.monotonic()
        async with listen_sse(session, "/events/x", read_timeout=0.3) as stream:
            assert [e async for e in stream] == []
        assert time.monotonic() - started < 1.4
    assert len(srv.requests) == 2


async def test_sse_refused_request_raises_typed_error(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    def not_found(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
        body = json.dumps(
            {
                "type": "https://api.backend.ai/probs/object-not-found",
                "title": "No such background task.",
            }
        ).encode()
        h.send_response(404)
        h.send_header("Content-Type", "application/problem+json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    srv = sse_server(not_found)
    async with async_session(api_config(srv.endpoint)) as session:
        with pytest.raises(NotFoundError, match="No such background task"):
            async with listen_bgtask_events(session, "6f1b0e8e-0000-4000-8000-000000000000"):
                pass


async def test_bgtask_stream_without_any_event_is_not_found(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    def empty(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
        _start_events(h)  # what 24.09 answers for an unknown task

    srv = sse_server(empty)
    async with (
        async_session(api_config(srv.endpoint)) as session,
        listen_bgtask_events(session, "6f1b0e8e-0000-4000-8000-000000000000") as events,
    ):
        with pytest.raises(NotFoundError, match="No such background task"):
            async for _ in events:
                pass
    assert len(srv.requests) == 1


def bgtask_script(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
    _start_events(h)
    tid = "6f1b0e8e-0000-4000-8000-000000000000"
    for cur in (1, 2):
        data = {"task_id": tid, "message": "cloning", "current_progress": cur, "total_progress": 2}
        _send(h, f"event: bgtask_updated\nretry: 5\ndata: {json.dumps(data)}\n\n")
    _send(h, f'event: bgtask_done\ndata: {{"task_id": "{tid}", "message": "ok"}}\n\n')
    _send(h, "event: server_close\ndata: {}\n\n")


async def test_bgtask_events_are_typed(sse_server: Callable[[SSEScript], SSEServer]) -> None:
    srv = sse_server(bgtask_script)
    async with (
        async_session(api_config(srv.endpoint)) as session,
        listen_bgtask_events(session, "6f1b0e8e-0000-4000-8000-000000000000") as events,
    ):
        got = [e async for e in events]
    assert [e.event for e in got] == ["bgtask_updated", "bgtask_updated", "bgtask_done"]
    assert got[1].current_progress == 2.0 and got[1].total_progress == 2.0
    assert got[-1].outcome == "done" and got[-1].is_finished and not got[0].is_finished
    assert (
        srv.requests[0]["path"]
        == "/events/background-task?taskId=6f1b0e8e-0000-4000-8000-000000000000"
    )


def test_finished_task_event_names_and_string_progress(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    def finished(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
        _start_events(h)
        data = {
            "task_id": "t",
            "status": "bgtask_failed",
            "current_progress": "3",
            "total_progress": "10",
            "message": "disk full",
        }
        _send(h, f"event: task_failed\ndata: {json.dumps(data)}\n\n")
        _send(h, "event: server_close\ndata: {}\n\n")

    srv = sse_server(finished)
    with (
        Session(config=api_config(srv.endpoint), proxy_mode=True) as session,
        listen_bgtask_events_sync(session, "t") as events,
    ):
        (event,) = list(events)
    assert isinstance(event, BgtaskEvent)
    assert event.outcome == "failed" and event.message == "disk full"
    assert event.current_progress == 3.0 and event.total_progress == 10.0


async def test_session_events_are_typed(sse_server: Callable[[SSEScript], SSEServer]) -> None:
    srv = sse_server(dropping_then_closing)
    async with (
        async_session(api_config(srv.endpoint)) as session,
        listen_session_events(session, session_name="s1") as events,
    ):
        got = [e async for e in events]
    assert all(isinstance(e, SessionEvent) for e in got)
    assert got[0].session_name == "s1" and got[0]["sessionName"] == "s1"
    assert got[1].is_terminal and got[1].reason == "user-requested"
    assert srv.requests[0]["path"] == "/events/session?sessionName=s1&scope=%2A"


async def test_session_events_by_id_keep_only_that_session(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    """26.09 ignores ``sessionId`` and streams every session's events: the client filters."""
    mine, other = "11111111-0000-4000-8000-000000000001", "22222222-0000-4000-8000-000000000002"

    def every_session(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
        _start_events(h)
        for sid, name in ((other, "session_started"), (mine, "session_started")):
            _send(h, f'event: {name}\ndata: {{"sessionId": "{sid}"}}\n\n')
        _send(h, f'event: session_terminated\ndata: {{"sessionId": "{other}"}}\n\n')
        _send(h, f'event: session_terminated\ndata: {{"sessionId": "{mine}"}}\n\n')
        _send(h, "event: server_close\ndata: {}\n\n")

    srv = sse_server(every_session)
    async with (
        async_session(api_config(srv.endpoint)) as session,
        listen_session_events(session, session_id=mine, group="g1") as events,
    ):
        got = [(e.event, e.session_id) async for e in events]
    assert got == [("session_started", mine), ("session_terminated", mine)]
    assert srv.requests[0]["path"] == (
        f"/events/session?sessionName=%2A&sessionId={mine}&groupName=g1&scope=%2A"
    )


async def test_listen_events_yields_event_and_raw_data_as_the_seed_prints_them(
    sse_server: Callable[[SSEScript], SSEServer], capsys: pytest.CaptureFixture[str]
) -> None:
    srv = sse_server(dropping_then_closing)
    async with async_session(api_config(srv.endpoint)) as session:
        kern = session.ComputeSession("s1")
        async with kern.listen_events() as events:
            async for ev in events:
                print(ev.event, ev.data)  # the 22.03 documentation's example
                assert isinstance(ev, SessionEvent) and ev.session_name == "s1"  # still typed
    assert capsys.readouterr().out.splitlines() == [
        'session_started {"sessionName": "s1"}',
        'session_terminated {"sessionName": "s1", "reason": "user-requested"}',
    ]


def test_retry_field_units() -> None:
    assert _retry_seconds(5) == 5.0  # the manager's `retry: 5` means seconds
    assert _retry_seconds(3000) == 3.0  # large values are milliseconds, as the standard says
    assert _retry_seconds(10**9) == 60.0


# ------------------------------------------------------------------------------------------------
# App proxy
# ------------------------------------------------------------------------------------------------
async def test_app_proxy_relays_bytes_per_connection() -> None:
    async def binary_echo(conn: ServerConnection) -> None:
        async for message in conn:
            await conn.send(message if isinstance(message, bytes) else message.encode())

    async with ws_server(binary_echo) as srv, async_session(api_config(srv.endpoint)) as session:
        proxy = serve_app_proxy(
            session, "s1", "jupyter", port=0, envs={"A": "1"}, arguments={"-P": "123"}
        )
        async with proxy:
            assert proxy.port != 0
            for payload in (b"GET / HTTP/1.0\r\n\r\n", b"\x00" * 200_000):
                reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
                writer.write(payload)
                await writer.drain()
                got = await asyncio.wait_for(reader.readexactly(len(payload)), 5)
                assert got == payload
                writer.close()
                await writer.wait_closed()
        assert len(srv.requests) == 2  # one WebSocket per TCP connection
        assert srv.problems == []
        path = srv.requests[0].path
        assert path.startswith("/stream/session/s1/httpproxy?app=jupyter&")
        assert "arguments=%7B%22-P%22%3A" in path and "envs=%7B%22A%22" in path


async def test_app_proxy_reports_refused_app_and_closes_the_tcp_connection() -> None:
    errors: list[BaseException] = []
    async with ws_server(echo) as srv, async_session(api_config(srv.endpoint)) as session:
        srv.reject = (
            404,
            {
                "type": "https://api.backend.ai/probs/object-not-found",
                "title": "No such app service.",
            },
        )
        async with serve_app_proxy(
            session, "s1", "nope", port=0, protocol="tcp", on_error=errors.append
        ) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            assert await asyncio.wait_for(reader.read(), 5) == b""
            writer.close()
            await writer.wait_closed()
        assert srv.requests[0].path == "/stream/session/s1/tcpproxy?app=nope"
    assert len(errors) == 1 and isinstance(errors[0], NotFoundError)


# ------------------------------------------------------------------------------------------------
# TLS: verification is on by default; skip_sslcert_validation turns it off
# ------------------------------------------------------------------------------------------------
@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_tls_is_verified_unless_skip_sslcert_validation(
    self_signed: tuple[Path, Path],
) -> None:
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    async with serve(echo, "127.0.0.1", 0, ssl=context) as server:
        endpoint = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        async with async_session(api_config(endpoint)) as session:
            with pytest.raises(BackendConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
                async with connect_websocket(session, "/stream/x"):
                    pass
        async with async_session(api_config(endpoint, skip_sslcert_validation=True)) as session:
            async with connect_websocket(session, "/stream/x") as ws:
                assert ws.url.startswith("wss://127.0.0.1:")
                await ws.send_text("secure")
                assert await ws.receive_text() == "secure"


async def test_app_proxy_delivers_the_answer_after_a_half_close() -> None:
    async def answer_later(conn: ServerConnection) -> None:
        request = await conn.recv()
        await asyncio.sleep(0.2)
        await conn.send(
            b"answer to " + (request if isinstance(request, bytes) else request.encode())
        )
        await conn.close()

    async with (
        ws_server(answer_later) as srv,
        async_session(api_config(srv.endpoint)) as session,
        serve_app_proxy(session, "s1", "app", port=0, protocol="tcp") as proxy,
    ):
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"question")
        writer.write_eof()  # like `nc -N`: done sending, still reading
        assert await asyncio.wait_for(reader.read(), 5) == b"answer to question"
        writer.close()
        await writer.wait_closed()


# -- overall timeouts: BackgroundTask.wait on a stream that is kept alive but never ends ------


def pinging_forever(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
    """What 26.09 answers for an unknown task id: an open stream with keep-alive comments."""
    _start_events(h)
    with contextlib.suppress(OSError):
        for _ in range(40):
            _send(h, ": ping\n\n")
            time.sleep(0.1)


async def test_background_task_wait_ends_at_its_timeout_on_a_kept_alive_stream(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    srv = sse_server(pinging_forever)
    async with async_session(api_config(srv.endpoint)) as session:
        started = time.monotonic()
        with pytest.raises(BackgroundTaskTimeoutError) as caught:
            await session.BackgroundTask(TASK_ID).wait(timeout=0.5)
        elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 1.5  # at most one ping interval (0.1 s here) late
    assert (caught.value.task_id, caught.value.timeout) == (TASK_ID, 0.5)
    assert str(caught.value) == f"background task {TASK_ID} did not end within 0.5 s"
    assert isinstance(caught.value, TimeoutError)
    assert len(srv.requests) == 1  # given up, not reconnected


def test_sync_background_task_wait_ends_at_its_timeout_on_a_silent_stream(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    def silent(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
        _start_events(h)
        time.sleep(3)

    srv = sse_server(silent)
    with Session(config=api_config(srv.endpoint), proxy_mode=True, max_retries=0) as session:
        started = time.monotonic()
        with pytest.raises(BackgroundTaskTimeoutError, match=r"did not end within 0\.4 s"):
            session.BackgroundTask(TASK_ID).wait(timeout=0.4)
        assert 0.4 <= time.monotonic() - started < 1.5  # the read timeout is bounded by it
    assert len(srv.requests) == 1


async def test_background_task_wait_returns_an_ending_task_well_within_its_timeout(
    sse_server: Callable[[SSEScript], SSEServer],
) -> None:
    def done(n: int, h: http.server.BaseHTTPRequestHandler) -> None:
        _start_events(h)
        _send(h, ": ping\n\n")
        _send(h, f'event: bgtask_done\ndata: {{"task_id": "{TASK_ID}", "message": "ok"}}\n\n')

    srv = sse_server(done)
    async with async_session(api_config(srv.endpoint)) as session:
        last = await session.BackgroundTask(TASK_ID).wait(timeout=30)
        with pytest.raises(BackendClientError, match="timeout must be positive"):
            await session.BackgroundTask(TASK_ID).wait(timeout=0)
    assert (last.event, last.message) == ("bgtask_done", "ok")
    assert srv.requests[0]["path"] == f"/events/background-task?taskId={TASK_ID}"
