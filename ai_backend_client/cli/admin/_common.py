"""Options and helpers shared by the ``admin`` subcommands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click

from .._output import Column, emit_list, emit_mutation

__all__ = [
    "list_options",
    "mutation_done",
    "parse_json_option",
    "show_page",
    "slot_and_host_options",
    "slot_and_host_values",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def list_options(func: _F) -> _F:
    """``--filter``, ``--order``, ``--offset``, ``--limit`` and ``--all`` of paginated lists."""
    for option in reversed(
        [
            click.option(
                "--filter",
                "filter_",
                default=None,
                help="Filter expression (e.g. 'status == \"ALIVE\"').",
            ),
            click.option("--order", default=None, help="Ordering, e.g. '-created_at,name'."),
            click.option(
                "--offset",
                default=0,
                show_default=True,
                type=int,
                help="The index of the first item.",
            ),
            click.option(
                "--limit",
                default=20,
                show_default=True,
                type=click.IntRange(1, 100),
                help="Items per page.",
            ),
            click.option("--all", "all_", is_flag=True, help="Fetch every page."),
        ]
    ):
        func = option(func)
    return func


def show_page(
    fetch_page: Callable[[int, int], Any],
    iterate_all: Callable[[], Iterable[Any]],
    columns: Sequence[Column],
    *,
    offset: int,
    limit: int,
    all_: bool,
) -> None:
    """One page (``--offset``/``--limit``) or, with ``--all``, every item."""
    if all_:
        items = list(iterate_all())
        emit_list(items, columns, total_count=len(items))
        return
    page = fetch_page(offset, limit)
    emit_list(page.items, columns, total_count=page.total_count)


def mutation_done(result: Any, message: str, **extra: Any) -> None:
    """Report a mutation that succeeded (failures raise inside the SDK)."""
    emit_mutation(True, message, **extra)


# The permissions a 24.09 manager knows for a vfolder host; a 22.03-style host name given on the
# command line gets all of them, as being listed meant on 22.03.
VFOLDER_HOST_PERMISSIONS = (
    "create-vfolder",
    "modify-vfolder",
    "delete-vfolder",
    "mount-in-session",
    "upload-file",
    "download-file",
    "invite-others",
    "set-user-specific-permission",
)


def slot_and_host_options(*, registries: bool) -> Callable[[_F], _F]:
    """``--total-resource-slots``, ``--allowed-vfolder-hosts`` (and, for domains,
    ``--allowed-docker-registries``) of the 22.03 ``add``/``update`` commands."""
    options = [
        click.option(
            "--total-resource-slots",
            default=None,
            help='Set total resource slots (JSON, e.g. \'{"cpu": "8", "mem": "16g"}\').',
        ),
        click.option(
            "--allowed-vfolder-hosts",
            multiple=True,
            metavar="HOST",
            help="Allowed virtual folder hosts (repeat it; on 24.09 servers each host gets every "
            "permission, or give one JSON mapping of host to permissions).",
        ),
    ]
    if registries:
        options.append(
            click.option(
                "--allowed-docker-registries",
                multiple=True,
                metavar="REGISTRY",
                help="Allowed docker registries (repeat it).",
            )
        )

    def decorator(func: _F) -> _F:
        for option in reversed(options):
            func = option(func)
        return func

    return decorator


def slot_and_host_values(
    api_major: int, total_resource_slots: str | None, allowed_vfolder_hosts: Sequence[str]
) -> dict[str, Any]:
    """The ``total_resource_slots`` and ``allowed_vfolder_hosts`` keywords of the options.

    Hosts: one JSON value is sent as it is, host names as a list (22.03) or as a mapping of each
    to every permission (24.09); not given, ``None`` (unchanged).
    """
    hosts: Any = None
    values = list(allowed_vfolder_hosts)
    if len(values) == 1 and values[0].lstrip()[:1] in ("{", "["):
        hosts = parse_json_option(values[0], "--allowed-vfolder-hosts")
    elif values:
        hosts = (
            {host: list(VFOLDER_HOST_PERMISSIONS) for host in values} if api_major >= 8 else values
        )
    return {
        "total_resource_slots": parse_json_option(total_resource_slots, "--total-resource-slots"),
        "allowed_vfolder_hosts": hosts,
    }


def parse_json_option(text: str | None, name: str) -> Any:
    if text is None:
        return None
    import json

    try:
        return json.loads(text)
    except ValueError as e:
        raise click.BadParameter(f"not JSON: {e}", param_hint=name) from None
