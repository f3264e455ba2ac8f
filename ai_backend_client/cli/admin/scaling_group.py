"""``backend.ai admin scaling-group``."""

from __future__ import annotations

import click

from .._output import current, emit_item, emit_list
from ._common import mutation_done, parse_json_option

__all__ = ["scaling_group"]

COLUMNS = [
    ("name", "Name"),
    ("description", "Description"),
    ("is_active", "Active?"),
    ("created_at", "Created At"),
    ("driver", "Driver"),
    ("scheduler", "Scheduler"),
]
INFO_COLUMNS = [*COLUMNS, ("driver_opts", "Driver Opts"), ("scheduler_opts", "Scheduler Opts")]


@click.group(name="scaling-group")
def scaling_group() -> None:
    """Scaling group (resource group) administration commands."""


@scaling_group.command(name="list")
def list_groups() -> None:
    """List and manage scaling groups."""
    with current().session() as api:
        emit_list(api.ScalingGroup.list(), COLUMNS)


@scaling_group.command()
@click.argument("name")
def info(name: str) -> None:
    """Show the information about the given scaling group."""
    with current().session() as api:
        emit_item(api.ScalingGroup.detail(name), INFO_COLUMNS)


@scaling_group.command(name="get-available")
@click.argument("group")
def get_available(group: str) -> None:
    """Scaling groups available to a group (project) name or ID."""
    with current().session() as api:
        emit_list(api.ScalingGroup.list_available(group), [("name", "Name")])


@scaling_group.command()
@click.argument("name")
@click.option("-d", "--description", default="")
@click.option("-i", "--inactive", is_flag=True, help="Create it inactive.")
@click.option("--driver", default="static", show_default=True)
@click.option("--driver-opts", default=None, help="JSON object.")
@click.option("--scheduler", default="fifo", show_default=True)
@click.option("--scheduler-opts", default=None, help="JSON object.")
def add(
    name: str,
    description: str,
    inactive: bool,
    driver: str,
    driver_opts: str | None,
    scheduler: str,
    scheduler_opts: str | None,
) -> None:
    """Add a new scaling group."""
    with current().session() as api:
        api.ScalingGroup.create(
            name,
            description,
            not inactive,
            driver,
            parse_json_option(driver_opts, "--driver-opts"),
            scheduler,
            parse_json_option(scheduler_opts, "--scheduler-opts"),
        )
    mutation_done(None, f"Scaling group {name} created.", name=name)


@scaling_group.command()
@click.argument("name")
@click.option("-d", "--description", default=None)
@click.option("-i", "--inactive", is_flag=True, help="Make the scaling group inactive.")
@click.option("--is-active", type=bool, default=None)
@click.option("--driver", default=None)
@click.option("--driver-opts", default=None, help="JSON object.")
@click.option("--scheduler", default=None)
@click.option("--scheduler-opts", default=None, help="JSON object.")
def update(
    name: str,
    description: str | None,
    inactive: bool,
    is_active: bool | None,
    driver: str | None,
    driver_opts: str | None,
    scheduler: str | None,
    scheduler_opts: str | None,
) -> None:
    """Update existing scaling group."""
    if inactive:
        if is_active:
            raise click.UsageError("--inactive and --is-active true contradict each other.")
        is_active = False
    with current().session() as api:
        api.ScalingGroup.update(
            name,
            description,
            is_active,
            driver,
            parse_json_option(driver_opts, "--driver-opts"),
            scheduler,
            parse_json_option(scheduler_opts, "--scheduler-opts"),
        )
    mutation_done(None, f"Scaling group {name} updated.")


@scaling_group.command()
@click.argument("name")
def delete(name: str) -> None:
    """Delete an existing scaling group."""
    with current().session() as api:
        api.ScalingGroup.delete(name)
    mutation_done(None, f"Scaling group {name} deleted.")


@scaling_group.command(name="associate-scaling-group")
@click.argument("scaling_group_name")
@click.argument("domain")
def associate(scaling_group_name: str, domain: str) -> None:
    """Associate a domain with a scaling_group."""
    with current().session() as api:
        api.ScalingGroup.associate_domain(scaling_group_name, domain)
    mutation_done(None, f"Scaling group {scaling_group_name} is associated with domain {domain}.")


@scaling_group.command(name="dissociate-scaling-group")
@click.argument("scaling_group_name")
@click.argument("domain")
def dissociate(scaling_group_name: str, domain: str) -> None:
    """Dissociate a domain from a scaling_group."""
    with current().session() as api:
        api.ScalingGroup.dissociate_domain(scaling_group_name, domain)
    mutation_done(None, f"Scaling group {scaling_group_name} is dissociated from domain {domain}.")
