"""``backend.ai image``: the images of the cluster for users (the official 26.9.6 group):
``list`` (``--customized``: the images committed from sessions), ``forget``, ``purge``.
The administrators' image commands stay under ``admin image``."""

from __future__ import annotations

import click

from ._output import current, emit_list, emit_mutation
from .admin.image import COLUMNS

__all__ = ["image"]

_CUSTOMIZED_COLUMNS = [
    ("row_id", "ID"),
    ("name", "Name"),
    ("registry", "Registry"),
    ("architecture", "Architecture"),
    ("tag", "Tag"),
    ("size_bytes", "Size"),
]
_ARCH_HELP = "Set an explicit architecture."


@click.group()
def image() -> None:
    """Image commands."""


@image.command(name="list")
@click.option("--customized", is_flag=True, help="Get images customized by user only")
def list_(customized: bool) -> None:
    """Show the list of registered images in this cluster."""
    with current().session() as api:
        if customized:
            emit_list(api.Image.list_customized(), _CUSTOMIZED_COLUMNS)
        else:
            emit_list(api.Image.list(), COLUMNS)


@image.command()
@click.argument("reference_or_id", metavar="REFERENCE_OR_ID")
@click.option("--arch", help=_ARCH_HELP)
def forget(reference_or_id: str, arch: str | None) -> None:
    """Mark image as deleted from server. This command will only work for image customized by
    user unless callee has superadmin privileges.

    REFERENCE_OR_ID: Canonical string of image (<registry>/<project>/<name>:<tag>)
    """
    with current().session() as api:
        api.Image.forget_image(reference_or_id, arch)
    emit_mutation(True, f"Image forgotten: {reference_or_id}")


@image.command()
@click.argument("reference_or_id", metavar="REFERENCE_OR_ID")
@click.option("--arch", help=_ARCH_HELP)
@click.option("--remove-from-registry", is_flag=True, help="Remove image from registry.")
def purge(reference_or_id: str, arch: str | None, remove_from_registry: bool) -> None:
    """Delete image deleted from server. This command will only work for image customized by
    user unless callee has superadmin privileges.

    REFERENCE_OR_ID: Canonical string of image (<registry>/<project>/<name>:<tag>)
    """
    with current().session() as api:
        api.Image.purge_image(reference_or_id, arch, remove_from_registry=remove_from_registry)
    emit_mutation(True, f"Image purged: {reference_or_id}")
