"""The low-level request API of the 22.03 SDK (``Request``): for calls the spec does not cover.

::

    with Session() as sess:
        rqst = Request("GET", "/auth/role")
        with rqst.fetch() as resp:
            print(resp.json())

    async with AsyncSession() as sess:
        async with Request("GET", "/").fetch() as resp:
            print(await resp.json())

The request uses the session most recently entered in the current context (or the one passed
as ``session=``), is signed like every other call and raises ``BackendAPIError`` on non-2xx.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from types import TracebackType
from typing import IO, Any, NamedTuple

import httpx

from ._types import NOT_GIVEN, FileTypes
from .exceptions import BackendClientError
from .session import AsyncSession, BaseSession, Session, api_session

__all__ = ["AsyncResponse", "AttachedFile", "FetchContextManager", "Request", "Response"]


class AttachedFile(NamedTuple):
    """A file part of a multipart request: ``filename`` may contain ``/`` (server creates dirs)."""

    filename: str
    stream: IO[bytes] | bytes
    content_type: str


class Response:
    """The answer of :meth:`Request.fetch` in a blocking session."""

    def __init__(self, raw: httpx.Response) -> None:
        self.raw = raw

    @property
    def status(self) -> int:
        return self.raw.status_code

    @property
    def reason(self) -> str:
        return self.raw.reason_phrase

    @property
    def headers(self) -> httpx.Headers:
        return self.raw.headers

    @property
    def content_type(self) -> str:
        return str(self.raw.headers.get("Content-Type", "")).split(";", 1)[0].strip()

    def read(self) -> bytes:
        return self.raw.read()

    def text(self) -> str:
        self.raw.read()
        text: str = self.raw.text
        return text

    def json(self) -> Any:
        return jsonlib.loads(self.raw.read())

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return self.raw.iter_bytes(chunk_size)


# A deliberate sync/async pair with Response above (the seed's two flavours; coroutines here).
class AsyncResponse:
    """The answer of :meth:`Request.fetch` in an async session (methods are coroutines)."""

    def __init__(self, raw: httpx.Response) -> None:
        self.raw = raw

    @property
    def status(self) -> int:
        return self.raw.status_code

    @property
    def reason(self) -> str:
        return self.raw.reason_phrase

    @property
    def headers(self) -> httpx.Headers:
        return self.raw.headers

    @property
    def content_type(self) -> str:
        return str(self.raw.headers.get("Content-Type", "")).split(";", 1)[0].strip()

    async def read(self) -> bytes:
        return await self.raw.aread()

    async def text(self) -> str:
        await self.raw.aread()
        text: str = self.raw.text
        return text

    async def json(self) -> Any:
        return jsonlib.loads(await self.raw.aread())

    def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        return self.raw.aiter_bytes(chunk_size)


class Request:
    """One API request; build it, set its content, then ``fetch()`` it."""

    def __init__(
        self,
        method: str = "GET",
        path: str = "/",
        content: bytes | str | Mapping[str, Any] | Sequence[Any] | None = None,
        *,
        content_type: str | None = None,
        params: Mapping[str, Any] | None = None,
        override_api_version: str | None = None,
        session: BaseSession | None = None,
    ) -> None:
        self.method: str = method.upper()
        self.path: str = path if path.startswith("/") else "/" + path
        self.params: dict[str, Any] | None = dict(params) if params else None
        self.headers: dict[str, str] = {}
        self.override_api_version = override_api_version
        self._session = session
        self._json: Any = NOT_GIVEN
        self._content: bytes | None = None
        self._files: list[tuple[str, FileTypes]] | None = None
        if content is not None:
            self.set_content(content, content_type=content_type)

    @property
    def content(self) -> Any:
        """The content as it was set (JSON value, bytes, or ``None``)."""
        if self._json is not NOT_GIVEN:
            return self._json
        return self._content

    def set_content(
        self,
        value: bytes | str | Mapping[str, Any] | Sequence[Any],
        *,
        content_type: str | None = None,
    ) -> None:
        """Set the body; strings are ``text/plain``, bytes ``application/octet-stream``."""
        self._json = NOT_GIVEN
        self._files = None
        if isinstance(value, (Mapping, list, tuple)):
            self.set_json(value)
            return
        if isinstance(value, str):
            self._content = value.encode()
            self.headers["Content-Type"] = content_type or "text/plain"
        else:
            self._content = bytes(value)  # type: ignore[arg-type]  # bytes-like by the branch above
            self.headers["Content-Type"] = content_type or "application/octet-stream"

    def set_json(self, value: Any) -> None:
        self._content = None
        self._files = None
        self._json = value
        self.headers["Content-Type"] = "application/json"

    def attach_files(self, files: Sequence[AttachedFile]) -> None:
        """Send *files* as ``multipart/form-data`` parts named ``src``."""
        self._json = NOT_GIVEN
        self._content = None
        self.headers.pop("Content-Type", None)
        self._files = [("src", (f.filename, f.stream, f.content_type)) for f in files]

    def _resolve_session(self) -> BaseSession:
        if self._session is not None:
            return self._session
        try:
            return api_session.get()
        except LookupError:
            raise BackendClientError(
                "Request.fetch() needs an open Session or AsyncSession (use it inside `with Session():`)"
            ) from None

    def fetch(self, *, timeout: float | None = None) -> FetchContextManager:
        """Send the request; use ``with`` in a ``Session`` and ``async with`` in an ``AsyncSession``."""
        return FetchContextManager(self, self._resolve_session(), timeout)

    def send_kwargs(self, timeout: float | None) -> dict[str, Any]:
        """The keyword arguments for the core client's ``stream`` call."""
        headers = dict(self.headers)
        if self.override_api_version:
            headers["X-BackendAI-Version"] = self.override_api_version
        return {
            "params": self.params,
            "json": self._json,
            "files": self._files,
            "content": self._content,
            "headers": headers,
            "timeout": NOT_GIVEN if timeout is None else timeout,
        }


class FetchContextManager(
    AbstractContextManager[Response], AbstractAsyncContextManager[AsyncResponse]
):
    """Returned by :meth:`Request.fetch`; works with ``with`` and ``async with``."""

    def __init__(self, request: Request, session: BaseSession, timeout: float | None) -> None:
        self._request = request
        self._session = session
        self._timeout = timeout
        self._sync_cm: AbstractContextManager[httpx.Response] | None = None
        self._async_cm: AbstractAsyncContextManager[httpx.Response] | None = None

    def __enter__(self) -> Response:
        if not isinstance(self._session, Session):
            raise BackendClientError("use `async with rqst.fetch()` in an AsyncSession")
        rq = self._request
        self._sync_cm = self._session.core.stream(
            rq.method, rq.path, **rq.send_kwargs(self._timeout)
        )
        return Response(self._sync_cm.__enter__())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._sync_cm is not None:
            self._sync_cm.__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> AsyncResponse:
        if not isinstance(self._session, AsyncSession):
            raise BackendClientError("use `with rqst.fetch()` in a blocking Session")
        rq = self._request
        self._async_cm = self._session.core.stream(
            rq.method, rq.path, **rq.send_kwargs(self._timeout)
        )
        return AsyncResponse(await self._async_cm.__aenter__())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._async_cm is not None:
            await self._async_cm.__aexit__(exc_type, exc, tb)
