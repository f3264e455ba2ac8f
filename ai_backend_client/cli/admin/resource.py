"""``backend.ai admin resource``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from .._output import current, emit_json, print_info
from ._common import mutation_done

__all__ = ["resource"]


def _show(data: Mapping[str, Any] | Sequence[Any]) -> None:
    if current().json:
        emit_json(data)
        return
    if isinstance(data, Mapping):
        for key, value in data.items():
            click.echo(f"{key}: {value}")
    else:
        for item in data:
            click.echo(str(item))


@click.group()
def resource() -> None:
    """Resource administration commands."""


@resource.command(name="query-slots")
def query_slots() -> None:
    """Get available resource slots."""
    with current().session() as api:
        _show(api.Resource.get_resource_slots())


@resource.command(name="vfolder-types")
def vfolder_types() -> None:
    """Get available vfolder types."""
    with current().session() as api:
        _show(api.Resource.get_vfolder_types())


@resource.command(name="docker-registries")
def docker_registries() -> None:
    """Get registered docker registries."""
    with current().session() as api:
        _show(api.Resource.get_docker_registries())


@resource.command(name="recalculate-usage")
def recalculate_usage() -> None:
    """Re-calculate resource occupation by sessions."""
    with current().session() as api:
        api.Resource.recalculate_usage()
    mutation_done(None, "Resource allocation is re-calculated.")


@resource.command(name="usage-per-month")
@click.argument("month")
@click.argument("group_ids", nargs=-1)
def usage_per_month(month: str, group_ids: tuple[str, ...]) -> None:
    """Get session usage stats of target groups for specific month (YYYYMM)."""
    with current().session() as api:
        records = api.Resource.usage_per_month(month, list(group_ids) or None)
    if not records and not current().json:
        print_info("No usage records.")
        return
    _show(records)


@resource.command(name="usage-per-period")
@click.argument("dates", nargs=-1, required=True, metavar="[GROUP] START_DATE END_DATE")
@click.option("-g", "--group", default=None, help="Group (project) ID.")
def usage_per_period(dates: tuple[str, ...], group: str | None) -> None:
    """Get session usage stats between two dates (YYYYMMDD).

    The group is -g/--group or, as in the 22.03 client, the first of three arguments.
    """
    if len(dates) == 3 and group is None:
        group, start_date, end_date = dates
    elif len(dates) == 2:
        start_date, end_date = dates
    else:
        raise click.UsageError("Give START_DATE and END_DATE, optionally after the GROUP.")
    with current().session() as api:
        _show(api.Resource.usage_per_period(group, start_date, end_date))
