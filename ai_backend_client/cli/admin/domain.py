"""``backend.ai admin domain``."""

from __future__ import annotations

import click

from .._output import current, emit_item, emit_list
from ._common import mutation_done, slot_and_host_options, slot_and_host_values

__all__ = ["domain"]

COLUMNS = [
    ("name", "Name"),
    ("description", "Description"),
    ("is_active", "Active?"),
    ("created_at", "Created At"),
    ("total_resource_slots", "Total Resource Slots"),
    ("allowed_vfolder_hosts", "Allowed vfolder hosts"),
    ("allowed_docker_registries", "Allowed docker registries"),
]


@click.group()
def domain() -> None:
    """Domain administration commands."""


@domain.command(name="list")
def list_domains() -> None:
    """List and manage domains."""
    with current().session() as api:
        emit_list(api.Domain.list(), COLUMNS)


@domain.command()
@click.argument("name")
def info(name: str) -> None:
    """Show the information about the given domain."""
    with current().session() as api:
        emit_item(api.Domain.detail(name), COLUMNS)


@domain.command()
@click.argument("name")
@click.option("-d", "--description", default="", help="Description of new domain")
@click.option("-i", "--inactive", is_flag=True, help="New domain will be inactive.")
@slot_and_host_options(registries=True)
def add(
    name: str,
    description: str,
    inactive: bool,
    total_resource_slots: str | None,
    allowed_vfolder_hosts: tuple[str, ...],
    allowed_docker_registries: tuple[str, ...],
) -> None:
    """Add a new domain."""
    with current().session() as api:
        api.Domain.create(
            name,
            description,
            not inactive,
            **slot_and_host_values(
                api.negotiated_version.major, total_resource_slots, allowed_vfolder_hosts
            ),
            allowed_docker_registries=list(allowed_docker_registries) or None,
        )
    mutation_done(None, f"Domain {name} created.")


@domain.command()
@click.argument("name")
@click.option("--new-name", default=None)
@click.option("-d", "--description", default=None)
@click.option("--is-active", type=bool, default=None)
@slot_and_host_options(registries=True)
def update(
    name: str,
    new_name: str | None,
    description: str | None,
    is_active: bool | None,
    total_resource_slots: str | None,
    allowed_vfolder_hosts: tuple[str, ...],
    allowed_docker_registries: tuple[str, ...],
) -> None:
    """Update an existing domain."""
    with current().session() as api:
        api.Domain.update(
            name,
            new_name,
            description,
            is_active,
            **slot_and_host_values(
                api.negotiated_version.major, total_resource_slots, allowed_vfolder_hosts
            ),
            allowed_docker_registries=list(allowed_docker_registries) or None,
        )
    mutation_done(None, f"Domain {name} updated.")


@domain.command()
@click.argument("name")
def delete(name: str) -> None:
    """Inactive an existing domain."""
    with current().session() as api:
        api.Domain.delete(name)
    mutation_done(None, f"Domain {name} deleted.")


@domain.command()
@click.argument("name")
def purge(name: str) -> None:
    """Delete an existing domain."""
    with current().session() as api:
        api.Domain.purge(name)
    mutation_done(None, f"Domain {name} purged.")
