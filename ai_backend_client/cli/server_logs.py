"""``backend.ai server-logs list``: the manager's error log (``GET /logs/error``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from .._models import maybe
from ._output import as_dict, current, emit_list, print_info

__all__ = ["server_logs"]

COLUMNS = [
    ("created_at", "Created At"),
    ("severity", "Severity"),
    ("source", "Source"),
    ("user", "User"),
    ("is_read", "Read"),
    ("message", "Message"),
    ("request_url", "Request URL"),
    ("request_status", "Request Status"),
]
#: ``--output json`` keeps every field of an entry.
JSON_COLUMNS = [
    "log_id",
    *(key for key, _ in COLUMNS),
    "context_lang",
    "context_env",
    "traceback",
    "is_cleared",
]


@click.group(name="server-logs")
def server_logs() -> None:
    """Provides operations related to server logs."""


def _row(entry: Any) -> dict[str, Any]:
    row = as_dict(entry)
    created = row.get("created_at")
    if isinstance(created, (int, float)) and not current().json:
        row["created_at"] = dt.datetime.fromtimestamp(created, dt.timezone.utc).isoformat(
            timespec="seconds"
        )
    return row


@server_logs.command(name="list")
@click.option("--mark-read", is_flag=True, help="Mark read flag for server logs being fetched.")
@click.option(
    "-l",
    "--page-size",
    type=click.IntRange(1, 100),
    default=20,
    show_default=True,
    help="Number of logs to fetch (from latest log)",
)
@click.option(
    "-n",
    "--page-number",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Page number to fetch.",
)
def list_logs(mark_read: bool, page_size: int, page_number: int) -> None:
    """Fetch server (error) logs, newest first."""
    with current().session() as api:
        result = api.ServerLog.list(mark_read=mark_read, page_size=page_size, page_no=page_number)
    rows = [_row(entry) for entry in result.logs or []]
    count = maybe(result.count)
    total = count if count is not None else len(rows)
    if current().json:
        emit_list(rows, JSON_COLUMNS, total_count=total)
        return
    emit_list(rows, COLUMNS)
    pages = max(1, -(-total // page_size))
    if rows and pages > 1:
        print_info(
            f"Page {page_number} of {pages} ({total} logs); see others with -n/--page-number."
        )
