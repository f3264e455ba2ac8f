"""``backend.ai admin manager`` (status, freeze, unfreeze, scheduler) and ``announcement``
(get, update, delete, dismiss)."""

from __future__ import annotations

import sys

import click

from .._output import current, emit_item, emit_json, emit_list, emit_mutation, print_info
from ._common import mutation_done

__all__ = ["announcement", "manager"]


@click.group()
def manager() -> None:
    """Set of manager control operations."""


@manager.command()
def status() -> None:
    """Show the manager's current status."""
    with current().session() as api:
        result = api.Manager.status()
    if current().json:
        emit_json(result.to_dict())
        return
    emit_list(
        result.nodes or [],
        [
            ("id", "ID"),
            ("service_addr", "Address"),
            ("status", "Status"),
            ("version", "Version"),
            ("active_sessions", "Active Sessions"),
        ],
    )
    print_info(f"Manager status: {result.status}, active sessions: {result.active_sessions}")


@manager.command()
@click.option("--wait", is_flag=True, help="(accepted for compatibility; freezing is immediate)")
@click.option("-f", "--force-kill", is_flag=True, help="Also terminate the running sessions.")
def freeze(wait: bool, force_kill: bool) -> None:
    """Freeze manager: new sessions are refused (server-frozen)."""
    with current().session() as api:
        api.Manager.freeze(force_kill=force_kill)
    mutation_done(None, "Manager is frozen.")


@manager.command()
def unfreeze() -> None:
    """Unfreeze manager."""
    with current().session() as api:
        api.Manager.unfreeze()
    mutation_done(None, "Manager is unfrozen.")


@manager.group()
def scheduler() -> None:
    """The scheduler operation command group."""


@scheduler.command(name="include-agents")
@click.argument("agent_ids", nargs=-1, required=True)
def include_agents(agent_ids: tuple[str, ...]) -> None:
    """Include agents in scheduling (they receive new sessions again)."""
    with current().session() as api:
        api.Manager.scheduler_op("include-agents", agent_ids)
    mutation_done(None, "Scheduling enabled for: " + ", ".join(agent_ids))


@scheduler.command(name="exclude-agents")
@click.argument("agent_ids", nargs=-1, required=True)
def exclude_agents(agent_ids: tuple[str, ...]) -> None:
    """Exclude agents from scheduling (they keep their running sessions)."""
    with current().session() as api:
        api.Manager.scheduler_op("exclude-agents", agent_ids)
    mutation_done(None, "Scheduling disabled for: " + ", ".join(agent_ids))


@click.group()
def announcement() -> None:
    """Global announcement related commands"""


@announcement.command()
def get() -> None:
    """Get current announcement."""
    with current().session() as api:
        result = api.Manager.get_announcement()
    emit_item(result, [("enabled", "Enabled"), ("message", "Message")])


_EDITOR_HINT = "<!-- Use Markdown format to edit the announcement message -->"


@announcement.command()
@click.option("-m", "--message", "message_opt", metavar="TEXT", help="The announcement (Markdown).")
@click.argument("message", required=False)
def update(message_opt: str | None, message: str | None) -> None:
    """Post new announcement.

    MESSAGE (or -m/--message) is the announcement; without it an editor opens to write one.
    """
    if message_opt is not None and message is not None:
        raise click.UsageError("Give the message once: as -m/--message or as MESSAGE.")
    text = message_opt if message_opt is not None else message
    if text is None:
        edited = click.edit(_EDITOR_HINT + "\n")
        text = edited.replace(_EDITOR_HINT, "").strip() if edited is not None else None
        if not text:
            print_info("Cancelled")
            sys.exit(1)
    with current().session() as api:
        api.Manager.update_announcement(enabled=True, message=text)
    mutation_done(None, "Announcement posted.")


@announcement.command()
def delete() -> None:
    """Delete current announcement."""
    with current().session() as api:
        api.Manager.update_announcement(enabled=False)
    mutation_done(None, "Announcement deleted.")


@announcement.command()
def dismiss() -> None:
    """Do not show the same announcement again."""
    from .._announcement import dismiss as record_dismissal

    ctx = current()
    ctx.announce = False  # this command is about it: do not print it first
    with ctx.session() as api:
        result = api.Manager.get_announcement()
    if not result.enabled or not result.message:
        emit_mutation(True, "There is no announcement to dismiss.", dismissed=False)
        return
    path = record_dismissal(result.message)
    emit_mutation(True, "The current announcement will not be shown again.", state_file=str(path))
