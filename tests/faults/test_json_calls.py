"""JSON calls (session.Manager.status / backend.ai admin manager status).

A JSON answer is read only up to ``max_response_size``; an empty or non-JSON success is an
error; ``total_timeout`` bounds a call however the server dawdles; ``Retry-After`` is honoured up
to ``max_retry_after`` and a longer wait is shown, not slept.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ai_backend_client.exceptions import BackendError

from ._helpers import (
    ALL_MODES,
    SDK_MODES,
    assert_no_secret,
    bounded_time,
    closed_port,
    failure,
    make_config,
    run,
)
from ._server import Conn, FaultServer, Request

STATUS = {"nodes": [], "status": "running", "active_sessions": 3}
CLI = ["admin", "manager", "status"]


def status() -> Callable[[object], object]:
    return lambda s: s.Manager.status()  # type: ignore[attr-defined]


@pytest.fixture
def serve(
    cli_env: Callable[[str], None],
) -> Iterator[Callable[[Callable[[Request, Conn], None]], FaultServer]]:
    """A manager whose ``GET /manager/status`` is answered by the given function."""
    servers: list[FaultServer] = []

    def start(answer: Callable[[Request, Conn], None]) -> FaultServer:
        def handler(req: Request, conn: Conn) -> None:
            if req.path == "/":
                conn.json(200, {"version": "v8.20240915", "manager": "24.09.6"})
            elif req.path == "/manager/status":
                answer(req, conn)
            else:
                conn.json(404, {"type": "https://api.backend.ai/probs/url-not-found"})

        server = FaultServer(handler)
        servers.append(server)
        cli_env(server.url)
        return server

    yield start
    for server in servers:
        server.stop()


def status_calls(server: FaultServer) -> int:
    return server.paths().count("/manager/status")


# -- size -------------------------------------------------------------------------------------
def _huge_declared(req: Request, conn: Conn) -> None:
    conn.head(200, {"Content-Type": "application/json", "Content-Length": str(200 * 2**20)})
    block = b" " * 2**20
    for _ in range(200):
        conn.send(block)


def _huge_chunked(req: Request, conn: Conn) -> None:
    conn.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    block = b"[" + b"1," * (2**19 - 1)
    frame = f"{len(block):x}\r\n".encode() + block + b"\r\n"
    for _ in range(200):
        conn.send(frame)
    conn.send(b"0\r\n\r\n")


def _huge_error_page(req: Request, conn: Conn) -> None:
    conn.head(500, {"Content-Type": "text/html", "Content-Length": str(200 * 2**20)})
    block = b"<p>oops</p>" * 95325
    for _ in range(200):
        conn.send(block[: 2**20])


@pytest.mark.fault(
    "ResponseTooLargeError at once (no body read), one line naming BACKEND_MAX_RESPONSE_SIZE"
)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_huge_json_answer_with_length(mode: str, serve) -> None:  # type: ignore[no-untyped-def]
    """A JSON call is answered 200 MB, announced by Content-Length."""
    server = serve(_huge_declared)
    with bounded_time(10):
        f = failure(mode, server.url, status(), CLI, max_retries=0)
    assert "larger than 64 MiB" in f.message and "BACKEND_MAX_RESPONSE_SIZE" in f.message
    if mode != "cli":
        assert f.type == "ResponseTooLargeError"


@pytest.mark.fault("ResponseTooLargeError after 64 MiB, reading stops there")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_huge_json_answer_chunked(mode: str, serve) -> None:  # type: ignore[no-untyped-def]
    """A JSON call is answered 200 MB in chunks, with no length announced."""
    server = serve(_huge_chunked)
    with bounded_time(20):
        f = failure(mode, server.url, status(), max_retries=0)
    assert f.type == "ResponseTooLargeError" and "larger than 64 MiB" in f.message


_RSS_PROBE = r"""
import json, resource, sys
from ai_backend_client import Session
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import BackendError
config = APIConfig(endpoint=sys.argv[1], access_key="AKIAPROBE", secret_key="probe")
with Session(config=config, max_retries=0) as s:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        s.Manager.status()
        error = None
    except BackendError as e:
        error = type(e).__name__
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"error": error, "growth_mib": (after - before) / 1024}))
"""


@pytest.mark.fault("peak RSS grows by less than the 64 MiB limit plus 40 MiB (it was 1.2 GB)")
@pytest.mark.parametrize(
    "answer",
    [_huge_declared, _huge_chunked, _huge_error_page],
    ids=["length", "chunked", "error-page"],
)
def test_huge_answers_keep_memory_bounded(  # type: ignore[no-untyped-def]
    answer: Callable[[Request, Conn], None], serve, tmp_path: Path
) -> None:
    """A 200 MB answer (JSON with or without a length, or an error page) in a fresh process."""
    server = serve(answer)
    out = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, server.url],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # not the checkout: the installed package is under test
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["error"] in ("ResponseTooLargeError", "InternalServerError")
    assert result["growth_mib"] < 64 + 40, result


@pytest.mark.fault("InternalServerError, one line, body read only up to the 64 KiB kept")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_huge_error_page(mode: str, serve) -> None:  # type: ignore[no-untyped-def]
    """A JSON call is answered 500 with a 200 MB HTML page."""
    server = serve(_huge_error_page)
    with bounded_time(15):
        f = failure(mode, server.url, status(), CLI, max_retries=0)
    assert "500" in f.message and len(f.message) < 3000
    if mode != "cli":
        assert f.type == "InternalServerError"
        assert len(f.error.data["content"]) <= 2000  # type: ignore[union-attr]


# -- empty and non-JSON answers --------------------------------------------------------------
@pytest.mark.fault(
    "MalformedResponseError 'expected a JSON body, got an empty one', not an all-None model"
)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_empty_success_body(mode: str, serve) -> None:  # type: ignore[no-untyped-def]
    """A JSON call is answered 200 with an empty body."""
    server = serve(lambda req, conn: conn.respond(200, b"", {"Content-Type": "application/json"}))
    f = failure(mode, server.url, status(), CLI)
    assert "expected a JSON body, got an empty one" in f.message
    if mode != "cli":
        assert f.type == "MalformedResponseError"


@pytest.mark.fault("MalformedResponseError naming the content type and the start of the body")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_html_success_body(mode: str, serve) -> None:  # type: ignore[no-untyped-def]
    """A JSON call is answered 200 with an HTML page (a captive portal, a proxy)."""
    server = serve(
        lambda req, conn: conn.respond(200, b"<html>login</html>", {"Content-Type": "text/html"})
    )
    f = failure(mode, server.url, status())
    assert f.type == "MalformedResponseError" and "text/html" in f.message and "<html>" in f.message


@pytest.mark.fault("the GET is retried and succeeds")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_truncated_json_body_is_retried(mode: str, serve) -> None:  # type: ignore[no-untyped-def]
    """The first answer announces 200 bytes, sends 10 and closes."""
    answers = iter(["cut"])

    def answer(req: Request, conn: Conn) -> None:
        if next(answers, None) == "cut":
            conn.head(200, {"Content-Type": "application/json", "Content-Length": "200"})
            conn.send(b'{"nodes": ')
            conn.close()
        else:
            conn.json(200, STATUS)

    server = serve(answer)
    result = run(mode, make_config(server.url), status())
    assert result.status == "running" and status_calls(server) == 2


@pytest.mark.fault("retried with back-off, then the answer")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_connection_reset_before_answer(mode: str, serve) -> None:  # type: ignore[no-untyped-def]
    """The first two attempts are reset (RST) without an answer."""
    resets = [1, 1]

    def answer(req: Request, conn: Conn) -> None:
        if resets:
            resets.pop()
            conn.reset()
        else:
            conn.json(200, STATUS)

    server = serve(answer)
    assert run(mode, make_config(server.url), status()).active_sessions == 3
    assert status_calls(server) == 3


# -- slowness ----------------------------------------------------------------------------------
# Each trickles for about 10 s: far past the 1.5 s deadline, and bounded without one.
_SLOW_JSON = b'{"status": "running", "active_sessions": 3}'


def _trickle_body(req: Request, conn: Conn) -> None:
    conn.head(200, {"Content-Type": "application/json", "Content-Length": str(len(_SLOW_JSON))})
    conn.trickle(_SLOW_JSON, 10 / len(_SLOW_JSON))


def _trickle_head(req: Request, conn: Conn) -> None:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: {'x' * 20}\r\n"
    conn.trickle(head.encode(), 10 / len(head))
    conn.send(f"Content-Length: {len(_SLOW_JSON)}\r\n\r\n".encode() + _SLOW_JSON)


@pytest.mark.fault(
    "BackendTimeoutError after total_timeout (1.5 s here), naming BACKEND_TOTAL_TIMEOUT"
)
@pytest.mark.parametrize("where", ["body", "headers"])
@pytest.mark.parametrize("mode", ALL_MODES)
def test_trickling_server(mode: str, where: str, serve, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The server trickles one byte every 0.2 s (the body, or the status line and headers)."""
    monkeypatch.setenv("BACKEND_TOTAL_TIMEOUT", "1.5")
    server = serve(_trickle_body if where == "body" else _trickle_head)
    start = time.monotonic()
    f = failure(mode, server.url, status(), CLI)
    elapsed = time.monotonic() - start
    assert 1.4 < elapsed < 5, elapsed
    assert "total timeout of 1.5 s" in f.message and "BACKEND_TOTAL_TIMEOUT" in f.message
    if mode != "cli":
        assert f.type == "BackendTimeoutError"
    assert status_calls(server) == 1


