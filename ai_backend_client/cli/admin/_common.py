"""Options and helpers shared by the ``admin`` subcommands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click

from .._output import Column, emit_list, emit_mutation

__all__ = ["list_options", "mutation_done", "parse_json_option", "show_page"]

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


def parse_json_option(text: str | None, name: str) -> Any:
    if text is None:
        return None
    import json

    try:
        return json.loads(text)
    except ValueError as e:
        raise click.BadParameter(f"not JSON: {e}", param_hint=name) from None
