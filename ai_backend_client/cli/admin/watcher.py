"""``backend.ai admin watcher``: status, agent-start, agent-stop, agent-restart (superadmin)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import Any

import click

from .._output import as_dict, current, emit_item, emit_mutation, fail

__all__ = ["watcher"]


@contextmanager
def _watcher_errors(agent_id: str) -> Generator[None, None, None]:
    """A manager that cannot reach the node's watcher answers 500: say what that usually means."""
    from ...exceptions import InternalServerError

    try:
        yield
    except InternalServerError as e:
        fail(f"{e} (is the agent watcher of {agent_id} running and reachable from the manager?)")


def _message(reply: Any) -> str | None:
    message = as_dict(reply).get("message")
    return None if message is None else str(message)


@click.group()
def watcher() -> None:
    """Agent watcher commands."""


@watcher.command()
@click.argument("agent")
def status(agent: str) -> None:
    """Get agent and watcher status."""
    with current().session() as api, _watcher_errors(agent):
        reply = api.AgentWatcher.get_status(agent)
    message = _message(reply)
    if message is not None and not current().json:
        click.echo(message)
        return
    emit_item(reply)


def _control(agent: str, action: str, call: Callable[[Any], Any]) -> None:
    with current().session() as api, _watcher_errors(agent):
        reply = call(api.AgentWatcher)
    message = _message(reply) or f"Agent {agent}: {action} requested."
    emit_mutation(True, message, reply=as_dict(reply))


@watcher.command(name="agent-start")
@click.argument("agent")
def agent_start(agent: str) -> None:
    """Start agent service."""
    _control(agent, "start", lambda w: w.agent_start(agent))


@watcher.command(name="agent-stop")
@click.argument("agent")
def agent_stop(agent: str) -> None:
    """Stop agent service."""
    _control(agent, "stop", lambda w: w.agent_stop(agent))


@watcher.command(name="agent-restart")
@click.argument("agent")
def agent_restart(agent: str) -> None:
    """Restart agent service."""
    _control(agent, "restart", lambda w: w.agent_restart(agent))
