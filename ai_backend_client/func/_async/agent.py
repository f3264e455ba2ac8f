"""Agents (GraphQL ``agent_list`` / ``agent``)."""

from __future__ import annotations

from collections.abc import Sequence

from ..._graphql import PaginatedResult
from ._gql import check_page_size, gql, not_found, page, pager, run
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

    iter_all = pager(paginated_list)

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
