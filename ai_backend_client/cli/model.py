"""``backend.ai model``: model folders (list, info, create, rm), with the official 26.9.6 names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ._output import (
    as_dict,
    current,
    emit_item,
    emit_json,
    emit_list,
    emit_mutation,
    item_envelope,
    partial_failure,
)
from ._transfers import (
    address_map,
    basedir_option,
    chunk_option,
    override_option,
    parallel_option,
    progress_bars,
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


@model.command()
@click.argument("model_name", metavar="MODEL")
@click.argument("filenames", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.argument("model_version", metavar="MODEL_VER")
@basedir_option
@chunk_option
@override_option
@parallel_option
def upload(
    model_name: str,
    filenames: Sequence[Path],
    model_version: str,
    basedir: Path | None,
    chunk_size: int,
    override: str | None,
    max_parallel: int,
) -> None:
    """Upload a file to the model as the given version. The files with the same names will be
    overwritten.

    \b
    MODEL: The model name or ID
    FILENAMES: The uploaded files paths relative to the current working directory (or -b)
    MODEL_VER: The version; the files go to versions/MODEL_VER/ of the model folder
    """
    from ..func._async.model import version_dir
    from ..transfer import plan_uploads

    version_dir(model_version)  # refuse a bad version before anything moves
    items = plan_uploads(filenames, basedir)  # and check every local path
    total = sum(i.size for i in items)
    with (
        partial_failure("Uploaded", model_name),
        current().session() as api,
        progress_bars(total, f"Uploading to {model_name} version {model_version}") as progress,
    ):
        written = api.Model(model_name).upload(
            filenames,
            model_version,
            basedir=basedir,
            chunk_size=chunk_size,
            address_map=address_map(override),
            progress=progress,
            max_parallel=max_parallel,
        )
    emit_mutation(
        True,
        f"Uploaded {len(written)} file(s) ({total} bytes) to {model_name!r} as version "
        f"{model_version!r}.",
        files=written,
    )


@model.command()
@click.argument("model_name", metavar="MODEL_NAME")
@click.argument("filenames", nargs=-1, required=True)
@click.argument("model_version", metavar="MODEL_VER")
@basedir_option
@chunk_option
@override_option
@click.option(
    "--max-retries",
    type=click.IntRange(0, 100),
    default=20,
    show_default=True,
    help="Maximum retry attempt when any failure occurs.",
)
@click.option("--overwrite", is_flag=True, help="Replace local files that already exist.")
@parallel_option
def download(
    model_name: str,
    filenames: Sequence[str],
    model_version: str,
    basedir: Path | None,
    chunk_size: int,
    override: str | None,
    max_retries: int,
    overwrite: bool,
    max_parallel: int,
) -> None:
    """Download a file from the model storage.

    \b
    MODEL_NAME: The model name or ID
    FILENAMES: The file paths in versions/MODEL_VER/ of the model folder to download to the
               current working directory (or -b); existing files are kept unless --overwrite
    MODEL_VER: The version
    """
    with (
        partial_failure("Downloaded", model_name),
        current().session() as api,
        progress_bars(None, f"Downloading from {model_name} version {model_version}") as progress,
    ):
        paths = api.Model(model_name).download(
            filenames,
            model_version,
            basedir=basedir,
            chunk_size=chunk_size,
            address_map=address_map(override),
            overwrite=overwrite,
            progress=progress,
            max_parallel=max_parallel,
            max_retries=max_retries,
        )
    emit_mutation(
        True,
        f"Downloaded {len(paths)} file(s) of {model_name!r} version {model_version!r}.",
        files=[str(p) for p in paths],
    )
