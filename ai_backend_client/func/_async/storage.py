"""Storage volumes (GraphQL ``storage_volume_list`` / ``storage_volume``, superadmin)."""

from __future__ import annotations

from collections.abc import Sequence

from ..._graphql import PaginatedResult
from ._gql import check_page_size, gql, not_found, page, pager, run
from .base import AsyncFunction

__all__ = ["Storage", "StorageDetail", "StorageItem"]

StorageItem = gql.StorageVolumeListStorageVolumeListItems
StorageDetail = gql.StorageVolumeDetailStorageVolume


class Storage(AsyncFunction):
    """Storage volumes served by the storage proxies."""

    @classmethod
    async def paginated_list(
        cls,
        status: str = "ALIVE",
        *,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[StorageItem]:
        """One page of storage volumes (``status`` is accepted for the seed's sake; unused)."""
        check_page_size(page_size)
        result = await run(
            cls._session().graphql.storage_volume_list,
            gql.StorageVolumeList,
            fields,
            ("storage_volume_list", "items"),
            limit=page_size,
            offset=page_offset,
            filter=filter,
            order=order,
        )
        listing = result.storage_volume_list
        return page(listing.items if listing else None, listing.total_count if listing else 0)

    iter_all = pager(paginated_list)

    @classmethod
    async def detail(cls, vfolder_host: str, fields: Sequence[str] | None = None) -> StorageDetail:
        """One volume (``proxy:volume``)."""
        result = await run(
            cls._session().graphql.storage_volume_detail,
            gql.StorageVolumeDetail,
            fields,
            ("storage_volume",),
            id=vfolder_host,
        )
        if result.storage_volume is None:
            raise not_found("storage volume", vfolder_host)
        return result.storage_volume
