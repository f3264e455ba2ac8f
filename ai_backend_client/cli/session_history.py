"""``backend.ai session status-history | show-graph | watch | commit | convert-to-image |
set-priority`` (and the top-level ``watch``): a session's history, its dependencies, its images
and its priority, with the official 26.9.6 client's names and options.

Registered on the ``session`` group by ``cli/session.py``; the SDK is imported inside the
commands, so ``backend.ai session --help`` stays cheap.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import click

from ._output import (
    as_dict,
    current,
    emit_item,
    emit_list,
    emit_mutation,
    fail,
    format_value,
    print_info,
    print_table,
)

if TYPE_CHECKING:
    from ..session import AsyncSession, Session

__all__ = [
    "commit",
    "convert_to_image",
    "set_priority",
    "show_graph",
    "status_history",
    "watch",
]

_OWNER_HELP = "Specify the owner of the target session explicitly."


def _session_of(api: Session | AsyncSession, ref: str, owner_access_key: str | None = None) -> Any:
    """The SDK object of one session: by UUID when *ref* is one, else by name."""
    try:
        return api.ComputeSession.from_session_id(uuid.UUID(ref))
    except ValueError:
        return api.ComputeSession(ref, owner_access_key=owner_access_key)


# -- status-history --------------------------------------------------------------------------
@click.command(name="status-history")
@click.argument("session_id", metavar="SESSID")
def status_history(session_id: str) -> None:
    """Shows the status transition history of the compute session.

    SESSID: Session ID or its alias given when creating the session.
    """
    with current().session() as api:
        history = _session_of(api, session_id).get_status_history()
    rows = [
        {"status": status, "timestamp": entered}
        for status, entered in sorted(history.root.items(), key=lambda kv: kv[1])
    ]
    emit_list(rows, [("status", "Status"), ("timestamp", "Entered at")])


# -- show-graph -----------------------------------------------------------------------------
_MAX_GRAPH_NODES = 10_000  # a cycle or a runaway answer must not print forever


def _graph_rows(node: Any) -> list[dict[str, Any]]:
    """The graph depth-first, each node with its depth (the root is 0)."""
    rows: list[dict[str, Any]] = []
    stack: list[tuple[int, Any]] = [(0, node)]
    while stack and len(rows) < _MAX_GRAPH_NODES:
        depth, current_node = stack.pop()
        data = as_dict(current_node)
        rows.append({"depth": depth, **{k: v for k, v in data.items() if k != "depends_on"}})
        children: list[Any] = list(getattr(current_node, "depends_on", None) or [])
        stack.extend((depth + 1, child) for child in reversed(children))
    return rows


@click.command(name="show-graph")
@click.argument("session_id", metavar="SESSID")
@click.option("-t", "--table", is_flag=True, help="Show the dependency graph as a form of table.")
def show_graph(session_id: str, table: bool) -> None:
    """Shows the dependency graph of a compute session.

    SESSID: Session ID or its alias given when creating the session.
    """
    with current().session() as api:
        graph = _session_of(api, session_id).get_dependency_graph()
    if current().json:
        emit_item(graph)
        return
    rows = _graph_rows(graph)
    if table:
        print_table(
            rows,
            [
                ("depth", "Depth"),
                ("session_name", "Name"),
                ("session_id", "ID"),
                ("status", "Status"),
                ("status_changed", "Status changed"),
            ],
        )
        return
    for row in rows:
        indent = "    " * (row["depth"] - 1) + "└── " if row["depth"] else ""
        click.echo(
            f"{indent}{format_value(row.get('session_name'))} ({format_value(row.get('session_id'))})"
            f" {format_value(row.get('status'))}"
        )


# -- watch ----------------------------------------------------------------------------------
_ENDED = frozenset({"session_terminated", "session_cancelled"})
_KERNEL_ENDED = frozenset({"kernel_terminated", "kernel_cancelled"})
_STARTED = frozenset({"session_started"})
_ENDED_STATUSES = frozenset({"TERMINATED", "CANCELLED"})
_STARTED_STATUSES = frozenset({"RUNNING", "RUNNING_DEGRADED", "TERMINATING", "ERROR"})


def _show_event(event: Any) -> None:
    if current().json:
        click.echo(json.dumps(as_dict(event), ensure_ascii=False))
    else:
        detail = [f"reason: {event.reason}"] if event.reason else []
        if event.exit_code is not None:
            detail.append(f"exit code: {event.exit_code}")
        if event.kernel_id:
            detail.append(f"kernel: {event.kernel_id}")
        suffix = f" ({', '.join(detail)})" if detail else ""
        click.echo(f"[{time.strftime('%H:%M:%S')}] {event.event}{suffix}")
    sys.stdout.flush()


async def _watch(ref: str, owner_access_key: str | None, scope: str, max_wait: float) -> None:
    from ..exceptions import NotFoundError

    ended: frozenset[str] = _ENDED | _KERNEL_ENDED if scope == "kernel" else _ENDED
    async with current().async_session() as api:
        kern = _session_of(api, ref, owner_access_key)
        try:
            status = (await kern.get_info()).status
        except NotFoundError:
            fail(f"There is no such compute session: {ref}")
        if status in _ENDED_STATUSES:
            emit_mutation(True, f"Session {ref} has already ended ({status}).", status=status)
            return
        loop = asyncio.get_running_loop()
        deadline = None if max_wait <= 0 or status in _STARTED_STATUSES else loop.time() + max_wait
        if not current().json:
            print_info(f"Watching session {ref} ({status}); it ends when the session ends.")
        async with kern.listen_events(scope) as events:
            stream = events.__aiter__()
            while True:
                wait = None if deadline is None else max(0.0, deadline - loop.time())
                try:
                    event = await asyncio.wait_for(stream.__anext__(), wait)
                except asyncio.TimeoutError:
                    fail(f"Session {ref} did not start within {max_wait:g} seconds.")
                except StopAsyncIteration:
                    return
                _show_event(event)
                if event.event in _STARTED:
                    deadline = None
                if event.event in ended:
                    return


def _watch_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "-o",
                "--owner",
                "--owner-access-key",
                "owner_access_key",
                metavar="ACCESS_KEY",
                help=_OWNER_HELP,
            ),
            click.option(
                "--scope",
                type=click.Choice(["*", "session", "kernel"]),
                default="*",
                help="A comma-separated event filter of 'session', 'kernel'. A wildcard '*' "
                "unions all available filters.",
            ),
            click.option(
                "--max-wait",
                type=click.FloatRange(min=0),
                default=0,
                metavar="SECONDS",
                help="The maximum duration to wait until the session starts.",
            ),
            click.option(
                "--output",
                "output",
                type=click.Choice(["json", "console"]),
                default=None,
                help="Set the output style of the command results.",
            ),
        ]
    ):
        command = option(command)
    return command


@click.command()
@click.argument("session_id_or_name", metavar="SESSION_ID_OR_NAME")
@_watch_options
def watch(
    session_id_or_name: str,
    owner_access_key: str | None,
    scope: str,
    max_wait: float,
    output: str | None,
) -> None:
    """Monitor the lifecycle events of a compute session and display in human-friendly
    interface. It ends when the session ends (terminated or cancelled)."""
    if output is not None:
        current().output = "json" if output == "json" else "console"
    try:
        asyncio.run(_watch(session_id_or_name, owner_access_key, scope, max_wait))
    except KeyboardInterrupt:
        return


# -- commit / convert-to-image ----------------------------------------------------------------
@click.command()
@click.argument("session_id_or_name", metavar="SESSION_ID_OR_NAME")
def commit(session_id_or_name: str) -> None:
    """Commits a running session to tar file.

    SESSION_ID_OR_NAME: Session ID or its alias given when creating the session.
    """
    with current().session() as api:
        result = _session_of(api, session_id_or_name).commit()
    item = as_dict(result)
    task = item.get("bgtask_id")
    emit_mutation(
        True,
        f"Request to commit Session(name or id: {session_id_or_name})"
        + (f": background task {task}" if task else ""),
        item=item,
    )


@click.command(name="convert-to-image")
@click.argument("session_id", metavar="SESSID_OR_NAME")
@click.argument("image_name", metavar="IMAGENAME")
def convert_to_image(session_id: str, image_name: str) -> None:
    """Commits running session to new image and then uploads to designated container registry.
    Requires Backend.AI server set up for per-user image commit feature (24.03).

    SESSID_OR_NAME: Session ID or its alias given when creating the session.
    IMAGENAME: New image name.
    """
    with current().session() as api:
        result = _session_of(api, session_id).export_to_image(image_name)
    emit_mutation(
        True,
        f"Request to convert Session(name or id: {session_id}) to image {image_name!r}: "
        f"background task {result.task_id}",
        item=as_dict(result),
    )


# -- set-priority ---------------------------------------------------------------------------
@click.command(name="set-priority")
@click.argument("session_id_or_name", metavar="SESSION_ID_OR_NAME")
@click.argument("priority", metavar="PRIORITY", type=int)
def set_priority(session_id_or_name: str, priority: int) -> None:
    """Sets the scheduling priority of the session.

    SESSION_ID_OR_NAME: Session ID or its alias given when creating the session.
    PRIORITY: New priority value (0 to 100, may be clamped in the server side due to resource
    policies).
    """
    with current().session() as api:
        item = _session_of(api, session_id_or_name).update(priority=priority)
    emit_mutation(
        True, f"Session {item.name!r} priority is changed to {item.priority}.", item=as_dict(item)
    )
