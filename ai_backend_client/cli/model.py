"""``backend.ai model``: model folders (list, info, create, rm), with the official 26.9.6 names."""

from __future__ import annotations

import click

from ._output import (
    as_dict,
    current,
    emit_item,
    emit_json,
    emit_list,
    emit_mutation,
    item_envelope,
)

__all__ = ["model"]

LIST_COLUMNS = [
    ("id", "ID"),
    ("name", "Name"),
    ("created_at", "Created At"),
    ("permission", "Permission"),
    ("ownership_type", "Ownership"),
]
INFO_COLUMNS = [
    ("id", "ID"),
    ("name", "Name"),
    ("host", "Host"),
    ("status", "Status"),
    ("usage_mode", "Usage Mode"),
    ("permission", "Permission"),
    ("num_files", "Files"),
    ("created_at", "Created At"),
    ("versions", "Versions"),
]


@click.group()
def model() -> None:
    """Set of model operations"""


@model.command(name="list")
@click.option("--filter", "filter_", default=None, help="Set the query filter expression.")
@click.option("--order", default=None, help="Set the query ordering expression.")
@click.option("--offset", default=0, type=int, help="The index of the current page start.")
@click.option("--limit", default=20, type=int, help="The page size for pagination.")
def list_models(filter_: str | None, order: str | None, offset: int, limit: int) -> None:
    """List the models."""
    with current().session() as api:
        result = api.Model.paginated_list(
            page_offset=offset, page_size=limit, filter=filter_, order=order
        )
    emit_list([as_dict(i) for i in result.items], LIST_COLUMNS, total_count=result.total_count)


@model.command()
@click.argument("model_name", metavar="MODEL")
def info(model_name: str) -> None:
    """Display the detail of a model with its backing storage vfolder."""
    with current().session() as api:
        found = api.Model(model_name).info()
    row = {**as_dict(found.folder), "versions": found.versions}
    if current().json:
        emit_json(item_envelope(row))
    else:
        emit_item(row, INFO_COLUMNS)


@model.command()
@click.argument("name")
@click.argument("host", required=False)
@click.option("-g", "--group", metavar="GROUP", default=None, help="Group ID or NAME.")
@click.option(
    "--unmanaged",
    is_flag=True,
    help="Treats HOST as a mount point of unmanaged model (admins only).",
)
@click.option(
    "-p",
    "--permission",
    metavar="PERMISSION",
    type=click.Choice(["ro", "rw", "wd"]),
    default="rw",
    help="Folder's innate permission.",
)
@click.option(
    "-q",
    "--quota",
    metavar="QUOTA",
    default="0",
    help="Quota of the virtual folder (Use 'm' for megabytes, 'g' for gigabytes, and etc.).",
)
@click.option(
    "--cloneable", "--allow-clone", is_flag=True, help="Allows the folder to be cloned by users."
)
def create(
    name: str,
    host: str | None,
    group: str | None,
    unmanaged: bool,
    permission: str,
    quota: str,
    cloneable: bool,
) -> None:
    """Create a new model with the given configuration."""
    if unmanaged and not host:
        raise click.UsageError("--unmanaged needs HOST (the mount point of the model)")
    with current().session() as api:
        result = api.Model.create(
            name,
            host=None if unmanaged else host,
            unmanaged_path=host if unmanaged else None,
            group=group,
            permission=permission,  # type: ignore[arg-type]  # click.Choice checked it
            quota=quota,
            cloneable=cloneable,
        )
    emit_mutation(
        True, f"Model {result.name} ({result.id}) is created.", id=result.id, item=as_dict(result)
    )


@model.command()
@click.argument("model_name", metavar="MODEL")
def rm(model_name: str) -> None:
    """Remove the given model."""
    with current().session() as api:
        api.Model(model_name).delete()
    emit_mutation(True, f"Model {model_name} is deleted.")
