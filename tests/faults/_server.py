"""A real HTTP/1.1 server on a loopback socket that misbehaves on purpose.

Every connection is served by its own thread from raw socket bytes, so a handler can do what no
well-behaved framework would: cut a body short, answer a length it does not send, trickle the
status line byte by byte, stall, reset the connection, or present a certificate nobody trusts.
The clients under test (sync and async, SDK and CLI) reach it over 127.0.0.1 like any server.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Conn", "FaultServer", "Request"]

_REASONS = {
    200: "OK",
    204: "No Content",
    206: "Partial Content",
    401: "Unauthorized",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    raw_target: str = ""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else {}

    @property
    def params(self) -> dict[str, Any]:
        """Parameters as the manager reads them: from the JSON body if any, else the query."""
        if self.body:
            data = self.json()
            if isinstance(data, dict):
                return data
        return dict(self.query)


class ClientGone(Exception):
    """The client closed the connection while the server was still writing."""


@dataclass
class Conn:
    """The server side of one connection, for handlers to write to."""

    sock: socket.socket
    server: FaultServer
    closed: bool = False
    sent: int = field(default=0)
    method: str = "GET"  # of the request being answered (a HEAD answer has no body)

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise ClientGone() from e
        self.sent += len(data)

    def head(
        self, status: int, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()
    ) -> None:
        items = headers.items() if isinstance(headers, Mapping) else headers
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Whatever')}"]
        lines += [f"{k}: {v}" for k, v in items]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def respond(
        self,
        status: int,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        *,
        length: bool = True,
    ) -> None:
        all_headers = dict(headers or {})
        if length and "Content-Length" not in all_headers and status not in (204, 304):
            all_headers["Content-Length"] = str(len(body))
        if not length:
            all_headers["Connection"] = "close"
        self.head(status, all_headers)
        if body and self.method != "HEAD":
            self.send(body)
        if not length:
            self.close()

    def json(self, status: int, data: Any, headers: Mapping[str, str] | None = None) -> None:
        self.respond(
            status,
            json.dumps(data).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    def trickle(self, data: bytes, interval: float) -> None:
        """Send *data* one byte at a time, *interval* seconds apart (until the client leaves)."""
        for i in range(len(data)):
            if self.server.stopping.is_set():
                return
            self.send(data[i : i + 1])
            time.sleep(interval)

    def stall(self, seconds: float = 60.0) -> None:
        """Send nothing for *seconds* (or until the server stops)."""
        self.server.stopping.wait(seconds)

    def close(self) -> None:
        """An orderly close (FIN): to the client, a body that simply ended."""
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()

    def reset(self) -> None:
        """An abortive close (RST): to the client, a connection reset."""
        if not self.closed:
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.closed = True
            self.sock.close()


Handler = Callable[[Request, Conn], None]


class FaultServer:
    """Serves *handler* on ``127.0.0.1:<free port>`` (TLS with *ssl_context*) until :meth:`stop`."""

    def __init__(self, handler: Handler, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.ssl_context = ssl_context
        self.requests: list[Request] = []
        self.connections = 0
        self.stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._socks: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept, name="fault-server", daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl_context else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    def stop(self) -> None:
        self.stopping.set()
        self._listener.close()
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)

    # -- internals ----------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            with self._lock:
                self._socks.add(sock)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            sock.settimeout(30)
            if self.ssl_context is not None:
                try:
                    sock = self.ssl_context.wrap_socket(sock, server_side=True)
                except (OSError, ssl.SSLError):
                    return  # the client refused our certificate: that is the point
                with self._lock:
                    self._socks.add(sock)
            conn = Conn(sock, self)
            reader = _Reader(sock)
            while not conn.closed and not self.stopping.is_set():
                request = reader.request()
                if request is None:
                    return
                self.requests.append(request)
                conn.method = request.method
                try:
                    self.handler(request, conn)
                except ClientGone:
                    return
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                sock.close()


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def _until(self, marker: bytes) -> bytes | None:
        while True:
            idx = self.buf.find(marker)
            if idx >= 0:
                out = bytes(self.buf[:idx])
                del self.buf[: idx + len(marker)]
                return out
            if not self._fill():
                return None

    def _exactly(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            if not self._fill():
                return None
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def request(self) -> Request | None:
        head = self._until(b"\r\n\r\n")
        if head is None:
            return None
        line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _ = line.split(" ", 2)
        headers: dict[str, str] = {}
        for h in header_lines:
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
        body = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size_line = self._until(b"\r\n")
                if size_line is None:
                    return None
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    self._until(b"\r\n")
                    break
                chunk = self._exactly(size + 2)
                if chunk is None:
                    return None
                parts.append(chunk[:-2])
            body = b"".join(parts)
        elif "content-length" in headers:
            got = self._exactly(int(headers["content-length"]))
            if got is None:
                return None
            body = got
        parts_ = urlsplit(target)
        return Request(
            method=method,
            path=parts_.path,
            query=dict(parse_qsl(parts_.query, keep_blank_values=True)),
            headers=headers,
            body=body,
            raw_target=target,
        )
