"""WebSocket and Server-Sent-Events streams, and the ``backend.ai app`` TCP proxy.

Every stream request is a signed ``GET`` (the headers of every API request, signed with the
content type ``application/octet-stream`` while **no** ``Content-Type`` header is sent; in session
mode the webserver's cookies replace the signature). The paths come from the generated path
helpers of the negotiated version (``session.stream_paths``), which percent-encode session names.
WebSockets use ``websockets`` (asyncio client), SSE uses ``httpx-sse`` over the session's own httpx
client. Both libraries are imported only when a stream is opened, so ``import ai_backend_client``
stays cheap.

Modules (all private; import from here):

- ``_websocket``: handshake, error mapping, :class:`WebSocketStream`, :func:`connect_websocket`
- ``_execute``: the streaming-execute and PTY protocols (:func:`stream_execute`, :func:`stream_pty`)
- ``_sse``: auto-reconnecting SSE (:class:`SSEStream` and its blocking shell :class:`SyncSSEStream`)
- ``_events``: typed session and background-task events (:class:`EventStream`)
- ``_app_proxy``: the local TCP proxy of ``backend.ai app`` (:class:`AppProxy`)

Public interface
================
WebSockets (``session`` is an :class:`~ai_backend_client.session.AsyncSession`; a blocking
``Session`` works too, since only its configuration, signer and cookies are used)::

    connect_websocket(session, path, params=None, *, open_timeout=None, ping_interval=30.0,
                      max_size=16 MiB) -> AsyncContextManager[WebSocketStream]

    class WebSocketStream:                       # async context manager, always closes
        async for msg in stream                  # WSMessage(type=TEXT|BINARY, data=str|bytes)
        await receive(timeout=None) -> WSMessage # aiohttp-style: CLOSED message when closed
        await receive_text() / receive_str() -> str
        await receive_bytes() -> bytes
        await receive_json() -> dict[str, Any]
        await send_text(str) / send_str(str), send_bytes(bytes), send_json(obj)
        await close(code=1000, reason=""); .closed; .close_code; .close_reason

    WSMsgType (IntEnum with aiohttp's values), WSMessage(type, data, extra=None)
    websocket_handshake(session, path, params=None) -> (ws_url, headers)  # freshly signed

Streaming execute and PTY::

    stream_execute(session, session_ref, code="", *, mode="query", options=None, params=None,
                   input_handler=None) -> AsyncContextManager[ExecuteStream]
    class ExecuteStream:  async for result in stream -> ExecutionResult (ends after "finished");
                          await send_input(text); .ws (the raw WebSocketStream)
    stream_pty(session, session_ref, params=None) -> AsyncContextManager[StreamPty]
    class StreamPty:      async for chunk in pty -> bytes (decoded "out" frames);
                          send_stdin(str|bytes), resize(rows, cols), ping(), restart(); .ws

Server-Sent Events::

    listen_sse(session, path, params=None, *, max_reconnects=10, read_timeout=None)
        -> SSEStream                # async context manager and async iterator of SSEEvent
    listen_sse_sync(session, path, params=None, ...) -> SyncSSEStream   # blocking twin
    SSEEvent(event, data, id, retry).json() -> dict[str, Any]
    listen_session_events(session, *, session_name=None, session_id=None,
        owner_access_key=None, group=None, scope="*") -> EventStream[SessionEvent]
    listen_bgtask_events(session, task_id) -> EventStream[BgtaskEvent]   # ends after the final
        # event; an unknown task raises NotFoundError (24.09 answers it with an empty stream)
    (and the blocking ``listen_session_events_sync`` / ``listen_bgtask_events_sync``)

The SSE streams reconnect after a drop without ``server_close`` (see ``_sse``).

TCP proxy for ``backend.ai app``::

    serve_app_proxy(session, session_name, app, *, host="127.0.0.1", port=8080,
                    protocol="http", envs=None, arguments=None, on_error=None) -> AppProxy
    async with serve_app_proxy(...) as proxy:  # listening once entered; proxy.port is bound
        await proxy.serve_forever()

Errors: a rejected handshake or SSE request raises the same ``BackendAPIError`` subclasses as REST
(``AuthenticationError`` for 401, ``NotFoundError`` for 404, ...); unreachable endpoints raise
``BackendConnectionError``; an abnormal WebSocket close while reading raises
:class:`WebSocketClosedError`; an execution error frame raises :class:`ExecutionStreamError`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..exceptions import ExecutionStreamError, WebSocketClosedError

if TYPE_CHECKING:
    from ._app_proxy import AppProxy, serve_app_proxy
    from ._events import (
        BgtaskEvent,
        EventStream,
        SessionEvent,
        SyncEventStream,
        listen_bgtask_events,
        listen_bgtask_events_sync,
        listen_session_events,
        listen_session_events_sync,
    )
    from ._execute import (
        ConsoleItem,
        ExecuteStream,
        ExecutionResult,
        InputHandler,
        StreamPty,
        stream_execute,
        stream_pty,
    )
    from ._sse import SSEEvent, SSEStream, SyncSSEStream, listen_sse, listen_sse_sync
    from ._websocket import (
        WebSocketStream,
        WSMessage,
        WSMsgType,
        connect_websocket,
        websocket_handshake,
    )

#: public name -> the submodule defining it; loaded on first use, so that importing one stream
#: type (a background-task event for ``VFolder.clone``) does not load asyncio, the app proxy
#: and the execute protocol
_LAZY = {
    "AppProxy": "_app_proxy",
    "serve_app_proxy": "_app_proxy",
    "BgtaskEvent": "_events",
    "EventStream": "_events",
    "SessionEvent": "_events",
    "SyncEventStream": "_events",
    "listen_bgtask_events": "_events",
    "listen_bgtask_events_sync": "_events",
    "listen_session_events": "_events",
    "listen_session_events_sync": "_events",
    "ConsoleItem": "_execute",
    "ExecuteStream": "_execute",
    "ExecutionResult": "_execute",
    "InputHandler": "_execute",
    "StreamPty": "_execute",
    "stream_execute": "_execute",
    "stream_pty": "_execute",
    "SSEEvent": "_sse",
    "SSEStream": "_sse",
    "SyncSSEStream": "_sse",
    "listen_sse": "_sse",
    "listen_sse_sync": "_sse",
    "WebSocketStream": "_websocket",
    "WSMessage": "_websocket",
    "WSMsgType": "_websocket",
    "connect_websocket": "_websocket",
    "websocket_handshake": "_websocket",
}


__all__ = [
    "AppProxy",
    "BgtaskEvent",
    "ConsoleItem",
    "EventStream",
    "ExecuteStream",
    "ExecutionResult",
    "ExecutionStreamError",
    "InputHandler",
    "SSEEvent",
    "SSEStream",
    "SessionEvent",
    "StreamPty",
    "SyncEventStream",
    "SyncSSEStream",
    "WSMessage",
    "WSMsgType",
    "WebSocketClosedError",
    "WebSocketStream",
    "connect_websocket",
    "listen_bgtask_events",
    "listen_bgtask_events_sync",
    "listen_session_events",
    "listen_session_events_sync",
    "listen_sse",
    "listen_sse_sync",
    "serve_app_proxy",
    "stream_execute",
    "stream_pty",
    "websocket_handshake",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
