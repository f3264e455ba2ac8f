"""``Deployment``: model deployments over 26.09's ``/v2/deployments`` API.

A deployment is 26.09's model service with revisions and a rollout policy; ``Service`` is the
older API over the same endpoints. Class methods act on the session
(``session.Deployment.create(config)``), instances on one deployment by id. On 24.09 and 22.03
every call is refused locally with :class:`~ai_backend_client.BackendAPIVersionError` naming the
version needed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pydantic

from ..._generated.latest import models as m
from ..._types import given
from ..._validation import InvalidArgumentError
from ...exceptions import BackendClientError
from .base import AsyncFunction

__all__ = ["Deployment"]

#: The largest page the SDK asks for.
MAX_LIMIT = 100


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise BackendClientError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise BackendClientError(f"offset cannot be negative ({offset})")


class Deployment(AsyncFunction):
    """A model deployment, by id."""

    def __init__(self, deployment_id: str | uuid.UUID) -> None:
        try:
            self.id = str(uuid.UUID(str(deployment_id)))
        except ValueError:
            raise BackendClientError(f"{deployment_id!r} is not a deployment id") from None

    def __repr__(self) -> str:
        return f"<Deployment {self.id}>"

    @classmethod
    async def create(cls, config: Mapping[str, Any]) -> m.CreateDeploymentPayload:
        """Create a deployment from the JSON configuration the official client reads
        (``metadata``, ``network_access``, ``default_deployment_strategy``, ``replica_count``,
        optionally ``initial_revision``); it is checked locally before anything is sent."""
        try:
            given_config = m.CreateDeploymentInput.model_validate(dict(config))
        except pydantic.ValidationError as e:
            raise InvalidArgumentError("Deployment.create", e) from None
        wire = cls._session().wire.v2_deployments
        if given_config.initial_revision is None:
            return await wire.create(
                metadata=given_config.metadata,
                network_access=given_config.network_access,
                default_deployment_strategy=given_config.default_deployment_strategy,
                replica_count=given_config.replica_count,
            )
        return await wire.create(
            metadata=given_config.metadata,
            network_access=given_config.network_access,
            default_deployment_strategy=given_config.default_deployment_strategy,
            replica_count=given_config.replica_count,
            initial_revision=given_config.initial_revision,
        )

    @classmethod
    async def list(
        cls, project_id: str | None = None, *, limit: int = 20, offset: int = 0
    ) -> m.AdminSearchDeploymentsPayload:
        """One page of the requester's deployments (or of one project's)."""
        _check_page(limit, offset)
        wire = cls._session().wire.v2_deployments
        if project_id is None:
            return await wire.my_search(limit=limit, offset=offset)
        return await wire.project_search(project_id=project_id, limit=limit, offset=offset)

    async def info(self) -> m.DeploymentNode:
        return await self._session().wire.v2_deployments.get(deployment_id=self.id)

    async def update(
        self, *, name: str | None = None, replicas: int | None = None
    ) -> m.UpdateDeploymentPayload:
        """Rename the deployment and/or change its replica count (what is not given stays)."""
        if name is None and replicas is None:
            raise BackendClientError("nothing to update: give a name or a replica count")
        if replicas is not None and replicas < 0:
            raise BackendClientError(f"a deployment cannot have {replicas} replicas")
        return await self._session().wire.v2_deployments.update(
            deployment_id=self.id, name=given(name), replica_count=given(replicas)
        )

    async def destroy(self) -> m.DeleteDeploymentPayload:
        return await self._session().wire.v2_deployments.delete(id=self.id)

    async def routes(self, *, limit: int = 20, offset: int = 0) -> m.SearchRoutesPayload:
        """One page of the deployment's routes (replicas), with their status and traffic."""
        _check_page(limit, offset)
        return await self._session().wire.v2_deployments.search_routes(
            deployment_id=self.id, limit=limit, offset=offset
        )

    async def revisions(self, *, limit: int = 20, offset: int = 0) -> m.AdminSearchRevisionsPayload:
        """One page of the deployment's revisions."""
        _check_page(limit, offset)
        return await self._session().wire.v2_deployments.search_revisions(
            deployment_id=self.id, limit=limit, offset=offset
        )

    async def revision(self, revision_id: str) -> m.RevisionNode:
        """One revision of the deployment."""
        found = await self._session().wire.v2_deployments.get_revision(revision_id=revision_id)
        if str(found.deployment_id) != self.id:
            raise BackendClientError(f"revision {revision_id} belongs to another deployment")
        return found

    async def policy(self) -> m.GetDeploymentPolicyPayload:
        """The deployment's rollout policy."""
        return await self._session().wire.v2_deployments.get_deployment_policy(
            deployment_id=self.id
        )
