"""Keypairs (GraphQL ``keypairs``, ``keypair_list``, ``keypair`` and the keypair mutations)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from ..._base_client import MalformedResponseError
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

__all__ = ["KeyPair", "KeyPairCreated", "KeyPairInfo", "KeyPairItem", "KeyPairListItem"]

KeyPairListItem = gql.KeyPairListKeypairs
KeyPairItem = gql.KeyPairPaginatedListKeypairListItems
KeyPairInfo = gql.KeyPairInfoKeypair
KeyPairCreated = gql.KeyPairCreateCreateKeypair
MutationResult = gql.KeyPairUpdateModifyKeypair


class KeyPair(AsyncFunction):
    """Keypairs: the class methods administer them, an instance reads one (``KeyPair(ak).info()``)."""

    def __init__(self, access_key: str) -> None:
        self.access_key = access_key

    @classmethod
    async def create(
        cls,
        user_id: str,
        is_active: bool = True,
        is_admin: bool = False,
        resource_policy: str = "default",
        rate_limit: int = 5000,
        *,
        concurrency_limit: int | None = None,
    ) -> KeyPairCreated:
        """Create a keypair for the user with email *user_id*; the answer holds the new keys."""
        try:
            result = await run(
                cls._session().graphql.key_pair_create,
                gql.KeyPairCreate,
                None,
                (),
                user_id=user_id,
                props=inputs(
                    gql.KeyPairInput,
                    is_active=is_active,
                    is_admin=is_admin,
                    resource_policy=resource_policy,
                    rate_limit=rate_limit,
                    concurrency_limit=concurrency_limit,
                ),
            )
        except MalformedResponseError as e:  # strict_responses: the keypair exists all the same
            raise e.after(f"the server created a keypair for {user_id}") from None
        return check_mutation(result.create_keypair, "create_keypair")

    @classmethod
    async def update(
        cls,
        access_key: str,
        is_active: bool | None = None,
        is_admin: bool | None = None,
        resource_policy: str | None = None,
        rate_limit: int | None = None,
    ) -> MutationResult:
        """Change the given properties of a keypair (``None`` leaves one unchanged)."""
        result = await run(
            cls._session().graphql.key_pair_update,
            gql.KeyPairUpdate,
            None,
            (),
            access_key=access_key,
            props=inputs(
                gql.ModifyKeyPairInput,
                is_active=is_active,
                is_admin=is_admin,
                resource_policy=resource_policy,
                rate_limit=rate_limit,
            ),
        )
        return check_mutation(result.modify_keypair, "modify_keypair")

    @classmethod
    async def activate(cls, access_key: str) -> MutationResult:
        """Re-enable a keypair."""
        return await cls.update(access_key, is_active=True)

    @classmethod
    async def deactivate(cls, access_key: str) -> MutationResult:
        """Disable a keypair without deleting it."""
        return await cls.update(access_key, is_active=False)

    @classmethod
    async def delete(cls, access_key: str) -> gql.KeyPairDeleteDeleteKeypair:
        """Delete a keypair."""
        result = await run(
            cls._session().graphql.key_pair_delete,
            gql.KeyPairDelete,
            None,
            (),
            access_key=access_key,
        )
        return check_mutation(result.delete_keypair, "delete_keypair")

    @classmethod
    async def list(
        cls,
        user_id: str | None = None,
        is_active: bool | None = None,
        fields: Sequence[str] | None = None,
    ) -> builtins.list[KeyPairListItem]:
        """Keypairs, optionally only the given user's (by email) and by active state."""
        result = await run(
            cls._session().graphql.key_pair_list,
            gql.KeyPairList,
            fields,
            ("keypairs",),
            email=user_id,
            is_active=is_active,
        )
        return [k for k in result.keypairs or () if k is not None]

    @classmethod
    async def paginated_list(
        cls,
        is_active: bool | None = None,
        domain_name: str | None = None,
        *,
        user_id: str | None = None,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[KeyPairItem]:
        """One page of keypairs."""
        check_page_size(page_size)
        result = await run(
            cls._session().graphql.key_pair_paginated_list,
            gql.KeyPairPaginatedList,
            fields,
            ("keypair_list", "items"),
            limit=page_size,
            offset=page_offset,
            is_active=is_active,
            domain_name=domain_name,
            email=user_id,
            filter=filter,
            order=order,
        )
        listing = result.keypair_list
        return page(listing.items if listing else None, listing.total_count if listing else 0)

    iter_all = pager(paginated_list)

    async def info(self, fields: Sequence[str] | None = None) -> KeyPairInfo:
        """This keypair (22.03's client always read the requester's own; this one asks for it)."""
        result = await run(
            self._session().graphql.key_pair_info,
            gql.KeyPairInfo,
            fields,
            ("keypair",),
            access_key=self.access_key,
        )
        if result.keypair is None:
            raise not_found("keypair", self.access_key)
        return result.keypair
