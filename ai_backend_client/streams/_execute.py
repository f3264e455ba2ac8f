"""The streaming-execute and terminal (PTY) protocols over a :class:`WebSocketStream`.

``GET /stream/session/{name}/execute``: the client sends one JSON frame ``{code, mode, options}``;
the server answers with result frames (``status``, ``console``, ``exitCode``, ...) until
``finished``; on ``waiting-input`` the client sends the raw input as a text frame.
``GET /stream/session/{name}/pty``: JSON control frames both ways; terminal input travels as
``{"type": "stdin", "chars": <base64>}`` and output as ``{"type": "out", "data": <base64>}``.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Final, Literal

import pydantic

from .._results import ConsoleItem, ExecutionResult
from ..exceptions import BackendClientError, ExecutionStreamError
from ._websocket import (
    NORMAL_CLOSE_CODES,
    WebSocketStream,
    WSMsgType,
    close_ws,
    closed_error,
    connect_websocket,
    snippet,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from .._session_core import AsyncSessionCore as AsyncSession
    from .._session_core import SessionCore as Session

__all__ = [
    "ConsoleItem",
    "ExecuteStream",
    "ExecutionResult",
    "InputHandler",
    "StreamPty",
    "stream_execute",
    "stream_pty",
]

log = logging.getLogger("ai_backend_client")


InputHandler = Callable[[ExecutionResult], "str | Awaitable[str]"]

_EXECUTE_MODES: Final = ("query", "batch")


class _OnWebSocket:
    """A protocol over one WebSocket (``ws``); closing it closes the socket, always."""

    ws: WebSocketStream

    async def close(self) -> None:
        await close_ws(self.ws)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class ExecuteStream(_OnWebSocket):
    """A streaming execution: the socket is one run, so no run ID is exchanged.

    Iterating yields each :class:`ExecutionResult` frame and ends after the ``finished`` one. On
    ``waiting-input`` the frame is yielded and the caller answers with :meth:`send_input` (or an
    ``input_handler`` answers automatically). ``error`` and ``server-restarting`` frames raise
    :class:`ExecutionStreamError`.
    """

    def __init__(self, ws: WebSocketStream, *, input_handler: InputHandler | None = None) -> None:
        self.ws = ws
        self._input_handler = input_handler
        self._finished = False

    async def start(
        self, code: str, mode: str = "query", options: Mapping[str, object] | None = None
    ) -> None:
        """Send the first frame ``{code, mode, options}``."""
        await self.ws.send_json({"code": code, "mode": mode, "options": dict(options or {})})

    async def send_input(self, text: str) -> None:
        """Answer a ``waiting-input`` frame: the raw text is sent as a text frame (not JSON)."""
        await self.ws.send_text(text)

    async def next_result(self, timeout: float | None = None) -> ExecutionResult | None:
        """The next frame, or ``None`` once the run has finished (or the socket closed cleanly)."""
        if self._finished:
            return None
        msg = await self.ws.receive(timeout)
        if msg.type == WSMsgType.CLOSED:
            self._finished = True
            code = self.ws.close_code
            if code is not None and code not in NORMAL_CLOSE_CODES:
                raise closed_error(self.ws)
            return None
        try:
            result = ExecutionResult.model_validate(msg.json())
        except pydantic.ValidationError as e:
            raise BackendClientError(
                f"malformed execution frame {snippet(msg.data)!r}: {e}"
            ) from None
        if result.status in ("error", "server-restarting"):
            self._finished = True
            raise ExecutionStreamError(result)
        if result.is_finished:
            self._finished = True
        return result

    def __aiter__(self) -> AsyncIterator[ExecutionResult]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[ExecutionResult]:
        while True:
            result = await self.next_result()
            if result is None:
                return
            yield result
            if result.is_waiting_input and self._input_handler is not None:
                answer = self._input_handler(result)
                if not isinstance(answer, str):
                    answer = await answer
                await self.send_input(answer)


@contextlib.asynccontextmanager
async def stream_execute(
    session: AsyncSession | Session,
    session_ref: str,
    code: str = "",
    *,
    mode: Literal["query", "batch"] = "query",
    options: Mapping[str, object] | None = None,
    params: Mapping[str, str] | None = None,
    input_handler: InputHandler | None = None,
) -> AsyncGenerator[ExecuteStream, None]:
    """Open ``GET /stream/session/{session_ref}/execute`` and send the first frame.

    ``session_ref`` is the session's UUID or name. ``options`` for ``batch``: ``clean``,
    ``build``, ``exec`` (shell commands, ``"*"`` for the default), ``buildLog``.
    """
    if mode not in _EXECUTE_MODES:
        raise BackendClientError(
            f"streaming execution supports only the modes query and batch, not {mode!r}"
        )
    path = session.stream_paths.stream_execute_path(session_name=session_ref)
    async with connect_websocket(session, path, params) as ws:
        stream = ExecuteStream(ws, input_handler=input_handler)
        await stream.start(code, mode, options)
        yield stream


# ------------------------------------------------------------------------------------------------
# Terminal (PTY)
# ------------------------------------------------------------------------------------------------
class StreamPty(_OnWebSocket):
    """A terminal of a session: iterate for output bytes; control frames are JSON text."""

    def __init__(self, ws: WebSocketStream) -> None:
        self.ws = ws

    async def send_stdin(self, data: str | bytes) -> None:
        """Type *data* (text is UTF-8 encoded); the protocol carries it base64-encoded."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        await self.ws.send_json({"type": "stdin", "chars": base64.b64encode(raw).decode("ascii")})

    async def resize(self, rows: int, cols: int) -> None:
        await self.ws.send_json({"type": "resize", "rows": int(rows), "cols": int(cols)})

    async def ping(self) -> None:
        await self.ws.send_json({"type": "ping"})

    async def restart(self) -> None:
        """Restart the kernel behind the terminal."""
        await self.ws.send_json({"type": "restart"})

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        async for msg in self.ws:
            try:
                frame = msg.json()
            except BackendClientError:
                log.debug("ignoring a non-JSON PTY frame")
                continue
            if frame.get("type") != "out":
                continue
            data = frame.get("data")
            if not isinstance(data, str):
                continue
            try:
                yield base64.b64decode(data)
            except ValueError:
                raise BackendClientError("the terminal sent output that is not base64") from None

    async def iter_text(self, encoding: str = "utf-8") -> AsyncIterator[str]:
        """The output as text; multi-byte characters split across frames are joined."""
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        async for chunk in self:
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail


@contextlib.asynccontextmanager
async def stream_pty(
    session: AsyncSession | Session, session_ref: str, params: Mapping[str, str] | None = None
) -> AsyncGenerator[StreamPty, None]:
    """Open ``GET /stream/session/{session_ref}/pty``."""
    path = session.stream_paths.stream_pty_path(session_name=session_ref)
    async with connect_websocket(session, path, params) as ws:
        yield StreamPty(ws)
