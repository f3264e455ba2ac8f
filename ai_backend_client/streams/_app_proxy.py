"""The local TCP proxy behind ``backend.ai app``: each accepted connection gets its own app
WebSocket (``GET /stream/session/{name}/httpproxy`` or ``.../tcpproxy`` with the query
parameters ``app``, ``port``, ``envs`` and ``arguments``), and bytes are relayed as binary frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final, Literal

from ..exceptions import BackendClientError
from ._websocket import WebSocketStream, connect_websocket

if TYPE_CHECKING:
    from typing_extensions import Self

    from .._session_core import AsyncSessionCore as AsyncSession
    from .._session_core import SessionCore as Session

__all__ = ["AppProxy", "serve_app_proxy"]

log = logging.getLogger("ai_backend_client")

_PROXY_CHUNK: Final = 64 * 1024
_HALF_CLOSE_GRACE: Final = 5.0  # seconds the app may still answer after the client's EOF


class AppProxy:
    """A local TCP listener; each accepted connection gets its own app WebSocket.

    Bytes are relayed as binary frames both ways until either side closes. Errors of one
    connection (unknown app, refused port, ...) close that connection, are logged and passed to
    ``on_error``; the listener keeps running.
    """

    def __init__(
        self,
        session: AsyncSession | Session,
        session_name: str,
        app: str,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        protocol: Literal["http", "tcp"] = "http",
        envs: Mapping[str, str] | None = None,
        arguments: Mapping[str, object] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if protocol not in ("http", "tcp"):
            raise BackendClientError(f"unsupported app protocol {protocol!r}: use 'http' or 'tcp'")
        self._session = session
        self.session_name = session_name
        self.app = app
        self.host = host
        self._port = port
        self.protocol = protocol
        self.params: dict[str, str] = {"app": app}
        if arguments:
            self.params["arguments"] = jsonlib.dumps(dict(arguments))
        if envs:
            self.params["envs"] = jsonlib.dumps(dict(envs))
        self._on_error = on_error
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def path(self) -> str:
        """The API path of the app WebSocket (known once the session has negotiated its version)."""
        paths = self._session.stream_paths
        if self.protocol == "http":
            return paths.stream_proxy_path(session_name=self.session_name)
        return paths.stream_proxy_2_path(session_name=self.session_name)

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._port

    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, self.host, self._port)

    async def serve_forever(self) -> None:
        await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            async with connect_websocket(self._session, self.path, self.params) as ws:
                await _relay(reader, writer, ws)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("app proxy %s/%s: %s", self.session_name, self.app, e)
            if self._on_error is not None:
                self._on_error(e)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if task is not None:
                self._tasks.discard(task)


async def _relay(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ws: WebSocketStream
) -> None:
    async def upstream() -> None:
        while True:
            chunk = await reader.read(_PROXY_CHUNK)
            if not chunk:
                return
            await ws.send_bytes(chunk)

    async def downstream() -> None:
        async for msg in ws:
            writer.write(msg.data if isinstance(msg.data, bytes) else msg.data.encode("utf-8"))
            await writer.drain()

    up, down = asyncio.ensure_future(upstream()), asyncio.ensure_future(downstream())
    tasks = [up, down]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if up in done and up.exception() is None and not down.done():
            # The client sent EOF (maybe only half-closed): let the app's answer drain briefly.
            done, _ = await asyncio.wait([down], timeout=_HALF_CLOSE_GRACE)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for t in done:
        exc = t.exception()
        if exc is not None:
            raise exc


#: ``serve_app_proxy(session, session_name, app, *, host="127.0.0.1", port=8080,
#: protocol="http", envs=None, arguments=None, on_error=None)``: a proxy from ``host:port`` to
#: *app* of *session_name*; ``async with`` it to listen.
serve_app_proxy = AppProxy
