"""Keypair resource policies: GraphQL queries and mutations."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from ._gql import check_mutation, gql, inputs, not_found, run
from .base import AsyncFunction

__all__ = ["KeyPairResourcePolicy", "PolicyInfo", "PolicyItem"]

PolicyItem = gql.KeyPairResourcePolicyListKeypairResourcePolicies
PolicyInfo = gql.KeyPairResourcePolicyInfoKeypairResourcePolicy


class KeyPairResourcePolicy(AsyncFunction):
    """Resource limits applied to keypairs (mutations need a superadmin)."""

    def __init__(self, access_key: str | None = None) -> None:
        self.access_key = access_key

    @classmethod
    async def list(cls, fields: Sequence[str] | None = None) -> builtins.list[PolicyItem]:
        """Every keypair resource policy."""
        result = await run(
            cls._session().graphql.key_pair_resource_policy_list,
            gql.KeyPairResourcePolicyList,
            fields,
            ("keypair_resource_policies",),
        )
        return [p for p in result.keypair_resource_policies or () if p is not None]

    async def info(
        self, name: str | None = None, fields: Sequence[str] | None = None
    ) -> PolicyInfo:
        """A policy by name (the requester's own without one)."""
        result = await run(
            self._session().graphql.key_pair_resource_policy_info,
            gql.KeyPairResourcePolicyInfo,
            fields,
            ("keypair_resource_policy",),
            name=name,
        )
        if result.keypair_resource_policy is None:
            raise not_found("keypair resource policy", name)
        return result.keypair_resource_policy

    @classmethod
    async def create(
        cls,
        name: str,
        default_for_unspecified: str = "UNLIMITED",
        total_resource_slots: Mapping[str, Any] | None = None,
        max_concurrent_sessions: int = 30,
        max_containers_per_session: int = 1,
        max_vfolder_count: int = 10,
        max_vfolder_size: int = 0,
        idle_timeout: int = 1800,
        allowed_vfolder_hosts: Any = None,
        *,
        max_session_lifetime: int = 0,
    ) -> gql.KeyPairResourcePolicyCreateCreateKeypairResourcePolicy:
        """Create a policy (``total_resource_slots`` is sent JSON-encoded)."""
        result = await run(
            cls._session().graphql.key_pair_resource_policy_create,
            gql.KeyPairResourcePolicyCreate,
            None,
            (),
            name=name,
            props=inputs(
                gql.CreateKeyPairResourcePolicyInput,
                default_for_unspecified=default_for_unspecified,
                total_resource_slots=dict(total_resource_slots or {}),
                max_session_lifetime=max_session_lifetime,
                max_concurrent_sessions=max_concurrent_sessions,
                max_containers_per_session=max_containers_per_session,
                max_vfolder_count=max_vfolder_count,
                max_vfolder_size=max_vfolder_size,
                idle_timeout=idle_timeout,
                allowed_vfolder_hosts=allowed_vfolder_hosts,
            ),
        )
        return check_mutation(
            result.create_keypair_resource_policy, "create_keypair_resource_policy"
        )

    @classmethod
    async def update(
        cls,
        name: str,
        default_for_unspecified: str | None = None,
        total_resource_slots: Mapping[str, Any] | None = None,
        max_concurrent_sessions: int | None = None,
        max_containers_per_session: int | None = None,
        max_vfolder_count: int | None = None,
        max_vfolder_size: int | None = None,
        idle_timeout: int | None = None,
        allowed_vfolder_hosts: Any = None,
        *,
        max_session_lifetime: int | None = None,
    ) -> gql.KeyPairResourcePolicyUpdateModifyKeypairResourcePolicy:
        """Change the given limits of a policy."""
        result = await run(
            cls._session().graphql.key_pair_resource_policy_update,
            gql.KeyPairResourcePolicyUpdate,
            None,
            (),
            name=name,
            props=inputs(
                gql.ModifyKeyPairResourcePolicyInput,
                default_for_unspecified=default_for_unspecified,
                total_resource_slots=(
                    dict(total_resource_slots) if total_resource_slots is not None else None
                ),
                max_session_lifetime=max_session_lifetime,
                max_concurrent_sessions=max_concurrent_sessions,
                max_containers_per_session=max_containers_per_session,
                max_vfolder_count=max_vfolder_count,
                max_vfolder_size=max_vfolder_size,
                idle_timeout=idle_timeout,
                allowed_vfolder_hosts=allowed_vfolder_hosts,
            ),
        )
        return check_mutation(
            result.modify_keypair_resource_policy, "modify_keypair_resource_policy"
        )

    @classmethod
    async def delete(cls, name: str) -> gql.KeyPairResourcePolicyDeleteDeleteKeypairResourcePolicy:
        """Delete a policy."""
        result = await run(
            cls._session().graphql.key_pair_resource_policy_delete,
            gql.KeyPairResourcePolicyDelete,
            None,
            (),
            name=name,
        )
        return check_mutation(
            result.delete_keypair_resource_policy, "delete_keypair_resource_policy"
        )
