"""Domains: GraphQL ``domains``, ``domain`` and the domain mutations (superadmin)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from ...exceptions import BackendClientError, BackendError
from . import _adapters
from ._gql import check_mutation, gql, inputs, not_found, run
from .base import AsyncFunction

__all__ = ["Domain", "DomainDetail", "DomainItem"]

DomainItem = gql.DomainListDomains
DomainDetail = gql.DomainDetailDomain


class Domain(AsyncFunction):
    """Domains (mutations need a superadmin)."""

    @classmethod
    async def list(
        cls, fields: Sequence[str] | None = None, *, is_active: bool | None = None
    ) -> builtins.list[DomainItem]:
        """Every domain."""
        result = await run(
            cls._session().graphql.domain_list,
            gql.DomainList,
            fields,
            ("domains",),
            is_active=is_active,
        )
        return [d for d in result.domains or () if d is not None]

    @classmethod
    async def detail(cls, name: str, fields: Sequence[str] | None = None) -> DomainDetail:
        """One domain."""
        result = await run(
            cls._session().graphql.domain_detail, gql.DomainDetail, fields, ("domain",), name=name
        )
        if result.domain is None:
            raise not_found("domain", name)
        return result.domain

    @classmethod
    async def create(
        cls,
        name: str,
        description: str = "",
        is_active: bool = True,
        total_resource_slots: Mapping[str, Any] | None = None,
        allowed_vfolder_hosts: Any = None,
        allowed_docker_registries: Sequence[str] | None = None,
        integration_id: str | None = None,
    ) -> gql.DomainCreateCreateDomain:
        """Create a domain."""
        slots = dict(total_resource_slots or {})
        later = bool(slots or allowed_vfolder_hosts) and _adapters.domain_mappings_after_create(
            cls._session()
        )
        result = await run(
            cls._session().graphql.domain_create,
            gql.DomainCreate,
            None,
            (),
            name=name,
            props=inputs(
                gql.DomainInput,
                description=description,
                is_active=is_active,
                total_resource_slots={} if later else slots,
                allowed_vfolder_hosts=None if later else allowed_vfolder_hosts,
                allowed_docker_registries=(
                    list(allowed_docker_registries)
                    if allowed_docker_registries is not None
                    else None
                ),
                integration_id=integration_id,
            ),
        )
        created = check_mutation(result.create_domain, "create_domain")
        if later:
            try:
                await cls.update(
                    name,
                    total_resource_slots=slots or None,
                    allowed_vfolder_hosts=allowed_vfolder_hosts,
                )
            except BackendError as e:
                raise BackendClientError(
                    f"domain {name!r} was created, but setting its resource slots and vfolder "
                    f"hosts failed: {e}"
                ) from e
        return created

    @classmethod
    async def update(
        cls,
        name: str,
        new_name: str | None = None,
        description: str | None = None,
        is_active: bool | None = None,
        total_resource_slots: Mapping[str, Any] | None = None,
        allowed_vfolder_hosts: Any = None,
        allowed_docker_registries: Sequence[str] | None = None,
        integration_id: str | None = None,
    ) -> gql.DomainUpdateModifyDomain:
        """Change the given properties of a domain (``new_name`` renames it)."""
        result = await run(
            cls._session().graphql.domain_update,
            gql.DomainUpdate,
            None,
            (),
            name=name,
            props=inputs(
                gql.ModifyDomainInput,
                name=new_name,
                description=description,
                is_active=is_active,
                total_resource_slots=(
                    dict(total_resource_slots) if total_resource_slots is not None else None
                ),
                allowed_vfolder_hosts=allowed_vfolder_hosts,
                allowed_docker_registries=(
                    list(allowed_docker_registries)
                    if allowed_docker_registries is not None
                    else None
                ),
                integration_id=integration_id,
            ),
        )
        return check_mutation(result.modify_domain, "modify_domain")

    @classmethod
    async def delete(cls, name: str) -> gql.DomainDeleteDeleteDomain:
        """Deactivate a domain (``purge`` removes it)."""
        result = await run(
            cls._session().graphql.domain_delete, gql.DomainDelete, None, (), name=name
        )
        return check_mutation(result.delete_domain, "delete_domain")

    @classmethod
    async def purge(cls, name: str) -> gql.DomainPurgePurgeDomain:
        """Remove a domain."""
        result = await run(
            cls._session().graphql.domain_purge, gql.DomainPurge, None, (), name=name
        )
        return check_mutation(result.purge_domain, "purge_domain")
