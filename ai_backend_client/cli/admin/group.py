"""``backend.ai admin group``."""

from __future__ import annotations

import uuid

import click

from .._output import current, emit_item, emit_list
from ._common import mutation_done, slot_and_host_options, slot_and_host_values

__all__ = ["group"]

COLUMNS = [
    ("id", "ID"),
    ("name", "Name"),
    ("description", "Description"),
    ("is_active", "Active?"),
    ("created_at", "Created At"),
    ("domain_name", "Domain"),
    ("total_resource_slots", "Total Resource Slots"),
    ("allowed_vfolder_hosts", "Allowed vfolder hosts"),
]


@click.group()
def group() -> None:
    """User group (project) administration commands"""


@group.command(name="list")
@click.option("-d", "--domain-name", default=None, help="Domain (the requester's by default).")
def list_groups(domain_name: str | None) -> None:
    """List groups in the given domain."""
    with current().session() as api:
        emit_list(api.Group.list(domain_name), COLUMNS)


@group.command()
@click.argument("id_or_name")
@click.option("-d", "--domain", default=None)
def info(id_or_name: str, domain: str | None) -> None:
    """Show the information about the group(s) having the given name (or ID)."""
    with current().session() as api:
        try:
            gid = uuid.UUID(id_or_name)
        except ValueError:
            emit_list(api.Group.from_name(id_or_name, domain), COLUMNS)
            return
        emit_item(api.Group.detail(gid), COLUMNS)


@group.command()
@click.argument("domain_name")
@click.argument("name")
@click.option("-d", "--description", default="", help="Description of new group.")
@click.option("-i", "--inactive", is_flag=True, help="New group will be inactive.")
@slot_and_host_options(registries=False)
def add(
    domain_name: str,
    name: str,
    description: str,
    inactive: bool,
    total_resource_slots: str | None,
    allowed_vfolder_hosts: tuple[str, ...],
) -> None:
    """Add new group. A group must belong to a domain, so DOMAIN_NAME should be provided."""
    with current().session() as api:
        result = api.Group.create(
            domain_name,
            name,
            description,
            not inactive,
            **slot_and_host_values(
                api.negotiated_version.major, total_resource_slots, allowed_vfolder_hosts
            ),
        )
    created = result.group
    mutation_done(result, f"Group {name} created.", id=str(created.id) if created else None)


@group.command()
@click.argument("gid")
@click.option("-n", "--name", default=None)
@click.option("-d", "--description", default=None)
@click.option("--is-active", type=bool, default=None)
@slot_and_host_options(registries=False)
def update(
    gid: str,
    name: str | None,
    description: str | None,
    is_active: bool | None,
    total_resource_slots: str | None,
    allowed_vfolder_hosts: tuple[str, ...],
) -> None:
    """Update an existing group. Domain name is not necessary since group ID is unique."""
    with current().session() as api:
        api.Group.update(
            gid,
            name,
            description,
            is_active,
            **slot_and_host_values(
                api.negotiated_version.major, total_resource_slots, allowed_vfolder_hosts
            ),
        )
    mutation_done(None, f"Group {gid} updated.")


@group.command()
@click.argument("gid")
def delete(gid: str) -> None:
    """Inactivates the existing group. Does not actually delete it for safety."""
    with current().session() as api:
        api.Group.delete(gid)
    mutation_done(None, f"Group {gid} deleted.")


@group.command()
@click.argument("gid")
def purge(gid: str) -> None:
    """Delete the existing group. This action cannot be undone."""
    with current().session() as api:
        api.Group.purge(gid)
    mutation_done(None, f"Group {gid} purged.")


@group.command(name="add-users")
@click.argument("gid")
@click.argument("user_uuids", nargs=-1, required=True)
def add_users(gid: str, user_uuids: tuple[str, ...]) -> None:
    """Add users to a group."""
    with current().session() as api:
        api.Group.add_users(gid, user_uuids)
    mutation_done(None, f"Users added to group {gid}.")


@group.command(name="remove-users")
@click.argument("gid")
@click.argument("user_uuids", nargs=-1, required=True)
def remove_users(gid: str, user_uuids: tuple[str, ...]) -> None:
    """Remove users from a group."""
    with current().session() as api:
        api.Group.remove_users(gid, user_uuids)
    mutation_done(None, f"Users removed from group {gid}.")
