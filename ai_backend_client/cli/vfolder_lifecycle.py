"""``backend.ai vfolder`` commands of the folder lifecycle that 24.09 added: the trash bin
(``restore``, ``recover``, ``delete-trash``, ``purge``) and the folder lists by relation
(``list-own``, ``list-invited``, ``list-project``). Registered on the ``vfolder`` group by
``cli/vfolder.py``; a 22.03 server is refused by the SDK, naming the version needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ._output import current, emit_list, emit_mutation

if TYPE_CHECKING:
    from .._graphql import PaginatedResult

__all__ = [
    "delete_trash",
    "list_invited",
    "list_own",
    "list_project",
    "purge",
    "recover",
    "restore",
]


# -- the trash bin (24.09 and later) -------------------------------------------------------
@click.command()
@click.argument("name")
def restore(name: str) -> None:
    """Restore the given virtual folder from deleted status, from trash bin.

    NAME: Name of a virtual folder.
    """
    with current().session() as api:
        api.VFolder(name).restore()
    emit_mutation(True, f"Restored virtual folder {name!r} from the trash bin.")


@click.command()
@click.argument("name")
def recover(name: str) -> None:
    """Restore the given virtual folder from deleted status, Deprecated since 24.03.1; use
    `restore`

    NAME: Name of a virtual folder.
    """
    with current().session() as api:
        api.VFolder(name).recover()
    emit_mutation(True, f"Restored virtual folder {name!r} from the trash bin.")


@click.command(name="delete-trash")
@click.argument("name")
def delete_trash(name: str) -> None:
    """Delete the given virtual folder's real data. The virtual folder should be under
    `delete-pending` status, which means trash-bin. This operation is irreversible!

    NAME: Name of a virtual folder.
    """
    with current().session() as api:
        api.VFolder(name).delete_trash()
    emit_mutation(True, f"Deleted the data of virtual folder {name!r} from the trash bin.")


@click.command()
@click.argument("name")
def purge(name: str) -> None:
    """Purge the given virtual folder. This operation is irreversible!

    NAME: Name of a virtual folder.
    """
    with current().session() as api:
        api.VFolder(name).purge()
    emit_mutation(True, f"Purged virtual folder {name!r}.")


# -- folder lists by relation (24.09 and later) --------------------------------------------
_RELATION_COLUMNS = [
    "name",
    "id",
    "host",
    "status",
    "usage_mode",
    "permission",
    "ownership_type",
    "user_email",
    "group_name",
    "created_at",
]


def _page_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option("--filter", "filter_", help="Set the query filter expression."),
            click.option("--order", help="Set the query ordering expression."),
            click.option(
                "--offset",
                type=int,
                default=0,
                help="The index of the current page start for pagination.",
            ),
            click.option("--limit", type=int, default=20, help="The page size for pagination."),
        ]
    ):
        command = option(command)
    return command


def _emit_relation(result: PaginatedResult[Any]) -> None:
    emit_list(result.items, _RELATION_COLUMNS, total_count=result.total_count)


@click.command(name="list-own")
@_page_options
def list_own(filter_: str | None, order: str | None, offset: int, limit: int) -> None:
    """List own virtual folders."""
    with current().session() as api:
        result = api.VFolder.paginated_own_list(
            page_offset=offset, page_size=limit, filter=filter_, order=order
        )
    _emit_relation(result)


@click.command(name="list-invited")
@_page_options
def list_invited(filter_: str | None, order: str | None, offset: int, limit: int) -> None:
    """List invited virtual folders."""
    with current().session() as api:
        result = api.VFolder.paginated_invited_list(
            page_offset=offset, page_size=limit, filter=filter_, order=order
        )
    _emit_relation(result)


@click.command(name="list-project")
@_page_options
def list_project(filter_: str | None, order: str | None, offset: int, limit: int) -> None:
    """List project virtual folders."""
    with current().session() as api:
        result = api.VFolder.paginated_project_list(
            page_offset=offset, page_size=limit, filter=filter_, order=order
        )
    _emit_relation(result)
