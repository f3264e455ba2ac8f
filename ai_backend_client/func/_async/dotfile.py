"""``Dotfile``: files the server places in every new session's home (the seed's names).

The scope follows the seed: with ``group`` the group's dotfiles (``/group-config``), else with
``domain`` the domain's (``/domain-config``), else the user's (``/user-config``, optionally of
``owner_access_key`` for admins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..._generated.latest import models as m
from ..._types import NOT_GIVEN, NotGiven
from ...exceptions import BackendClientError
from .base import AsyncFunction

if TYPE_CHECKING:
    from ..._generated.neutral.rest.domain_config import AsyncDomainConfigOps
    from ..._generated.neutral.rest.group_config import AsyncGroupConfigOps
    from ..._generated.neutral.rest.user_config import AsyncUserConfigOps
    from ..._session_core import AsyncSessionCore as AsyncSession

__all__ = ["Dotfile"]

_PERMISSION = re.compile(r"^[0-7]{3}$")


def _check(path: str, permission: str | None = None) -> None:
    if not path:
        raise BackendClientError("a dotfile path is required")
    if permission is not None and not _PERMISSION.match(permission):
        raise BackendClientError(
            f"invalid dotfile permission {permission!r}: use three octal digits such as 755"
        )


class _Scope(Protocol):
    """The dotfile operations of one scope, with the scope's own keywords filled in."""

    async def create(self, *, data: str, path: str, permission: str) -> m.EmptyResponse: ...
    async def list_or_get(self, *, path: str | NotGiven = NOT_GIVEN) -> m.DotfileListOrItem: ...
    async def update(self, *, data: str, path: str, permission: str) -> m.EmptyResponse: ...
    async def delete(self, *, path: str) -> m.SuccessResponse: ...


@dataclass
class _GroupScope:
    ops: AsyncGroupConfigOps
    group: str
    domain: str | NotGiven

    async def create(self, *, data: str, path: str, permission: str) -> m.EmptyResponse:
        return await self.ops.create(
            group=self.group, domain=self.domain, data=data, path=path, permission=permission
        )

    async def list_or_get(self, *, path: str | NotGiven = NOT_GIVEN) -> m.DotfileListOrItem:
        return await self.ops.list_or_get(group=self.group, domain=self.domain, path=path)

    async def update(self, *, data: str, path: str, permission: str) -> m.EmptyResponse:
        return await self.ops.update(
            group=self.group, domain=self.domain, data=data, path=path, permission=permission
        )

    async def delete(self, *, path: str) -> m.SuccessResponse:
        return await self.ops.delete(group=self.group, domain=self.domain, path=path)


@dataclass
class _DomainScope:
    ops: AsyncDomainConfigOps
    domain: str

    async def create(self, *, data: str, path: str, permission: str) -> m.EmptyResponse:
        return await self.ops.create(
            domain=self.domain, data=data, path=path, permission=permission
        )

    async def list_or_get(self, *, path: str | NotGiven = NOT_GIVEN) -> m.DotfileListOrItem:
        return await self.ops.list_or_get(domain=self.domain, path=path)

    async def update(self, *, data: str, path: str, permission: str) -> m.EmptyResponse:
        return await self.ops.update(
            domain=self.domain, data=data, path=path, permission=permission
        )

    async def delete(self, *, path: str) -> m.SuccessResponse:
        return await self.ops.delete(domain=self.domain, path=path)


@dataclass
class _UserScope:
    ops: AsyncUserConfigOps
    owner_access_key: str | NotGiven

    async def create(self, *, data: str, path: str, permission: str) -> m.EmptyResponse:
        return await self.ops.create(
            data=data, path=path, permission=permission, owner_access_key=self.owner_access_key
        )

    async def list_or_get(self, *, path: str | NotGiven = NOT_GIVEN) -> m.DotfileListOrItem:
        return await self.ops.list_or_get(path=path, owner_access_key=self.owner_access_key)

    async def update(self, *, data: str, path: str, permission: str) -> m.EmptyResponse:
        return await self.ops.update(
            data=data, path=path, permission=permission, owner_access_key=self.owner_access_key
        )

    async def delete(self, *, path: str) -> m.SuccessResponse:
        return await self.ops.delete(path=path, owner_access_key=self.owner_access_key)


def _scope(
    session: AsyncSession, owner_access_key: str | None, domain: str | None, group: str | None
) -> _Scope:
    """The operations of the scope the arguments name (group, else domain, else user)."""
    wire = session.wire
    if group is not None:
        return _GroupScope(wire.group_config, group, domain or NOT_GIVEN)
    if domain is not None:
        return _DomainScope(wire.domain_config, domain)
    return _UserScope(wire.user_config, owner_access_key or NOT_GIVEN)


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
        await _scope(cls._session(), owner_access_key, domain, group).create(
            data=data, path=path, permission=permission
        )
        return cls(path, owner_access_key=owner_access_key, group=group, domain=domain)

    @classmethod
    async def list_dotfiles(
        cls,
        owner_access_key: str | None = None,
        domain: str | None = None,
        group: str | None = None,
    ) -> list[m.Dotfile]:
        """All dotfiles of the scope."""
        scope = _scope(cls._session(), owner_access_key, domain, group)
        result = (await scope.list_or_get()).root
        return result if isinstance(result, list) else [result]

    async def get(self) -> m.Dotfile:
        """The dotfile's record (``path``, ``perm``/``permission``, ``data``)."""
        scope = _scope(self._session(), self.owner_access_key, self.domain, self.group)
        result = (await scope.list_or_get(path=self.path)).root
        if isinstance(result, list):  # an old server that ignores `path`
            for item in result:
                if item.path == self.path:
                    return item
            raise BackendClientError(f"no such dotfile: {self.path!r}")
        return result

    async def update(self, data: str, permission: str = "755") -> m.EmptyResponse:
        _check(self.path, permission)
        scope = _scope(self._session(), self.owner_access_key, self.domain, self.group)
        return await scope.update(data=data, path=self.path, permission=permission)

    async def delete(self) -> m.SuccessResponse:
        scope = _scope(self._session(), self.owner_access_key, self.domain, self.group)
        return await scope.delete(path=self.path)