@pytest.mark.fault("BackendConnectionError (ReadTimeout) after the read timeout, one line")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_stalled_answer(mode: str, serve, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The server accepts the request and never answers."""
    monkeypatch.setenv("BACKEND_READ_TIMEOUT", "0.5")
    server = serve(lambda req, conn: conn.stall(10))
    with bounded_time(4):
        f = failure(mode, server.url, status(), max_retries=0)
    assert f.type == "BackendConnectionError" and "ReadTimeout" in f.message


# -- Retry-After -------------------------------------------------------------------------------
def _unavailable(seconds: str) -> Callable[[Request, Conn], None]:
    def answer(req: Request, conn: Conn) -> None:
        conn.json(
            503,
            {"type": "https://api.backend.ai/probs/service-unavailable", "title": "busy"},
            {"Retry-After": seconds},
        )

    return answer


@pytest.mark.fault(
    "gives up at once: ServiceUnavailableError '... the server asks to retry after 120 s'"
)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_retry_after_longer_than_the_maximum(mode: str, serve) -> None:  # type: ignore[no-untyped-def]
    """A 503 asks to come back in 120 s (the default maximum wait is 60 s)."""
    server = serve(_unavailable("120"))
    with bounded_time(3):
        f = failure(mode, server.url, status(), CLI)
    assert "retry after 120 s" in f.message
    assert status_calls(server) == 1
    if mode != "cli":
        assert f.type == "ServiceUnavailableError" and f.error.retry_after == 120  # type: ignore[union-attr]


@pytest.mark.fault("gives up at once and shows the wait (it would not fit into total_timeout)")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_retry_after_past_the_deadline(mode: str, serve, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A 503 asks to come back in 30 s; the call has a 2 s total timeout."""
    monkeypatch.setenv("BACKEND_TOTAL_TIMEOUT", "2")
    server = serve(_unavailable("30"))
    with bounded_time(1.5):
        f = failure(mode, server.url, status())
    assert f.type == "ServiceUnavailableError" and "retry after 30 s" in f.message


@pytest.mark.fault("waits the 1 s asked for, then succeeds")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_retry_after_is_honoured(mode: str, serve) -> None:  # type: ignore[no-untyped-def]
    """A 503 asks to come back in 1 s; the next attempt succeeds."""
    busy = [_unavailable("1")]

    def answer(req: Request, conn: Conn) -> None:
        if busy:
            busy.pop()(req, conn)
        else:
            conn.json(200, STATUS)

    server = serve(answer)
    start = time.monotonic()
    assert run(mode, make_config(server.url), status()).status == "running"
    assert 0.95 <= time.monotonic() - start < 4
    assert status_calls(server) == 2


@pytest.mark.fault("with BACKEND_MAX_RETRY_AFTER=3, waits the 2 s asked for, then succeeds")
def test_retry_after_maximum_is_configurable(serve, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A 429 asks to come back in 2 s, more than a tightened default would allow."""
    monkeypatch.setenv("BACKEND_MAX_RETRY_AFTER", "3")
    limited = [1]

    def answer(req: Request, conn: Conn) -> None:
        if limited:
            limited.pop()
            conn.json(429, {"title": "slow down"}, {"Retry-After": "2"})
        else:
            conn.json(200, STATUS)

    server = serve(answer)
    start = time.monotonic()
    assert run("sync", make_config(server.url), status()).status == "running"
    assert time.monotonic() - start >= 1.95


# -- nobody there ------------------------------------------------------------------------------
@pytest.mark.fault("BackendConnectionError naming every endpoint tried, one line, exit 1")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_every_endpoint_refuses(mode: str, cli_env: Callable[[str], None], tmp_path: Path) -> None:
    """Both configured endpoints refuse connections."""
    endpoints = [f"http://127.0.0.1:{closed_port()}" for _ in range(2)]
    cli_env(",".join(endpoints))
    if mode == "cli":
        f = failure(mode, "", status(), CLI)
    else:
        try:
            run(mode, make_config(endpoints), status(), max_retries=1)
        except BackendError as e:
            f_message, f_type = str(e), type(e).__name__
        else:
            pytest.fail("no error")
        assert f_type == "BackendConnectionError"
        assert all(e in f_message for e in endpoints) and "\n" not in f_message
        return
    assert f.exit_code == 1 and "Check your network connection" in f.message
    assert_no_secret(f.message)
