"""Scaling groups: GraphQL administration plus the REST ``list_available``."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from ..._generated.latest import models
from ._gql import check_mutation, gql, inputs, not_found, run
from .base import AsyncFunction, coerce_model

__all__ = ["ScalingGroup"]

MutationResult = gql.ScalingGroupUpdateModifyScalingGroup


class ScalingGroup(AsyncFunction):
    """Scaling groups (agent pools) and their associations with domains and groups."""

    @classmethod
    async def list_available(
        cls, group: str | uuid.UUID
    ) -> builtins.list[models.ScalingGroupListResponseScalingGroup]:
        """The scaling groups the requester may use in *group* (a project name or ID)."""
        result = await cls._session().wire.scaling_groups.list_available_sgroups(group=str(group))
        return coerce_model(models.ScalingGroupListResponse, result).scaling_groups or []

    @classmethod
    async def list(
        cls, is_active: bool | None = None, fields: Sequence[str] | None = None
    ) -> builtins.list[gql.ScalingGroupListScalingGroups]:
        """Every scaling group (admin)."""
        result = await run(
            cls._session().graphql.scaling_group_list,
            gql.ScalingGroupList,
            fields,
            ("scaling_groups",),
            is_active=is_active,
        )
        return [g for g in result.scaling_groups or () if g is not None]

    @classmethod
    async def detail(
        cls, name: str, fields: Sequence[str] | None = None
    ) -> gql.ScalingGroupDetailScalingGroup:
        """One scaling group (``NotFoundError`` if there is none)."""
        result = await run(
            cls._session().graphql.scaling_group_detail,
            gql.ScalingGroupDetail,
            fields,
            ("scaling_group",),
            name=name,
        )
        if result.scaling_group is None:
            raise not_found("scaling group", name)
        return result.scaling_group

    @classmethod
    async def create(
        cls,
        name: str,
        description: str = "",
        is_active: bool = True,
        driver: str = "static",
        driver_opts: Mapping[str, Any] | None = None,
        scheduler: str = "fifo",
        scheduler_opts: Mapping[str, Any] | None = None,
        *,
        wsproxy_addr: str | None = None,
    ) -> gql.ScalingGroupCreateCreateScalingGroup:
        """Create a scaling group (``driver_opts``/``scheduler_opts`` are sent JSON-encoded)."""
        result = await run(
            cls._session().graphql.scaling_group_create,
            gql.ScalingGroupCreate,
            None,
            (),
            name=name,
            props=inputs(
                gql.CreateScalingGroupInput,
                description=description,
                is_active=is_active,
                driver=driver,
                driver_opts=dict(driver_opts or {}),
                scheduler=scheduler,
                scheduler_opts=dict(scheduler_opts or {}),
                wsproxy_addr=wsproxy_addr,
            ),
        )
        return check_mutation(result.create_scaling_group, "create_scaling_group")

    @classmethod
    async def update(
        cls,
        name: str,
        description: str | None = None,
        is_active: bool | None = None,
        driver: str | None = None,
        driver_opts: Mapping[str, Any] | None = None,
        scheduler: str | None = None,
        scheduler_opts: Mapping[str, Any] | None = None,
        *,
        wsproxy_addr: str | None = None,
    ) -> MutationResult:
        """Change the given properties of a scaling group."""
        result = await run(
            cls._session().graphql.scaling_group_update,
            gql.ScalingGroupUpdate,
            None,
            (),
            name=name,
            props=inputs(
                gql.ModifyScalingGroupInput,
                description=description,
                is_active=is_active,
                driver=driver,
                driver_opts=dict(driver_opts) if driver_opts is not None else None,
                scheduler=scheduler,
                scheduler_opts=dict(scheduler_opts) if scheduler_opts is not None else None,
                wsproxy_addr=wsproxy_addr,
            ),
        )
        return check_mutation(result.modify_scaling_group, "modify_scaling_group")

    @classmethod
    async def delete(cls, name: str) -> gql.ScalingGroupDeleteDeleteScalingGroup:
        """Delete a scaling group."""
        result = await run(
            cls._session().graphql.scaling_group_delete, gql.ScalingGroupDelete, None, (), name=name
        )
        return check_mutation(result.delete_scaling_group, "delete_scaling_group")

    @classmethod
    async def associate_domain(
        cls, scaling_group: str, domain: str
    ) -> gql.ScalingGroupAssociateDomainAssociateScalingGroupWithDomain:
        """Let *domain* use *scaling_group*."""
        result = await run(
            cls._session().graphql.scaling_group_associate_domain,
            gql.ScalingGroupAssociateDomain,
            None,
            (),
            scaling_group=scaling_group,
            domain=domain,
        )
        return check_mutation(
            result.associate_scaling_group_with_domain, "associate_scaling_group_with_domain"
        )

    @classmethod
    async def dissociate_domain(
        cls, scaling_group: str, domain: str
    ) -> gql.ScalingGroupDissociateDomainDisassociateScalingGroupWithDomain:
        """Stop *domain* from using *scaling_group*."""
        result = await run(
            cls._session().graphql.scaling_group_dissociate_domain,
            gql.ScalingGroupDissociateDomain,
            None,
            (),
            scaling_group=scaling_group,
            domain=domain,
        )
        return check_mutation(
            result.disassociate_scaling_group_with_domain, "disassociate_scaling_group_with_domain"
        )

    @classmethod
    async def dissociate_all_domain(
        cls, domain: str
    ) -> gql.ScalingGroupDissociateAllDomainDisassociateAllScalingGroupsWithDomain:
        """Remove every scaling group from *domain*."""
        result = await run(
            cls._session().graphql.scaling_group_dissociate_all_domain,
            gql.ScalingGroupDissociateAllDomain,
            None,
            (),
            domain=domain,
        )
        return check_mutation(
            result.disassociate_all_scaling_groups_with_domain,
            "disassociate_all_scaling_groups_with_domain",
        )

    @classmethod
    async def associate_group(
        cls, scaling_group: str, group_id: str | uuid.UUID
    ) -> gql.ScalingGroupAssociateGroupAssociateScalingGroupWithUserGroup:
        """Let the group (project) *group_id* use *scaling_group*."""
        result = await run(
            cls._session().graphql.scaling_group_associate_group,
            gql.ScalingGroupAssociateGroup,
            None,
            (),
            scaling_group=scaling_group,
            user_group=group_id,
        )
        return check_mutation(
            result.associate_scaling_group_with_user_group,
            "associate_scaling_group_with_user_group",
        )

    @classmethod
    async def dissociate_group(
        cls, scaling_group: str, group_id: str | uuid.UUID
    ) -> gql.ScalingGroupDissociateGroupDisassociateScalingGroupWithUserGroup:
        """Stop the group *group_id* from using *scaling_group*."""
        result = await run(
            cls._session().graphql.scaling_group_dissociate_group,
            gql.ScalingGroupDissociateGroup,
            None,
            (),
            scaling_group=scaling_group,
            user_group=group_id,
        )
        return check_mutation(
            result.disassociate_scaling_group_with_user_group,
            "disassociate_scaling_group_with_user_group",
        )

    @classmethod
    async def dissociate_all_group(
        cls, group_id: str | uuid.UUID
    ) -> gql.ScalingGroupDissociateAllGroupDisassociateAllScalingGroupsWithGroup:
        """Remove every scaling group from the group *group_id*."""
        result = await run(
            cls._session().graphql.scaling_group_dissociate_all_group,
            gql.ScalingGroupDissociateAllGroup,
            None,
            (),
            user_group=group_id,
        )
        return check_mutation(
            result.disassociate_all_scaling_groups_with_group,
            "disassociate_all_scaling_groups_with_group",
        )
