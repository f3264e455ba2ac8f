"""Static types of the asyncio API as a user writes it (type-checked only, never run).

Every ``assert_type`` fails mypy --strict / pyright strict if the expression's type changes,
including a silent regression to ``Any``. Nothing here is called; pytest does not collect it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from typing_extensions import assert_type

from ai_backend_client import AsyncSession
from ai_backend_client import types as models
from ai_backend_client._graphql import PaginatedResult
from ai_backend_client.func._async.agent import AgentItem
from ai_backend_client.func._async.compute_session import ComputeSession
from ai_backend_client.func._async.keypair import KeyPairItem
from ai_backend_client.func._async.vfolder import VFolder


async def check_session_context_manager() -> None:
    async with AsyncSession() as session:
        assert_type(session, AsyncSession)
        assert_type(session.closed, bool)


async def check_compute_session() -> None:
    async with AsyncSession() as session:
        kern = await session.ComputeSession.get_or_create("python", name="typing-check")
        assert_type(kern, ComputeSession)
        assert_type(kern.id, uuid.UUID | None)

        result = await kern.execute(None, 'print("hello")', mode="query")
        assert_type(result, models.ExecutionResult)
        assert_type(result.console, list[list[Any]])
        assert_type(result.records, list[models.ConsoleItem])
        assert_type(result.stdout, str)
        assert_type(result.stderr, str)
        assert_type(result.is_finished, bool)
        assert_type(result["console"], Any)

        info = await kern.get_info()
        assert_type(info, models.SessionInfo)
        assert_type(info.status, str)

        destroyed = await kern.destroy()
        assert_type(destroyed, models.DestroySessionResponse)


async def check_vfolder() -> None:
    async with AsyncSession() as session:
        folders = await session.VFolder.list()
        assert_type(folders, list[models.VFolderListItem])
        folder = session.VFolder("data")
        assert_type(folder, VFolder)
        assert_type(await folder.info(), models.VFolderInfo)


async def check_pages() -> None:
    async with AsyncSession() as session:
        keypairs = await session.KeyPair.paginated_list(page_offset=0, page_size=10)
        assert_type(keypairs, PaginatedResult[KeyPairItem])
        assert_type(keypairs.total_count, int)
        assert_type(session.KeyPair.iter_all(), AsyncIterator[KeyPairItem])
        # the one pager keeps paginated_list's parameters (ParamSpec)
        assert_type(
            session.KeyPair.iter_all(True, user_id="u@example.com", page_size=50),
            AsyncIterator[KeyPairItem],
        )
        async for keypair in session.KeyPair.iter_all():
            assert_type(keypair, KeyPairItem)

        agents = await session.Agent.paginated_list("ALIVE")
        assert_type(agents, PaginatedResult[AgentItem])
        assert_type(agents.items, list[AgentItem])
        assert_type(session.Agent.iter_all(), AsyncIterator[AgentItem])


async def check_admin_query() -> None:
    async with AsyncSession() as session:
        data = await session.Admin.query("query { agents { id } }")
        assert_type(data, dict[str, Any])


async def check_wire_client() -> None:
    async with AsyncSession() as session:
        info = await session.wire.session.get_info(session_name="typing-check")
        assert_type(info, models.SessionInfo)
