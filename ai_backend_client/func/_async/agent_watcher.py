"""The agents' watcher daemons, through the manager (REST ``/resource/watcher``, superadmin)."""

from __future__ import annotations

from ..._generated.latest import models
from .base import AsyncFunction, coerce_model

__all__ = ["AgentWatcher"]


class AgentWatcher(AsyncFunction):
    """Ask an agent's watcher for its status, or to start, stop or restart the agent.

    Every call answers the watcher's reply as it is (``message`` and whatever else the watcher
    reports); a node without a watcher makes the manager answer an error.
    """

    @classmethod
    async def get_status(cls, agent_id: str) -> models.WatcherResponse:
        """The status of the agent and its watcher."""
        result = await cls._session().wire.resource.get_watcher_status(agent_id=agent_id)
        return coerce_model(models.WatcherResponse, result)

    @classmethod
    async def agent_start(cls, agent_id: str) -> models.WatcherResponse:
        """Start the agent service on the agent's node."""
        result = await cls._session().wire.resource.watcher_agent_start(agent_id=agent_id)
        return coerce_model(models.WatcherResponse, result)

    @classmethod
    async def agent_stop(cls, agent_id: str) -> models.WatcherResponse:
        """Stop the agent service on the agent's node."""
        result = await cls._session().wire.resource.watcher_agent_stop(agent_id=agent_id)
        return coerce_model(models.WatcherResponse, result)

    @classmethod
    async def agent_restart(cls, agent_id: str) -> models.WatcherResponse:
        """Restart the agent service on the agent's node."""
        result = await cls._session().wire.resource.watcher_agent_restart(agent_id=agent_id)
        return coerce_model(models.WatcherResponse, result)
