"""Users (GraphQL ``users``, ``user_list``, ``user``, ``user_from_uuid`` and the user mutations)."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence

from ..._graphql import PaginatedResult
from ._gql import (
    check_mutation,
    check_page_size,
    gql,
    inputs,
    not_found,
    page,
    pager,
    run,
)
from .base import AsyncFunction

__all__ = ["User", "UserDetail", "UserItem"]

UserItem = gql.UserPaginatedListUserListItems
UserDetail = gql.UserDetailUser


class User(AsyncFunction):
    """User accounts (listing others and every mutation need an admin)."""

    @classmethod
    async def list(
        cls,
        status: str | None = None,
        group: str | uuid.UUID | None = None,
        fields: Sequence[str] | None = None,
    ) -> builtins.list[gql.UserListUsers]:
        """Users, optionally by status (``active``...) and group (project) ID."""
        result = await run(
            cls._session().graphql.user_list,
            gql.UserList,
            fields,
            ("users",),
            status=status,
            group_id=group,
        )
        return [u for u in result.users or () if u is not None]

    @classmethod
    async def paginated_list(
        cls,
        status: str | None = None,
        group: str | uuid.UUID | None = None,
        *,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[UserItem]:
        """One page of users."""
        check_page_size(page_size)
        result = await run(
            cls._session().graphql.user_paginated_list,
            gql.UserPaginatedList,
            fields,
            ("user_list", "items"),
            limit=page_size,
            offset=page_offset,
            status=status,
            group_id=group,
            filter=filter,
            order=order,
        )
        listing = result.user_list
        return page(listing.items if listing else None, listing.total_count if listing else 0)

    iter_all = pager(paginated_list)

    @classmethod
    async def detail(
        cls, email: str | None = None, fields: Sequence[str] | None = None
    ) -> UserDetail:
        """A user by email; the requester without one."""
        result = await run(
            cls._session().graphql.user_detail, gql.UserDetail, fields, ("user",), email=email
        )
        if result.user is None:
            raise not_found("user", email)
        return result.user

    @classmethod
    async def detail_by_uuid(
        cls, user_uuid: str | uuid.UUID | None = None, fields: Sequence[str] | None = None
    ) -> gql.UserDetailByUuidUserFromUuid:
        """A user by UUID; the requester without one."""
        result = await run(
            cls._session().graphql.user_detail_by_uuid,
            gql.UserDetailByUuid,
            fields,
            ("user_from_uuid",),
            user_id=str(user_uuid) if user_uuid is not None else None,
        )
        if result.user_from_uuid is None:
            raise not_found("user", user_uuid)
        return result.user_from_uuid

    @classmethod
    async def create(
        cls,
        domain_name: str,
        email: str,
        password: str,
        username: str | None = None,
        full_name: str | None = None,
        role: str = "user",
        status: str = "active",
        need_password_change: bool = False,
        description: str = "",
        group_ids: Sequence[str | uuid.UUID] | None = None,
    ) -> gql.UserCreateCreateUser:
        """Create a user (``username`` defaults to the email address)."""
        result = await run(
            cls._session().graphql.user_create,
            gql.UserCreate,
            None,
            (),
            email=email,
            props=inputs(
                gql.UserInput,
                domain_name=domain_name,
                password=password,
                username=username or email,
                full_name=full_name,
                role=role,
                status=status,
                need_password_change=need_password_change,
                description=description,
                group_ids=[str(g) for g in group_ids] if group_ids is not None else None,
            ),
        )
        return check_mutation(result.create_user, "create_user")

    @classmethod
    async def update(
        cls,
        email: str,
        password: str | None = None,
        username: str | None = None,
        full_name: str | None = None,
        domain_name: str | None = None,
        role: str | None = None,
        status: str | None = None,
        need_password_change: bool | None = None,
        description: str | None = None,
        group_ids: Sequence[str | uuid.UUID] | None = None,
    ) -> gql.UserUpdateModifyUser:
        """Change the given properties (unlike 22.03's client, an omitted ``role`` stays as is)."""
        result = await run(
            cls._session().graphql.user_update,
            gql.UserUpdate,
            None,
            (),
            email=email,
            props=inputs(
                gql.ModifyUserInput,
                password=password,
                username=username,
                full_name=full_name,
                domain_name=domain_name,
                role=role,
                status=status,
                need_password_change=need_password_change,
                description=description,
                group_ids=[str(g) for g in group_ids] if group_ids is not None else None,
            ),
        )
        return check_mutation(result.modify_user, "modify_user")

    @classmethod
    async def delete(cls, email: str) -> gql.UserDeleteDeleteUser:
        """Mark a user deleted (``purge`` removes it)."""
        result = await run(
            cls._session().graphql.user_delete, gql.UserDelete, None, (), email=email
        )
        return check_mutation(result.delete_user, "delete_user")

    @classmethod
    async def purge(cls, email: str, purge_shared_vfolders: bool = False) -> gql.UserPurgePurgeUser:
        """Remove a user and its data."""
        result = await run(
            cls._session().graphql.user_purge,
            gql.UserPurge,
            None,
            (),
            email=email,
            props=gql.PurgeUserInput(purge_shared_vfolders=purge_shared_vfolders),
        )
        return check_mutation(result.purge_user, "purge_user")
