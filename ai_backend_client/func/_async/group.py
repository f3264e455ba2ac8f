"""Groups (projects): GraphQL ``groups``, ``group``, ``groups_by_name`` and the group mutations."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from ._gql import check_mutation, gql, inputs, not_found, props, run
from .base import AsyncFunction

__all__ = ["Group", "GroupDetail", "GroupItem"]

GroupItem = gql.GroupListGroups
GroupDetail = gql.GroupDetailGroup
MutationResult = gql.GroupUpdateModifyGroup


class Group(AsyncFunction):
    """User groups (projects); mutations need an admin."""

    @classmethod
    async def list(
        cls,
        domain_name: str | None = None,
        fields: Sequence[str] | None = None,
        *,
        is_active: bool | None = None,
    ) -> builtins.list[GroupItem]:
        """Groups of a domain (the requester's without one)."""
        result = await run(
            cls._session().graphql.group_list,
            gql.GroupList,
            fields,
            ("groups",),
            domain_name=domain_name,
            is_active=is_active,
        )
        return [g for g in result.groups or () if g is not None]

    @classmethod
    async def detail(cls, gid: str | uuid.UUID, fields: Sequence[str] | None = None) -> GroupDetail:
        """One group by ID."""
        result = await run(
            cls._session().graphql.group_detail, gql.GroupDetail, fields, ("group",), id=gid
        )
        if result.group is None:
            raise not_found("group", gid)
        return result.group

    @classmethod
    async def from_name(
        cls, name: str, domain_name: str | None = None, fields: Sequence[str] | None = None
    ) -> builtins.list[gql.GroupsByNameGroupsByName]:
        """Groups with this name (one per domain)."""
        result = await run(
            cls._session().graphql.groups_by_name,
            gql.GroupsByName,
            fields,
            ("groups_by_name",),
            name=name,
            domain_name=domain_name,
        )
        return [g for g in result.groups_by_name or () if g is not None]

    @classmethod
    async def create(
        cls,
        domain_name: str,
        name: str,
        description: str = "",
        is_active: bool = True,
        total_resource_slots: Mapping[str, Any] | None = None,
        allowed_vfolder_hosts: Any = None,
        integration_id: str | None = None,
    ) -> gql.GroupCreateCreateGroup:
        """Create a group in *domain_name*.

        ``allowed_vfolder_hosts`` is a list of hosts on 22.03 and a mapping of host to
        permissions on 24.09 servers.
        """
        result = await run(
            cls._session().graphql.group_create,
            gql.GroupCreate,
            None,
            (),
            name=name,
            props=inputs(
                gql.GroupInput,
                domain_name=domain_name,
                description=description,
                is_active=is_active,
                total_resource_slots=dict(total_resource_slots or {}),
                allowed_vfolder_hosts=allowed_vfolder_hosts,
                integration_id=integration_id,
            ),
        )
        return check_mutation(result.create_group, "create_group")

    @classmethod
    async def _modify(cls, gid: str | uuid.UUID, values: dict[str, Any]) -> MutationResult:
        result = await run(
            cls._session().graphql.group_update,
            gql.GroupUpdate,
            None,
            (),
            gid=gid,
            props=gql.ModifyGroupInput.model_validate(values),
        )
        return check_mutation(result.modify_group, "modify_group")

    @classmethod
    async def update(
        cls,
        gid: str | uuid.UUID,
        name: str | None = None,
        description: str | None = None,
        is_active: bool | None = None,
        total_resource_slots: Mapping[str, Any] | None = None,
        allowed_vfolder_hosts: Any = None,
        integration_id: str | None = None,
    ) -> MutationResult:
        """Change the given properties of a group."""
        return await cls._modify(
            gid,
            props(
                name=name,
                description=description,
                is_active=is_active,
                total_resource_slots=(
                    dict(total_resource_slots) if total_resource_slots is not None else None
                ),
                allowed_vfolder_hosts=allowed_vfolder_hosts,
                integration_id=integration_id,
            ),
        )

    @classmethod
    async def add_users(
        cls, gid: str | uuid.UUID, user_uuids: Sequence[str | uuid.UUID]
    ) -> MutationResult:
        """Add users (by UUID) to a group."""
        return await cls._modify(
            gid, {"user_update_mode": "add", "user_uuids": [str(u) for u in user_uuids]}
        )

    @classmethod
    async def remove_users(
        cls, gid: str | uuid.UUID, user_uuids: Sequence[str | uuid.UUID]
    ) -> MutationResult:
        """Remove users (by UUID) from a group."""
        return await cls._modify(
            gid, {"user_update_mode": "remove", "user_uuids": [str(u) for u in user_uuids]}
        )

    @classmethod
    async def delete(cls, gid: str | uuid.UUID) -> gql.GroupDeleteDeleteGroup:
        """Deactivate a group (``purge`` removes it)."""
        result = await run(cls._session().graphql.group_delete, gql.GroupDelete, None, (), gid=gid)
        return check_mutation(result.delete_group, "delete_group")

    @classmethod
    async def purge(cls, gid: str | uuid.UUID) -> gql.GroupPurgePurgeGroup:
        """Remove a group and its data."""
        result = await run(cls._session().graphql.group_purge, gql.GroupPurge, None, (), gid=gid)
        return check_mutation(result.purge_group, "purge_group")
