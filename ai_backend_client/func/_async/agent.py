"""Agents (GraphQL ``agent_list`` / ``agent``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from ..._graphql import PaginatedResult
from ._gql import MAX_PAGE_SIZE, check_page_size, gql, iterate_pages, not_found, page, run
from .base import AsyncFunction

__all__ = ["Agent", "AgentDetail", "AgentItem"]

AgentItem = gql.AgentListAgentListItems
AgentDetail = gql.AgentDetailAgent


class Agent(AsyncFunction):
    """Agent administration (superadmin)."""

    @classmethod
    async def paginated_list(
        cls,
        status: str = "ALIVE",
        scaling_group: str | None = None,
        *,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[AgentItem]:
        """One page of agents with the given status (``ALIVE``, ``LOST``, ``TERMINATED``...)."""
        check_page_size(page_size)
        result = await run(
            cls._session().graphql.agent_list,
            gql.AgentList,
            fields,
            ("agent_list", "items"),
            limit=page_size,
            offset=page_offset,
            status=status,
            scaling_group=scaling_group,
            filter=filter,
            order=order,
        )
        listing = result.agent_list
        return page(listing.items if listing else None, listing.total_count if listing else 0)

    @classmethod
    async def iter_all(
        cls,
        status: str = "ALIVE",
        scaling_group: str | None = None,
        *,
        fields: Sequence[str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        filter: str | None = None,
        order: str | None = None,
    ) -> AsyncIterator[AgentItem]:
        """Every agent, fetched lazily page by page."""
        pages = iterate_pages(
            lambda offset: cls.paginated_list(
                status,
                scaling_group,
                fields=fields,
                page_offset=offset,
                page_size=page_size,
                filter=filter,
                order=order,
            ),
            page_size,
        )
        async for item in pages:
            yield item

    @classmethod
    async def detail(cls, agent_id: str, fields: Sequence[str] | None = None) -> AgentDetail:
        """One agent (``NotFoundError`` if there is no such agent)."""
        result = await run(
            cls._session().graphql.agent_detail,
            gql.AgentDetail,
            fields,
            ("agent",),
            agent_id=agent_id,
        )
        if result.agent is None:
            raise not_found("agent", agent_id)
        return result.agent
