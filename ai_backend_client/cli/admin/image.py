"""``backend.ai admin image``."""

from __future__ import annotations

import click

from .._output import current, emit_list
from ._common import mutation_done

__all__ = ["image"]

COLUMNS = [
    ("name", "Name"),
    ("registry", "Registry"),
    ("architecture", "Architecture"),
    ("tag", "Tag"),
    ("digest", "Digest"),
    ("size_bytes", "Size"),
    ("aliases", "Aliases"),
]


@click.group()
def image() -> None:
    """Image administration commands."""


@image.command(name="list")
@click.option("--operation", is_flag=True, help="Show the operational images.")
def list_images(operation: bool) -> None:
    """Show the list of registered images in this cluster."""
    with current().session() as api:
        emit_list(api.Image.list(operation), COLUMNS)


@image.command()
@click.option("-r", "--registry", default=None, help="Only this registry.")
def rescan(registry: str | None) -> None:
    """Update the kernel image metadata from all configured docker registries."""
    with current().session() as api:
        result = api.Image.rescan_images(registry)
    mutation_done(result, f"Rescan started (task {result.task_id}).", task_id=result.task_id)


@image.command()
@click.argument("alias")
@click.argument("target")
@click.option("--arch", default=None, help="Architecture of the target image.")
def alias(alias: str, target: str, arch: str | None) -> None:
    """Add an image alias."""
    with current().session() as api:
        api.Image.alias_image(alias, target, arch)
    mutation_done(None, f"Alias {alias} -> {target} created.")


@image.command()
@click.argument("alias")
def dealias(alias: str) -> None:
    """Remove an image alias."""
    with current().session() as api:
        api.Image.dealias_image(alias)
    mutation_done(None, f"Alias {alias} removed.")
