"""``Service``: model services (inference endpoints) and their routes, 24.09 and newer.

Class methods act on the session (``session.Service.list()``, ``session.Service.create(...)``);
instances act on one service, by id or name (``session.Service("llm").scale(2)``). The REST
answers (``/services``) are the newest typed models; ``detail()`` and ``paginated_list()`` use
GraphQL, which also shows the routes that are not healthy (yet). A 22.03 server has no model
services: every call is refused locally with :class:`~ai_backend_client.BackendAPIVersionError`.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from ..._generated.latest import models as m
from ..._graphql import PaginatedResult
from ..._serving import (
    NO_LIMIT,
    AutoScalingRuleChanges,
    Comparator,
    MetricSource,
    ServiceOptions,
)
from ..._types import given
from ...exceptions import BackendClientError
from ._gql import (
    MAX_PAGE_SIZE,
    check_mutation,
    check_page_size,
    gql,
    inputs,
    not_found,
    page,
    props,
    run,
)
from .base import AsyncFunction

if TYPE_CHECKING:
    from ..._generated.neutral.rest.services import ServicesCreateParams

__all__ = [
    "TERMINAL_ROUTE_STATES",
    "AutoScalingRule",
    "AutoScalingRuleChanges",
    "Service",
    "ServiceDetail",
    "ServiceItem",
    "ServiceOptions",
    "ServiceRoute",
    "lifecycle",
]

ServiceItem = gql.ServiceListEndpointListItems
ServiceDetail = gql.ServiceDetailEndpoint
ServiceRoute = gql.ServiceDetailEndpointRoutings
AutoScalingRule = gql.AutoScalingRuleDetailEndpointAutoScalingRuleNode

#: The route states (as GraphQL spells them) a route does not leave by itself: ``HEALTHY`` may
#: still turn ``UNHEALTHY``, the others need a scale, ``clear_errors()`` or a delete.
TERMINAL_ROUTE_STATES = frozenset({"HEALTHY", "UNHEALTHY", "FAILED_TO_START"})


#: request keyword -> option, for the options sent unchanged when given
_PASSED_AS_IS = {
    "domain": "domain_name",
    "group": "group_name",
    "arch": "architecture",
    "tag": "tag",
    "startup_command": "startup_command",
    "bootstrap_script": "bootstrap_script",
    "owner_access_key": "owner_access_key",
}


def lifecycle(stage: str | None) -> str:
    """A service's lifecycle stage as 24.09 spells it (26.9.6 answers ``EndpointLifecycle.X``)."""
    return (stage or "").rsplit(".", 1)[-1].upper()


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class Service(AsyncFunction):
    """A model service, by id (or name, resolved on first use)."""

    def __init__(self, id_or_name: str | uuid.UUID) -> None:
        key = str(id_or_name)
        if not key:
            raise BackendClientError("a service id or name is required")
        self.key = key
        self._id = _uuid_or_none(key)

    def __repr__(self) -> str:
        return f"<Service {self.key!r}>"

    # -- services (class methods) ----------------------------------------------------------
    @classmethod
    async def list(cls, name: str | None = None) -> builtins.list[m.CompactServeInfoModel]:
        """The requester's services (``name``: only the one of that name)."""
        return (await cls._session().wire.services.list_serve(name=given(name))).root

    @classmethod
    async def paginated_list(
        cls,
        *,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
        project: str | None = None,
    ) -> PaginatedResult[ServiceItem]:
        """One page of services through GraphQL ``endpoint_list`` (``page_size`` <= 100)."""
        check_page_size(page_size)
        result = await run(
            cls._session().graphql.service_list,
            gql.ServiceList,
            fields,
            ("endpoint_list", "items"),
            limit=page_size,
            offset=page_offset,
            filter=filter,
            order=order,
            project=project,
        )
        listing = result.endpoint_list
        return page(listing.items if listing else None, listing.total_count if listing else 0)

    @classmethod
    async def list_supported_runtimes(cls) -> m.RuntimeInfoModel:
        return await cls._session().wire.services.list_supported_runtimes()

    @classmethod
    async def _create_params(
        cls, image: str, model_id_or_name: str, count: int, options: ServiceOptions
    ) -> ServicesCreateParams:
        o = options
        unknown = set(o) - set(ServiceOptions.__annotations__)
        if unknown:
            raise BackendClientError(f"unknown service options: {', '.join(sorted(unknown))}")
        scaling_group = o.get("scaling_group")
        if scaling_group is None:
            raise BackendClientError("a model service needs a resource group (scaling_group)")
        envs, resources, opts = o.get("envs"), o.get("resources"), o.get("resource_opts")
        extra_mounts = o.get("extra_mounts")
        config: dict[str, Any] = {
            "model": model_id_or_name,
            "scaling_group": scaling_group,
            "model_version": o.get("model_version"),
            "model_mount_destination": o.get("model_mount_destination"),
            "model_definition_path": o.get("model_definition_path"),
            "environ": dict(envs) if envs else None,
            "resources": dict(resources) if resources else None,
            "resource_opts": dict(opts) if opts else None,
            "extra_mounts": await cls._extra_mounts(extra_mounts) if extra_mounts else None,
        }
        params: ServicesCreateParams = {
            "name": o.get("name") or f"svc-{uuid.uuid4().hex[:8]}",
            "desired_session_count": count,
            "image": image,
            "config": m.ServiceConfigModel.model_validate(
                {k: v for k, v in config.items() if v is not None}
            ),
            "runtime_variant": o.get("runtime_variant", "custom"),
            "cluster_size": o.get("cluster_size", 1),
            "cluster_mode": o.get("cluster_mode", "single-node"),
            "open_to_public": o.get("expose_to_public", False),
        }
        raw: dict[str, Any] = dict(o)
        for key, option in _PASSED_AS_IS.items():
            if raw.get(option) is not None:
                params[key] = raw[option]  # type: ignore[literal-required]
        return params

    @classmethod
    async def _extra_mounts(cls, mounts: Mapping[str, str]) -> dict[str, dict[str, str]]:
        """Folder name (or id) -> path, as the server takes it: keyed by folder id."""
        folders = (await cls._session().wire.folders.list_folders()).root
        ids = {f.name: f.id for f in folders}
        result: dict[str, dict[str, str]] = {}
        for folder, path in mounts.items():
            folder_id = _uuid_or_none(folder)
            if folder_id is None:
                if folder not in ids:
                    raise not_found("virtual folder", folder)
                folder_id = str(uuid.UUID(ids[folder]))
            result[folder_id] = {"mount_destination": path} if path else {}
        return result

    @classmethod
    async def create(
        cls,
        image: str,
        model_id_or_name: str,
        initial_session_count: int,
        **options: Unpack[ServiceOptions],
    ) -> m.ServeInfoModel:
        """Create a service that serves the model folder *model_id_or_name* with *image*.

        The folder holds the model definition (``model-definition.yaml`` unless
        ``model_definition_path`` says otherwise); the manager's scheduler starts
        ``initial_session_count`` inference sessions after the answer. ``scaling_group`` (the
        resource group) is required; ``extra_mounts`` maps folder names to their paths in the
        session.
        """
        params = await cls._create_params(image, model_id_or_name, initial_session_count, options)
        return await cls._session().wire.services.create(**params)

    @classmethod
    async def try_start(
        cls, image: str, model_id_or_name: str, **options: Unpack[ServiceOptions]
    ) -> m.TryStartResponseModel:
        """Start one trial inference session as a background task (answers its ``task_id``)."""
        params = await cls._create_params(image, model_id_or_name, 1, options)
        return await cls._session().wire.services.try_start(**params)

    # -- one service -----------------------------------------------------------------------
    async def resolve(self) -> str:
        """The service's id (a name is looked up once)."""
        if self._id is None:
            found = await type(self).list(name=self.key)
            ids = {str(s.id) for s in found if s.name == self.key}
            if not ids:
                # 26.09 lists only services that finished deploying; GraphQL has them all
                listing = await type(self).paginated_list(
                    filter=f"name == {json.dumps(self.key)}", page_size=MAX_PAGE_SIZE
                )
                ids = {
                    str(s.endpoint_id)
                    for s in listing.items
                    if s.name == self.key and lifecycle(s.lifecycle_stage) != "DESTROYED"
                }
            if not ids:
                raise not_found("model service", self.key)
            if len(ids) > 1:
                raise BackendClientError(f"several services are named {self.key!r}; use the id")
            self._id = ids.pop()
        return self._id

    async def info(self) -> m.ServeInfoModel:
        """The service, with its healthy routes and endpoint URL (REST)."""
        return await self._session().wire.services.get_info(service_id=await self.resolve())

    async def detail(self, fields: Sequence[str] | None = None) -> ServiceDetail:
        """The service with every route and its status (GraphQL ``endpoint``)."""
        service_id = await self.resolve()
        result = await run(
            self._session().graphql.service_detail,
            gql.ServiceDetail,
            fields,
            ("endpoint",),
            endpoint_id=service_id,
        )
        if result.endpoint is None:
            raise not_found("model service", self.key)
        return result.endpoint

    async def routes(self) -> builtins.list[ServiceRoute]:
        """Every route of the service (healthy or not) with its session and traffic ratio."""
        return [r for r in (await self.detail()).routings or () if r is not None]

    async def get_endpoint(self) -> str | None:
        """The URL that serves inference requests (``None`` until the app proxy assigned one)."""
        endpoint = (await self.info()).service_endpoint
        return None if endpoint is None else str(endpoint.root)

    async def delete(self) -> m.SuccessResponseModel:
        return await self._session().wire.services.delete(service_id=await self.resolve())

    async def sync(self) -> m.SuccessResponseModel:
        """Ask the manager to re-send the route table to the app proxy."""
        return await self._session().wire.services.sync(service_id=await self.resolve())

    async def scale(self, to: int) -> m.ScaleResponseModel:
        """Set the number of inference sessions (routes) the service should have."""
        if to < 0:
            raise BackendClientError(f"a service cannot be scaled to {to} sessions")
        return await self._session().wire.services.scale(service_id=await self.resolve(), to=to)

    async def generate_api_token(self, duration: str) -> m.TokenResponseModel:
        """A token for the inference endpoint, valid for *duration* (``"3d"``, ``"2h"``, ...)."""
        return await self._session().wire.services.generate_token(
            service_id=await self.resolve(), duration=duration
        )

    async def update_traffic_ratio(self, route_id: str, ratio: float) -> m.SuccessResponseModel:
        if ratio < 0:
            raise BackendClientError(f"a traffic ratio cannot be negative ({ratio})")
        return await self._session().wire.services.update_route(
            service_id=await self.resolve(), route_id=route_id, traffic_ratio=ratio
        )

    async def downscale_single_route(self, route_id: str) -> m.SuccessResponseModel:
        """Remove one route (and its session), one session fewer than before."""
        return await self._session().wire.services.delete_route(
            service_id=await self.resolve(), route_id=route_id
        )

    async def errors(self) -> m.ErrorListResponseModel:
        """The routes that failed to start, with the reasons."""
        return await self._session().wire.services.list_errors(service_id=await self.resolve())

    async def clear_errors(self) -> None:
        """Forget the failed routes and reset the retry count, so the scheduler tries again."""
        await self._session().wire.services.clear_error(service_id=await self.resolve())

    # -- auto-scaling rules (26.09 and newer) ----------------------------------------------
    async def list_auto_scaling_rules(
        self,
        *,
        filter: str | None = None,
        order: str | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> PaginatedResult[AutoScalingRule]:
        """One page of the service's auto-scaling rules."""
        check_page_size(limit)
        result = await self._session().graphql.auto_scaling_rule_list(
            endpoint=await self.resolve(),
            filter=given(filter),
            order=given(order),
            offset=offset,
            first=limit,
        )
        conn = result.endpoint_auto_scaling_rule_nodes
        edges = conn.edges if conn else []
        rules = [
            AutoScalingRule.model_validate(e.node.model_dump(by_alias=True))
            for e in edges
            if e is not None and e.node is not None
        ]
        return PaginatedResult(items=rules, total_count=(conn.count if conn else None) or 0)

    async def create_auto_scaling_rule(
        self,
        *,
        metric_source: MetricSource,
        metric_name: str,
        threshold: str,
        comparator: Comparator,
        step_size: int,
        cooldown_seconds: int,
        min_replicas: int | None = None,
        max_replicas: int | None = None,
    ) -> AutoScalingRule:
        """Add a rule: when *metric_name* compares so to *threshold*, add *step_size* routes
        (a negative step removes them), at most every *cooldown_seconds*."""
        props = inputs(
            gql.EndpointAutoScalingRuleInput,
            metric_source=metric_source,
            metric_name=metric_name,
            threshold=threshold,
            comparator=comparator,
            step_size=step_size,
            cooldown_seconds=cooldown_seconds,
            min_replicas=min_replicas,
            max_replicas=max_replicas,
        )
        result = await self._session().graphql.auto_scaling_rule_create(
            endpoint=await self.resolve(), props=props
        )
        name = "create_endpoint_auto_scaling_rule_node"
        payload = check_mutation(result.create_endpoint_auto_scaling_rule_node, name)
        if payload.rule is None:
            raise not_found("created auto-scaling rule", self.key)
        return await type(self).get_auto_scaling_rule(payload.rule.id)

    @classmethod
    async def get_auto_scaling_rule(cls, rule_id: str) -> AutoScalingRule:
        result = await cls._session().graphql.auto_scaling_rule_detail(id=rule_id)
        if result.endpoint_auto_scaling_rule_node is None:
            raise not_found("auto-scaling rule", rule_id)
        return result.endpoint_auto_scaling_rule_node

    @classmethod
    async def update_auto_scaling_rule(
        cls, rule_id: str, **changes: Unpack[AutoScalingRuleChanges]
    ) -> AutoScalingRule:
        """Change the given attributes of a rule (``None`` or left out: unchanged;
        ``min_replicas``/``max_replicas`` :data:`~ai_backend_client.types.NO_LIMIT`: remove
        that limit)."""
        unknown = set(changes) - set(AutoScalingRuleChanges.__annotations__)
        if unknown:
            raise BackendClientError(f"unknown rule attributes: {', '.join(sorted(unknown))}")
        values = props(**changes)
        for limit in ("min_replicas", "max_replicas"):
            if values.get(limit) is NO_LIMIT:
                values[limit] = None  # an explicit null: the manager clears the limit
        props_in = gql.ModifyEndpointAutoScalingRuleInput.model_validate(values)
        result = await cls._session().graphql.auto_scaling_rule_modify(id=rule_id, props=props_in)
        name = "modify_endpoint_auto_scaling_rule_node"
        payload = check_mutation(result.modify_endpoint_auto_scaling_rule_node, name)
        if payload.rule is None:
            raise not_found("auto-scaling rule", rule_id)
        return await cls.get_auto_scaling_rule(payload.rule.id)

    @classmethod
    async def delete_auto_scaling_rule(cls, rule_id: str) -> None:
        result = await cls._session().graphql.auto_scaling_rule_delete(id=rule_id)
        check_mutation(
            result.delete_endpoint_auto_scaling_rule_node, "delete_endpoint_auto_scaling_rule_node"
        )
