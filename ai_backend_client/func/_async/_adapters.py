"""Where API versions really differ, and nowhere else.

Codegen absorbs additive changes (a keyword a version lacks is refused there, a newer model is
narrowed to an older one, an older answer is parsed into the newest model). What it cannot
decide is listed in ``_generated.neutral.AsyncAdapters``: this module implements exactly those
operations (the type checkers verify it at the bottom), each taking the negotiated version's
clients and the newest version's keyword arguments. Below them are the few differences of
meaning that no signature shows (the template payload, deletion into a trash bin).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ..._generated.latest import models
from ..._generated.neutral import AsyncWireV6_20220315
from ..._types import NOT_GIVEN
from ...exceptions import BackendAPIVersionError
from ...task_template import SessionTemplateDocument, dump_template_payload
from .base import coerce_model

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..._generated.neutral import AsyncAdapters, AsyncVersionedWire
    from ..._generated.neutral.rest.folders import (
        FoldersCreateParams,
        FoldersDeleteByIdParams,
        FoldersInviteParams,
        FoldersMkdirParams,
    )
    from ..._generated.neutral.rest.manager import ManagerUpdateManagerStatusParams
    from ..._generated.neutral.rest.resource import ResourceUsagePerPeriodParams
    from ..._session_core import AsyncSessionCore

__all__ = [
    "create_folder",
    "delete_folder",
    "delete_folder_by_id",
    "folders_delete_by_id",
    "folders_invite",
    "folders_mkdir",
    "has_trash_bin",
    "manager_update_manager_status",
    "resource_usage_per_period",
    "template_payload",
]


# -- the adapter table (``_generated.neutral.AsyncAdapters``) ----------------------------------
async def folders_delete_by_id(
    wire: AsyncVersionedWire, /, **params: Unpack[FoldersDeleteByIdParams]
) -> None:
    """22.03 names the body key ``id``; 24.09 ``vfolder_id``."""
    if isinstance(wire, AsyncWireV6_20220315):
        await wire.rest.folders.delete_by_id(id=str(params["vfolder_id"]))
        return
    await wire.rest.folders.delete_by_id(**params)


async def folders_invite(
    wire: AsyncVersionedWire, /, **params: Unpack[FoldersInviteParams]
) -> models.InviteResponse:
    """22.03 names the invitees ``user_ids`` (they are e-mail addresses); 24.09 ``emails``."""
    if isinstance(wire, AsyncWireV6_20220315):
        result = await wire.rest.folders.invite(
            name=params["name"], user_ids=list(params["emails"]), perm=params.get("perm", NOT_GIVEN)
        )
        return coerce_model(models.InviteResponse, result)
    return await wire.rest.folders.invite(**params)


async def folders_mkdir(
    wire: AsyncVersionedWire, /, **params: Unpack[FoldersMkdirParams]
) -> models.MkdirResponse:
    """22.03 makes one directory per call and answers nothing; 24.09 takes several paths and
    answers per path."""
    if isinstance(wire, AsyncWireV6_20220315):
        paths = [params["path"]] if isinstance(params["path"], str) else list(params["path"])
        for path in paths:
            await wire.rest.folders.mkdir(
                name=params["name"],
                path=path,
                parents=params.get("parents", False),
                exist_ok=params.get("exist_ok", False),
            )
        return models.MkdirResponse.model_validate({"results": {"success": [], "failed": []}})
    return await wire.rest.folders.mkdir(**params)


async def resource_usage_per_period(
    wire: AsyncVersionedWire, /, **params: Unpack[ResourceUsagePerPeriodParams]
) -> models.UsageRecordList:
    """22.03 names the project ``group_id``; 24.09 ``project_id``."""
    if isinstance(wire, AsyncWireV6_20220315):
        result = await wire.rest.resource.usage_per_period(
            start_date=params["start_date"],
            end_date=params["end_date"],
            group_id=params.get("project_id"),
        )
        return coerce_model(models.UsageRecordList, result)
    return await wire.rest.resource.usage_per_period(**params)


async def manager_update_manager_status(
    wire: AsyncVersionedWire, /, **params: Unpack[ManagerUpdateManagerStatusParams]
) -> None:
    """22.03 validates ManagerStatus by name (``FROZEN``); 24.09 by value (``frozen``)."""
    if isinstance(wire, AsyncWireV6_20220315):
        status: Literal["RUNNING", "FROZEN"] = (
            "FROZEN" if params["status"] == "frozen" else "RUNNING"
        )
        await wire.rest.manager.update_manager_status(
            status=status, force_kill=params.get("force_kill", False)
        )
        return
    await wire.rest.manager.update_manager_status(**params)


# -- differences no signature shows ------------------------------------------------------------
def template_payload(session: AsyncSessionCore, document: SessionTemplateDocument) -> str:
    """22.03 reads ``{"session_templates": [...]}`` from ``payload``; 24.09 iterates the
    payload itself and wants the bare list."""
    return dump_template_payload(
        document, envelope=isinstance(session.versioned, AsyncWireV6_20220315)
    )


def has_trash_bin(session: AsyncSessionCore) -> bool:
    """24.09 and later soft-delete folders into a trash bin (``folders.delete_from_trash_bin``)."""
    return not isinstance(session.versioned, AsyncWireV6_20220315)


async def create_folder(
    session: AsyncSessionCore, quota: str | None, /, **params: Unpack[FoldersCreateParams]
) -> models.CreateVFolderResponse:
    """Create a folder. 22.03 still takes a per-folder ``quota``; 24.09 replaced it by quota
    scopes, so it is sent only where it means something."""
    wire = session.versioned
    if isinstance(wire, AsyncWireV6_20220315) and quota not in (None, "", "0"):
        return await wire.rest.folders.create(**params, quota=quota)
    return await session.wire.folders.create(**params)


async def delete_folder(session: AsyncSessionCore, name: str, *, purge: bool = True) -> None:
    """Delete the folder *name*. 22.03 removes it; 24.09 moves it to the trash bin, which the
    seed's ``delete()`` did not mean, so with *purge* it is then removed from there too."""
    folders = session.wire.folders
    if not has_trash_bin(session):
        await folders.delete_by_name(name=name)
        return
    folder_id = None
    if purge:
        folder_id = (await folders.get_info(name=name)).id
        if not folder_id:
            raise BackendAPIVersionError(f"the server did not tell the id of the folder {name!r}")
    await folders.delete_by_name(name=name)
    if folder_id is not None:
        await folders.delete_from_trash_bin(vfolder_id=folder_id)


async def delete_folder_by_id(session: AsyncSessionCore, oid: str, *, purge: bool = True) -> None:
    """Delete a folder by its id (as :func:`delete_folder`: on 24.09 also from the trash bin)."""
    await folders_delete_by_id(session.versioned, vfolder_id=oid)
    if purge and has_trash_bin(session):
        await session.wire.folders.delete_from_trash_bin(vfolder_id=oid)


if TYPE_CHECKING:  # this module is the adapter table: the type checkers verify it here
    from . import _adapters as _this

    _table: AsyncAdapters = _this
