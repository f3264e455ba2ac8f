"""``Dotfile``: files the server places in every new session's home (the seed's names).

The scope follows the seed: with ``group`` the group's dotfiles (``/group-config``), else with
``domain`` the domain's (``/domain-config``), else the user's (``/user-config``, optionally of
``owner_access_key`` for admins).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..._generated.v8_20240915 import models as m
from ...exceptions import BackendClientError
from .base import AsyncFunction, coerce_model

if TYPE_CHECKING:
    from ...session import AsyncSession

__all__ = ["Dotfile"]

_PERMISSION = re.compile(r"^[0-7]{3}$")


def _check(path: str, permission: str | None = None) -> None:
    if not path:
        raise BackendClientError("a dotfile path is required")
    if permission is not None and not _PERMISSION.match(permission):
        raise BackendClientError(
            f"invalid dotfile permission {permission!r}: use three octal digits such as 755"
        )


def _scope(
    session: AsyncSession, owner_access_key: str | None, domain: str | None, group: str | None
) -> tuple[Any, dict[str, Any]]:
    """The wire resource of the scope and the keyword arguments naming it."""
    wire = session.wire
    if group is not None:
        return wire.group_config, {"group": group, **({"domain": domain} if domain else {})}
    if domain is not None:
        return wire.domain_config, {"domain": domain}
    return wire.user_config, ({"owner_access_key": owner_access_key} if owner_access_key else {})


class Dotfile(AsyncFunction):
    """One dotfile, by path, in the user's, a domain's or a group's scope."""

    def __init__(
        self,
        path: str,
        owner_access_key: str | None = None,
        group: str | None = None,
        domain: str | None = None,
    ) -> None:
        _check(path)
        self.path = path
        self.owner_access_key = owner_access_key
        self.group = group
        self.domain = domain

    def __repr__(self) -> str:
        return f"<Dotfile {self.path!r}>"

    @classmethod
    async def create(
        cls,
        data: str,
        path: str,
        permission: str = "755",
        owner_access_key: str | None = None,
        domain: str | None = None,
        group: str | None = None,
    ) -> Dotfile:
        """Store a dotfile; returns the object to act on it further."""
        _check(path, permission)
        resource, scope = _scope(cls._session(), owner_access_key, domain, group)
        await resource.create(data=data, path=path, permission=permission, **scope)
        return cls(path, owner_access_key=owner_access_key, group=group, domain=domain)

    @classmethod
    async def list_dotfiles(
        cls,
        owner_access_key: str | None = None,
        domain: str | None = None,
        group: str | None = None,
    ) -> list[m.Dotfile]:
        """All dotfiles of the scope."""
        resource, scope = _scope(cls._session(), owner_access_key, domain, group)
        result = coerce_model(m.DotfileListOrItem, await resource.list_or_get(**scope)).root
        return result if isinstance(result, list) else [result]

    async def get(self) -> m.Dotfile:
        """The dotfile's record (``path``, ``perm``/``permission``, ``data``)."""
        resource, scope = _scope(self._session(), self.owner_access_key, self.domain, self.group)
        result = coerce_model(
            m.DotfileListOrItem, await resource.list_or_get(path=self.path, **scope)
        ).root
        if isinstance(result, list):  # an old server that ignores `path`
            for item in result:
                if item.path == self.path:
                    return item
            raise BackendClientError(f"no such dotfile: {self.path!r}")
        return result

    async def update(self, data: str, permission: str = "755") -> m.EmptyResponse:
        _check(self.path, permission)
        resource, scope = _scope(self._session(), self.owner_access_key, self.domain, self.group)
        result = await resource.update(data=data, path=self.path, permission=permission, **scope)
        return coerce_model(m.EmptyResponse, result if result is not None else {})

    async def delete(self) -> m.SuccessResponse:
        resource, scope = _scope(self._session(), self.owner_access_key, self.domain, self.group)
        result = await resource.delete(path=self.path, **scope)
        return coerce_model(m.SuccessResponse, result if result is not None else {})
