"""``backend.ai proxy``: a local, non-encrypted, non-authorized API proxy.

It accepts plain HTTP requests (``http.server``, one thread per connection) and forwards each to
the configured manager through the SDK core: the method, the raw path and query, the headers
(minus hop-by-hop, ``Host``, ``Authorization``, ``Date`` and ``Cookie``) and the body, streamed
both ways; the core adds the API version header and the keypair signature (or the login cookie
in session mode, with the ``/func`` prefix). The manager's answer is passed back as it is,
errors included. A manager that cannot be reached answers 502. WebSocket upgrades (the
``/stream/...`` endpoints) are not proxied: they answer 501.

Anyone who can reach the listening address acts with the configured keypair, so it listens on
localhost unless told otherwise.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast

import click

from ._output import current, print_done, print_info, print_warn

if TYPE_CHECKING:
    from .._base_client import SyncAPIClient

__all__ = ["APIProxyServer", "proxy"]

_CHUNK = 64 * 1024
#: Request headers that are not forwarded (hop-by-hop, or set by the core).
_DROP_REQUEST = frozenset(
    {
        "host",
        "authorization",
        "date",
        "cookie",
        "connection",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
    }
)
#: Response headers that are not passed back (hop-by-hop; the proxy closes each connection).
_DROP_RESPONSE = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "set-cookie",
    }
)


def _read_exactly(stream: io.BufferedIOBase, size: int) -> Iterator[bytes]:
    while size > 0:
        chunk = stream.read(min(size, _CHUNK))
        if not chunk:
            raise ConnectionError("the client closed the connection in the middle of the body")
        size -= len(chunk)
        yield chunk


def _read_chunked(stream: io.BufferedIOBase) -> Iterator[bytes]:
    """Decode a ``Transfer-Encoding: chunked`` request body."""
    while True:
        line = stream.readline(1024)
        if not line:
            raise ConnectionError("the client closed the connection in the middle of the body")
        size = int(line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline(1024) not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return
        yield from _read_exactly(stream, size)
        stream.readline(8)  # the CRLF after each chunk


class _Handler(BaseHTTPRequestHandler):
    """One client connection: every method is forwarded through the server's signed core."""

    protocol_version = "HTTP/1.1"
    server_version = "backend.ai-proxy"

    @property
    def proxy(self) -> APIProxyServer:
        return cast("APIProxyServer", self.server)

    def _forward(self: _Handler) -> None:
        self.close_connection = True
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.problem(501, "WebSocket requests are not supported by backend.ai proxy.")
            return
        try:
            body = self._body()
        except ValueError:
            self.problem(400, "Bad request body framing.")
            return
        self.proxy.forward(self, body)

    # http.server calls do_<METHOD>; every method is forwarded alike.
    do_GET: Callable[[_Handler], None] = _forward
    do_POST: Callable[[_Handler], None] = _forward
    do_PUT: Callable[[_Handler], None] = _forward
    do_PATCH: Callable[[_Handler], None] = _forward
    do_DELETE: Callable[[_Handler], None] = _forward
    do_HEAD: Callable[[_Handler], None] = _forward
    do_OPTIONS: Callable[[_Handler], None] = _forward

    def _body(self) -> Iterator[bytes] | bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile)
        length = self.headers.get("Content-Length")
        if length is None:
            return None
        size = int(length)
        if size < 0:
            raise ValueError(length)
        if size <= _CHUNK:
            return b"".join(_read_exactly(self.rfile, size))
        return _read_exactly(self.rfile, size)

    def problem(self, status: int, title: str, detail: str | None = None) -> None:
        data: dict[str, Any] = {"type": "https://api.backend.ai/probs/proxy-error", "title": title}
        if detail:
            data["detail"] = detail
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        if self.proxy.verbose:
            click.echo(f"{self.address_string()} {format % args}", err=True)


class APIProxyServer(ThreadingHTTPServer):
    """Forwards every request it accepts to the manager of *core*, signed."""

    daemon_threads = True

    def __init__(self, core: SyncAPIClient, host: str, port: int, *, verbose: bool = False):
        self.core = core
        self.verbose = verbose
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def forward(self, handler: _Handler, body: Iterator[bytes] | bytes | None) -> None:
        """Send *handler*'s request, signed, to the manager and stream the answer back."""
        import httpx

        core = self.core
        path, _, query = handler.path.partition("?")
        if not path.startswith("/"):  # an absolute-form target: keep only the path
            url = httpx.URL(handler.path)
            path, query = url.path, url.query.decode("ascii")
        headers = core.default_headers()
        for key, value in handler.headers.items():
            if key.lower() not in _DROP_REQUEST:
                headers[key] = value
        url = httpx.URL(core.build_url(path))
        if query:
            url = url.copy_with(query=query.encode("ascii", "replace"))
        request = core.http.build_request(handler.command, url, headers=headers, content=body)
        if core.config.endpoint_type != "session" or core.config.access_key:
            core.auth.sign(request)
        try:
            response = core.http.send(request, stream=True)
        except httpx.HTTPError as e:
            handler.problem(502, "The manager could not be reached.", f"{type(e).__name__}: {e}")
            return
        except (ValueError, ConnectionError) as e:  # a broken chunked body from the client
            handler.problem(400, "Bad request body.", str(e))
            return
        try:
            handler.send_response(response.status_code, response.reason_phrase)
            for key, value in response.headers.multi_items():
                if key.lower() not in _DROP_RESPONSE:
                    handler.send_header(key, value)
            handler.send_header("Connection", "close")
            handler.end_headers()
            for chunk in response.iter_raw():  # as it arrives (a chunk_size would buffer)
                handler.wfile.write(chunk)
                handler.wfile.flush()
        except (httpx.HTTPError, OSError):
            pass  # either side went away: the connection closes, as it does after every answer
        finally:
            response.close()


@click.command()
@click.option(
    "--bind",
    default="localhost",
    show_default=True,
    help="The IP/host address to bind this proxy.",
)
@click.option(
    "-p",
    "--port",
    type=click.IntRange(0, 65535),
    default=8084,
    show_default=True,
    help="The TCP port to accept non-encrypted non-authorized API requests.",
)
def proxy(bind: str, port: int) -> None:
    """Run a non-encrypted non-authorized API proxy server.

    Plain HTTP requests to BIND:PORT are forwarded to the configured manager, signed with the
    configured keypair (or sent with the login cookie in session mode); answers come back as they
    are. Anyone who can connect acts as you: keep the default localhost binding unless you know
    better. WebSocket requests (streaming endpoints such as the PTY or the app proxy) are not
    supported. Stop it with Ctrl+C.
    """
    ctx = current()
    with ctx.session() as api:
        try:
            server = APIProxyServer(api.core, bind, port, verbose=ctx.debug)
        except OSError as e:
            from ._output import fail

            fail(f"Cannot listen on {bind}:{port}: {e.strerror or e}")
        with server:
            print_done(
                f"Serving the API of {api.config.endpoint} at http://{bind}:{server.port} "
                f"(API {api.api_version}, signed as {api.config.access_key or 'the login session'})"
            )
            if bind not in ("localhost", "127.0.0.1", "::1"):
                print_warn(f"Anyone who can reach {bind}:{server.port} uses your credentials.")
            print_info("Press Ctrl+C to stop.")
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                while thread.is_alive():
                    thread.join(0.5)
            except KeyboardInterrupt:
                print_info("Shutting down the proxy.")
            finally:
                server.shutdown()
