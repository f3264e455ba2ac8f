"""``backend.ai admin storage``, ``admin vfolder list``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from .._output import current, emit_item
from ._common import list_options, show_page

if TYPE_CHECKING:
    from ..._graphql import PaginatedResult

__all__ = ["storage", "vfolder"]

COLUMNS = [("id", "ID"), ("backend", "Backend"), ("capabilities", "Capabilities")]
INFO_COLUMNS = [
    *COLUMNS,
    ("path", "Path"),
    ("fsprefix", "FS Prefix"),
    ("hardware_metadata", "Hardware Metadata"),
    ("performance_metric", "Performance Metric"),
]


@click.group()
def storage() -> None:
    """Storage proxy administration commands."""


@storage.command(name="list")
@list_options
def list_volumes(
    filter_: str | None, order: str | None, offset: int, limit: int, all_: bool
) -> None:
    """List storage volumes."""
    with current().session() as api:
        show_page(
            lambda off, lim: api.Storage.paginated_list(
                page_offset=off, page_size=lim, filter=filter_, order=order
            ),
            lambda: api.Storage.iter_all(filter=filter_, order=order),
            COLUMNS,
            offset=offset,
            limit=limit,
            all_=all_,
        )


@storage.command()
@click.argument("vfolder_host")
def info(vfolder_host: str) -> None:
    """Show the information about the given storage volume."""
    with current().session() as api:
        emit_item(api.Storage.detail(vfolder_host), INFO_COLUMNS)


@click.group()
def vfolder() -> None:
    """VFolder administration commands."""


@vfolder.command(name="list")
@click.option("-g", "--group", default=None, help="Only folders of this group (project) ID.")
@list_options
def list_vfolders(
    group: str | None, filter_: str | None, order: str | None, offset: int, limit: int, all_: bool
) -> None:
    """List virtual folders (all of them for an admin)."""
    from ...func._sync._gql import gql, page, run

    columns = [
        ("name", "Name"),
        ("id", "ID"),
        ("host", "Host"),
        ("user_email", "Owner"),
        ("group_name", "Group"),
        ("ownership_type", "Ownership"),
        ("permission", "Permission"),
    ]
    with current().session() as api:

        def fetch(off: int, lim: int) -> PaginatedResult[Any]:
            variables = {"limit": lim, "offset": off, "group_id": group}
            variables.update({"filter": filter_, "order": order})
            listing = run(api, "v_folder_list", variables, gql.VFolderList).vfolder_list
            return page(listing.items if listing else None, listing.total_count if listing else 0)

        def every() -> Iterator[Any]:
            off = 0
            while True:
                chunk = fetch(off, 100)
                yield from chunk.items
                off += 100
                if not chunk.items or off >= chunk.total_count:
                    return

        show_page(fetch, every, columns, offset=offset, limit=limit, all_=all_)
