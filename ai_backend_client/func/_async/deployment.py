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
from typing import Any, Literal, cast

import pydantic

from ..._generated.latest import models as m
from ..._types import given
from ...exceptions import BackendClientError, InvalidArgumentError, MalformedResponseError
from ._gql import props
from .base import AsyncFunction

__all__ = ["Deployment", "DeploymentStrategy", "TrafficStatus"]

DeploymentStrategy = Literal["ROLLING", "BLUE_GREEN"]
TrafficStatus = Literal["active", "inactive"]

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
        optionally ``initial_revision``); it is checked locally before anything is sent.

        With an ``initial_revision`` (the official client's revision object: resource slots as
        a mapping, a runtime variant by name) it is sent as the official 26.9.6 client sends it,
        to the classic ``POST /deployments``, which activates that revision; ``/v2`` wants
        another revision shape. The created deployment is then read back as ``/v2`` describes
        it, so both ways return the same type."""
        if config.get("initial_revision") is None:
            try:
                given_config = m.CreateDeploymentInput.model_validate(dict(config))
            except pydantic.ValidationError as e:
                raise InvalidArgumentError("Deployment.create", e) from None
            return await cls._session().wire.v2_deployments.create(
                metadata=given_config.metadata,
                network_access=given_config.network_access,
                default_deployment_strategy=given_config.default_deployment_strategy,
                replica_count=given_config.replica_count,
            )
        revision: object = config["initial_revision"]
        if isinstance(revision, Mapping):  # no revision has a name on 26.09
            items = cast("Mapping[str, object]", revision).items()
            revision = {k: v for k, v in items if k != "name"}
        try:
            request = m.CreateDeploymentRequest.model_validate(
                {**config, "initial_revision": revision}
            )
        except pydantic.ValidationError as e:
            raise InvalidArgumentError("Deployment.create", e) from None
        session = cls._session()
        created = await session.wire.deployments.create_deployment(
            metadata=request.metadata,
            network_access=request.network_access,
            default_deployment_strategy=request.default_deployment_strategy,
            replica_count=request.replica_count,
            initial_revision=request.initial_revision,
        )
        deployment_id = str(created.deployment.id)
        try:
            node = await session.wire.v2_deployments.get(deployment_id=deployment_id)
        except MalformedResponseError as e:  # strict_responses: it exists all the same
            raise e.after(f"the server created deployment {deployment_id}") from None
        return m.CreateDeploymentPayload(deployment=node)

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

    async def add_revision(
        self, revision: Mapping[str, Any], *, auto_activate: bool | None = None
    ) -> m.AddRevisionResponse:
        """Add a revision from the ``revision`` object of the official client's JSON file
        (``cluster_config``, ``resource_config`` with ``resource_slots``, ``image`` by ``id``,
        ``model_runtime_config`` with ``runtime_variant``, ``model_mount_config``,
        ``extra_mounts``), checked locally before anything is sent; *auto_activate* makes it
        the current revision at once.

        Sent as the official 26.9.6 client sends it, to the classic
        ``POST /deployments/{id}/revisions``: the ``/v2`` operation of the 26.9.6 manager wants
        another shape (resource slots as ``entries``, a runtime variant by UUID)."""
        fields = {k: v for k, v in revision.items() if k != "name"}  # no revision has a name
        try:
            given_revision = m.RevisionInput.model_validate(fields)
        except pydantic.ValidationError as e:
            raise InvalidArgumentError("Deployment.add_revision", e) from None
        wire = self._session().wire.deployments
        if auto_activate is None:
            return await wire.add_revision(deployment_id=self.id, revision=given_revision)
        return await wire.add_revision(
            deployment_id=self.id,
            revision=given_revision,
            options=m.AddRevisionOptions(auto_activate=auto_activate),
        )

    async def activate_revision(self, revision_id: str | uuid.UUID) -> m.ActivateRevisionPayload:
        """Make the revision the deployment's current one (its routes are rolled over to it
        by the deployment's policy)."""
        return await self._session().wire.v2_deployments.activate_revision(
            deployment_id=self.id,
            body_deployment_id=self.id,
            revision_id=_uuid(revision_id, "revision"),
        )

    async def deactivate_revision(
        self, revision_id: str | uuid.UUID
    ) -> m.DeactivateRevisionResponse:
        """Deactivate a revision, as the official 26.9.6 client does (the classic
        ``/deployments`` API: ``/v2/deployments`` has no such operation). The 26.9.6 manager
        answers ``success`` without changing the revision (its handler is a stub)."""
        return await self._session().wire.deployments.deactivate_revision(
            deployment_id=self.id, revision_id=str(_uuid(revision_id, "revision"))
        )

    async def set_route_traffic(
        self, route_id: str | uuid.UUID, traffic_status: TrafficStatus
    ) -> m.DeploymentRouteNode:
        """Let a route (replica) receive traffic (``active``: once it is healthy) or not
        (``inactive``); answers the route as it is now."""
        if traffic_status not in ("active", "inactive"):
            raise BackendClientError(
                f"traffic status must be active or inactive, not {traffic_status!r}"
            )
        route = await self._session().wire.v2_deployments.update_route_traffic(
            route_id=_uuid(route_id, "route"), traffic_status=traffic_status
        )
        if str(route.deployment_id) != self.id:
            # the operation addresses the route alone; say so if it was another deployment's
            raise BackendClientError(f"route {route_id} belongs to another deployment")
        return route

    async def update_policy(
        self,
        strategy: DeploymentStrategy,
        *,
        max_surge: int | None = None,
        max_unavailable: int | None = None,
        auto_promote: bool | None = None,
        promote_delay_seconds: int | None = None,
    ) -> m.UpsertDeploymentPolicyResponse:
        """Set the deployment's rollout policy, creating it if it does not exist yet
        (``created`` says which).

        ``ROLLING`` takes *max_surge* / *max_unavailable* (the server's defaults, 1 and 0, where
        left out); ``BLUE_GREEN`` takes *auto_promote* / *promote_delay_seconds* (``False``,
        0). Options of the other strategy are refused locally. Sent as the official 26.9.6
        client sends it (``PUT /deployments/{id}/policy``): the ``/v2`` upsert of the 26.9.6
        manager wants the rolling-update budgets as ``{count}``/``{percent}`` objects."""
        rolling = props(max_surge=max_surge, max_unavailable=max_unavailable)
        blue_green = props(auto_promote=auto_promote, promote_delay_seconds=promote_delay_seconds)
        if strategy not in ("ROLLING", "BLUE_GREEN"):
            raise BackendClientError(f"strategy must be ROLLING or BLUE_GREEN, not {strategy!r}")
        own, other = (rolling, blue_green) if strategy == "ROLLING" else (blue_green, rolling)
        if other:
            raise BackendClientError(f"{', '.join(other)}: not options of the {strategy} strategy")
        for name, value in own.items():
            if not isinstance(value, bool) and value < 0:
                raise BackendClientError(f"{name} cannot be negative ({value})")
        wire = self._session().wire.deployments
        if strategy == "ROLLING":
            return await wire.upsert_deployment_policy(
                deployment_id=self.id,
                strategy=strategy,
                rolling_update=m.RollingUpdateConfigInput.model_validate(rolling),
            )
        return await wire.upsert_deployment_policy(
            deployment_id=self.id,
            strategy=strategy,
            blue_green=m.BlueGreenConfigInput.model_validate(blue_green),
        )


def _uuid(value: str | uuid.UUID, kind: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BackendClientError(f"{value!r} is not a {kind} id") from None
