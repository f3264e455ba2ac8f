"""``backend.ai admin agent``: list and info."""

from __future__ import annotations

import click

from .._output import current, emit_item
from ._common import list_options, show_page

__all__ = ["agent"]

LIST_COLUMNS = [
    ("id", "ID"),
    ("status", "Status"),
    ("architecture", "Architecture"),
    ("scaling_group", "Scaling Group"),
    ("region", "Region"),
    ("first_contact", "First Contact"),
    ("cpu_cur_pct", "CPU Usage (%)"),
    ("mem_cur_bytes", "Used Memory"),  # shown in binary units (format_value)
    ("available_slots", "Total slots"),
    ("occupied_slots", "Occupied slots"),
]
INFO_COLUMNS = [
    *LIST_COLUMNS,
    ("addr", "Address"),
    ("version", "Version"),
    ("hardware_metadata", "Hardware Metadata"),
    ("live_stat", "Live Stat"),
]


@click.group()
def agent() -> None:
    """Agent administration commands."""


@agent.command(name="list")
@click.option(
    "-s",
    "--status",
    default="ALIVE",
    show_default=True,
    help="ALIVE, LOST, RESTARTING or TERMINATED.",
)
@click.option(
    "--scaling-group", "--sgroup", default=None, help="Only agents of this scaling group."
)
@list_options
def list_agents(
    status: str,
    scaling_group: str | None,
    filter_: str | None,
    order: str | None,
    offset: int,
    limit: int,
    all_: bool,
) -> None:
    """List agents."""
    with current().session() as api:
        show_page(
            lambda off, lim: api.Agent.paginated_list(
                status, scaling_group, page_offset=off, page_size=lim, filter=filter_, order=order
            ),
            lambda: api.Agent.iter_all(status, scaling_group, filter=filter_, order=order),
            LIST_COLUMNS,
            offset=offset,
            limit=limit,
            all_=all_,
        )


@agent.command()
@click.argument("agent_id")
def info(agent_id: str) -> None:
    """Show the information about the given agent."""
    with current().session() as api:
        emit_item(api.Agent.detail(agent_id), INFO_COLUMNS)
