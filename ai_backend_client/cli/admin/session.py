"""``backend.ai admin session``: every user's compute sessions."""

from __future__ import annotations

import click

from .._output import current, emit_item
from ._common import list_options, show_page

__all__ = ["session"]

STATUSES = {
    "default": "PENDING,SCHEDULED,PREPARING,PULLING,RUNNING,RESTARTING,TERMINATING,RESIZING,SUSPENDED,ERROR",
    "running": "PREPARING,PULLING,RUNNING",
    "dead": "CANCELLED,TERMINATED",
}
COLUMNS = [
    ("name", "Name"),
    ("session_id", "Session ID"),
    ("access_key", "Owner"),
    ("group_name", "Project"),
    ("image", "Image"),
    ("type", "Type"),
    ("status", "Status"),
    ("status_info", "Status Info"),
    ("status_changed", "Last updated"),
    ("result", "Result"),
]


@click.group()
def session() -> None:
    """Session administration commands."""


@session.command(name="list")
@click.option("-s", "--status", default=None, help="Comma-separated statuses, or ALL.")
@click.option("--running", is_flag=True, help="Only running sessions.")
@click.option("--dead", is_flag=True, help="Only terminated or cancelled sessions.")
@click.option("--access-key", default=None, help="Only this keypair's sessions.")
@list_options
def list_sessions(
    status: str | None,
    running: bool,
    dead: bool,
    access_key: str | None,
    filter_: str | None,
    order: str | None,
    offset: int,
    limit: int,
    all_: bool,
) -> None:
    """List and manage compute sessions."""
    from ...func._sync import _session_queries as q

    if status is None:
        status = STATUSES["running" if running else "dead" if dead else "default"]
    elif status.upper() == "ALL":
        status = None
    with current().session() as api:
        show_page(
            lambda off, lim: q.paginated_list(
                api,
                status=status,
                access_key=access_key,
                page_offset=off,
                page_size=lim,
                filter=filter_,
                order=order,
            ),
            lambda: q.iter_all(
                api, status=status, access_key=access_key, filter=filter_, order=order
            ),
            COLUMNS,
            offset=offset,
            limit=limit,
            all_=all_,
        )


@session.command()
@click.argument("session_id")
def info(session_id: str) -> None:
    """Show detailed information for a compute session (by UUID)."""
    from ...func._sync import _session_queries as q

    with current().session() as api:
        emit_item(q.detail(api, session_id))
