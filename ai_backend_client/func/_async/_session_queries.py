"""GraphQL reads of compute sessions, for ``ComputeSession`` and the ``ps``/``admin session`` CLI."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..._graphql import PaginatedResult
from ._gql import check_page_size, gql, not_found, page, run

if TYPE_CHECKING:
    from ..._session_core import AsyncSessionCore as AsyncSession

__all__ = ["SessionDetail", "SessionItem", "detail", "paginated_list"]

SessionItem = gql.ComputeSessionListComputeSessionListItems
SessionDetail = gql.ComputeSessionDetailComputeSession


async def paginated_list(
    session: AsyncSession,
    *,
    status: str | None = None,
    access_key: str | None = None,
    fields: Sequence[str] | None = None,
    page_offset: int = 0,
    page_size: int = 20,
    filter: str | None = None,
    order: str | None = None,
    group_id: str | None = None,
    domain_name: str | None = None,
) -> PaginatedResult[SessionItem]:
    """One page of compute sessions; ``status`` is a comma-joined list (``"RUNNING,PENDING"``)."""
    check_page_size(page_size)
    result = await run(
        session.graphql.compute_session_list,
        gql.ComputeSessionList,
        fields,
        ("compute_session_list", "items"),
        limit=page_size,
        offset=page_offset,
        status=status,
        access_key=access_key,
        domain_name=domain_name,
        group_id=group_id,
        filter=filter,
        order=order,
    )
    listing = result.compute_session_list
    return page(listing.items if listing else None, listing.total_count if listing else 0)


async def detail(
    session: AsyncSession, session_id: str | uuid.UUID, fields: Sequence[str] | None = None
) -> SessionDetail:
    """One compute session with its containers (by UUID)."""
    result = await run(
        session.graphql.compute_session_detail,
        gql.ComputeSessionDetail,
        fields,
        ("compute_session",),
        id=session_id,
    )
    if result.compute_session is None:
        raise not_found("compute session", session_id)
    return result.compute_session
