"""``backend.ai proxy`` against a real local upstream: signing, raw path/query, bodies streamed
both ways, answers passed back as they are, 502/501, session mode."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from ai_backend_client import APIConfig
from ai_backend_client._base_client import SyncAPIClient
from ai_backend_client.auth import authorization_header, generate_signature
from ai_backend_client.cli.proxy import APIProxyServer

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), _UpstreamHandler)


class _UpstreamHandler(BaseHTTPRequestHandler):
    server: Upstream
    protocol_version = "HTTP/1.1"

    def _any(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            body = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        if self.path.startswith("/missing"):
            self._send(404, b'{"title": "No such thing."}', "application/problem+json")
        elif self.path.startswith("/slow"):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5\r\nfirst\r\n")
            self.wfile.flush()
            self.server.release.wait(10)
            self.wfile.write(b"4\r\nlast\r\n0\r\n\r\n")
        else:
            self._send(200, json.dumps({"echo": len(body)}).encode(), "application/json")

    def _send(self, status: int, payload: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Upstream", "yes")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def upstream() -> Iterator[tuple[Upstream, str]]:
    server = Upstream()
    for url in _serve(server):
        yield server, url


def _proxy(endpoint: str, **config: Any) -> Iterator[str]:
    core = SyncAPIClient(
        APIConfig(endpoint=endpoint, access_key=AK, secret_key=SK, **config),
        api_version="v8.20240915",
    )
    server = APIProxyServer(core, "127.0.0.1", 0)
    try:
        yield from _serve(server)
    finally:
        core.close()


@pytest.fixture
def proxy(upstream: tuple[Upstream, str]) -> Iterator[str]:
    yield from _proxy(upstream[1])


def test_get_is_signed_with_the_raw_path_and_query(
    upstream: tuple[Upstream, str], proxy: str
) -> None:
    server, base = upstream
    r = httpx.get(
        f"{proxy}/folders/_/hosts?b=2&a=%2Fx+y",
        headers={"Authorization": "mine", "Cookie": "x=1", "X-Custom": "kept"},
    )
    assert r.status_code == 200 and r.json() == {"echo": 0}
    assert r.headers["X-Upstream"] == "yes"
    seen = server.seen[-1]
    assert seen["method"] == "GET" and seen["path"] == "/folders/_/hosts?b=2&a=%2Fx+y"
    headers = seen["headers"]
    assert headers["X-Custom"] == "kept" and "Cookie" not in headers
    assert headers["X-BackendAI-Version"] == "v8.20240915"
    signature = generate_signature(
        method="GET",
        version="v8.20240915",
        host=base.removeprefix("http://"),
        date=datetime.fromisoformat(headers["Date"]),
        rel_url="/folders/_/hosts?b=2&a=%2Fx+y",
        content_type="text/plain",
        secret_key=SK,
    )
    assert headers["Authorization"] == authorization_header(AK, signature)


def test_bodies_are_forwarded(upstream: tuple[Upstream, str], proxy: str) -> None:
    server, _ = upstream
    big = bytes(range(256)) * 1024  # 256 KiB: streamed, not buffered
    r = httpx.put(f"{proxy}/folders/x/upload", content=big, headers={"Content-Type": "a/b"})
    assert r.json() == {"echo": len(big)}
    assert server.seen[-1]["body"] == big and server.seen[-1]["headers"]["Content-Type"] == "a/b"

    def chunks() -> Iterator[bytes]:
        yield b'{"a": '
        yield b"1}"

    r = httpx.post(f"{proxy}/auth", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.json() == {"echo": 8} and server.seen[-1]["body"] == b'{"a": 1}'


def test_errors_pass_through_unchanged(proxy: str) -> None:
    r = httpx.delete(f"{proxy}/missing")
    assert r.status_code == 404 and r.json() == {"title": "No such thing."}
    assert r.headers["Content-Type"] == "application/problem+json"


def test_answers_stream(upstream: tuple[Upstream, str], proxy: str) -> None:
    server, _ = upstream
    with httpx.stream("GET", f"{proxy}/slow", timeout=5) as r:
        chunks = r.iter_raw()
        assert next(chunks) == b"first"  # before the upstream has finished
        server.release.set()
        assert b"".join(chunks) == b"last"


def test_unreachable_manager_is_502_and_websocket_501() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    for url in _proxy(dead):
        r = httpx.get(f"{url}/auth/role")
        assert r.status_code == 502 and "could not be reached" in r.json()["title"]
        r = httpx.get(f"{url}/stream/session/s/pty", headers={"Upgrade": "websocket"})
        assert r.status_code == 501


def test_session_mode_uses_the_func_prefix_unsigned(upstream: tuple[Upstream, str]) -> None:
    server, base = upstream
    for url in _proxy(base, endpoint_type="session"):
        assert httpx.get(f"{url}/auth/role").status_code == 200
    assert server.seen[-1]["path"] == "/func/auth/role"
    assert "Authorization" not in server.seen[-1]["headers"]
