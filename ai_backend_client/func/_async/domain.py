"""Domains: GraphQL ``domains``, ``domain`` and the domain mutations (superadmin)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from ._gql import check_mutation, gql, not_found, props, run
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
            cls._session(),
            "domain_list",
            {"is_active": is_active},
            gql.DomainList,
            fields=fields,
            path=("domains",),
        )
        return [d for d in result.domains or () if d is not None]

    @classmethod
    async def detail(cls, name: str, fields: Sequence[str] | None = None) -> DomainDetail:
        """One domain."""
        result = await run(
            cls._session(),
            "domain_detail",
            {"name": name},
            gql.DomainDetail,
            fields=fields,
            path=("domain",),
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
        result = await run(
            cls._session(),
            "domain_create",
            {
                "name": name,
                "props": props(
                    description=description,
                    is_active=is_active,
                    total_resource_slots=dict(total_resource_slots or {}),
                    allowed_vfolder_hosts=allowed_vfolder_hosts,
                    allowed_docker_registries=(
                        list(allowed_docker_registries)
                        if allowed_docker_registries is not None
                        else None
                    ),
                    integration_id=integration_id,
                ),
            },
            gql.DomainCreate,
        )
        return check_mutation(result.create_domain, "create_domain")

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
            cls._session(),
            "domain_update",
            {
                "name": name,
                "props": props(
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
            },
            gql.DomainUpdate,
        )
        return check_mutation(result.modify_domain, "modify_domain")

    @classmethod
    async def delete(cls, name: str) -> gql.DomainDeleteDeleteDomain:
        """Deactivate a domain (``purge`` removes it)."""
        result = await run(cls._session(), "domain_delete", {"name": name}, gql.DomainDelete)
        return check_mutation(result.delete_domain, "delete_domain")

    @classmethod
    async def purge(cls, name: str) -> gql.DomainPurgePurgeDomain:
        """Remove a domain."""
        result = await run(cls._session(), "domain_purge", {"name": name}, gql.DomainPurge)
        return check_mutation(result.purge_domain, "purge_domain")
