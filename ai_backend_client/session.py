"""Client sessions: ``Session`` (blocking) and ``AsyncSession`` (asyncio).

Opening a session negotiates the API version with the server (``_session_core``) and opens the
generated clients of that version. The seed's function classes (``session.ComputeSession``,
``session.VFolder``, ...) are attributes bound to the session, listed once in
``func.FUNCTION_CLASSES``.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from ._session_core import AsyncSessionCore, BaseSession, SessionCore, api_session
from .func._bound import AsyncFunctions, SyncFunctions

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncSession", "BaseSession", "Session", "api_session"]


class Session(SyncFunctions, SessionCore):
    """A blocking API session. Use it as a context manager::

    with Session() as session:
        print(session.System.get_versions())
    """

    def __enter__(self) -> Self:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncSession(AsyncFunctions, AsyncSessionCore):
    """An asyncio API session. Use it as an async context manager::

    async with AsyncSession() as session:
        print(await session.System.get_versions())
    """

    async def __aenter__(self) -> Self:
        try:
            await self.open()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
