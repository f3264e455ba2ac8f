"""A blocking ``Session`` cannot open WebSocket streams: the call itself is a type error.

Every marked line must stay an error: mypy (``warn_unused_ignores``) and pyright
(``reportUnnecessaryTypeIgnoreComment``) fail when an ignore is no longer needed.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from ai_backend_client import AsyncSession, Session


def check_sync_websocket_streams_are_rejected() -> None:
    with Session() as session:
        kern = session.ComputeSession.get_or_create("python")
        kern.stream_execute("print(1)")  # type: ignore[misc]
        kern.stream_pty()  # type: ignore[misc]
        kern.stream_proxy("jupyter")  # type: ignore[misc]
        with kern.listen_events() as events:  # SSE works on a blocking session
            for event in events:
                print(event.event)


async def check_async_websocket_streams_are_accepted() -> None:
    async with AsyncSession() as session:
        kern = await session.ComputeSession.get_or_create("python")
        async with kern.stream_execute("print(1)") as stream:
            async for result in stream:
                print(result.stdout)
        async with kern.stream_pty() as pty:
            await pty.send_stdin("ls\n")
        async with kern.stream_proxy("jupyter", port=0) as proxy:
            print(proxy.port)
