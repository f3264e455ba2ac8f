"""Where the vfolder operations differ between API versions, and nowhere else.

The seed API calls these instead of the wire operations that changed:

* Deleting a folder. v6 (22.03): ``DELETE /folders/{name}`` (``folders.delete_by_name``) and
  ``DELETE /folders`` ``{"id"}`` remove the folder. v8 (24.09): both only move it to the trash bin
  (status ``delete-pending``); ``POST /folders/delete-from-trash-bin`` ``{"vfolder_id"}`` then
  removes it from storage. The seed's ``delete()`` promised removal, so on v8 it does both steps.
* Deleting files: v8 answers ``POST`` and ``DELETE`` on ``delete-files`` (``folders.delete_files``
  is the ``POST``); v6 only ``DELETE``. Both wire methods take the same arguments.
* ``quota`` on create: v6 only (24.09 replaced per-folder quotas by quota scopes).
* ``invite``: the invitees are ``user_ids`` in the v6 spec, ``emails`` in v8 (same emails).
* ``mkdir``: v8 takes several paths at once and answers per-path results; v6 one path, no body.
* Permission and usage-mode arguments are enums in the v6 wire layer and literals in v8; the
  calls below pass the plain strings both accept at run time.

Every answer is returned as the newest (v8) public model, converted with ``coerce_model``.
Operations are found by name on the wire client, so a version without one fails with a clear
``BackendAPIVersionError`` instead of an ``AttributeError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..._generated.v8_20240915 import models as m
from ...exceptions import BackendAPIVersionError
from .base import coerce_model

if TYPE_CHECKING:
    from ...session import AsyncSession

__all__ = [
    "clone",
    "create_folder",
    "delete_files",
    "delete_folder",
    "delete_folder_by_id",
    "invite",
    "mkdir",
    "request_download",
    "request_upload",
    "share",
    "update_options",
]


def _op(session: AsyncSession, tag: str, name: str) -> Any:
    op = getattr(getattr(session.wire, tag), name, None)
    if op is None:
        raise BackendAPIVersionError(
            f"the server's API version {session.api_version} has no {tag}.{name} operation"
        )
    return op


def _has_op(session: AsyncSession, tag: str, name: str) -> bool:
    return getattr(getattr(session.wire, tag), name, None) is not None


def _has_trash_bin(session: AsyncSession) -> bool:
    """24.09 (v8) and later soft-delete folders into a trash bin."""
    return _has_op(session, "folders", "delete_from_trash_bin")


async def create_folder(
    session: AsyncSession, *, quota: str | None, **fields: Any
) -> m.CreateVFolderResponse:
    if quota not in (None, "", "0") and not _has_trash_bin(session):  # v6 still has quotas
        fields["quota"] = quota
    result = await _op(session, "folders", "create")(**fields)
    return coerce_model(m.CreateVFolderResponse, result)


async def _folder_id(session: AsyncSession, name: str) -> str:
    info = await _op(session, "folders", "get_info")(name=name)
    folder_id = coerce_model(m.VFolderInfo, info).id
    if not folder_id:
        raise BackendAPIVersionError(f"the server did not tell the id of the folder {name!r}")
    return folder_id


async def delete_folder(session: AsyncSession, name: str, *, purge: bool = True) -> None:
    """Delete the folder *name* (v8: move it to the trash bin, then, with *purge*, empty it)."""
    if not _has_trash_bin(session):
        await _op(session, "folders", "delete_by_name")(name=name)
        return
    folder_id = await _folder_id(session, name) if purge else None
    await _op(session, "folders", "delete_by_name")(name=name)
    if folder_id is not None:
        await _op(session, "folders", "delete_from_trash_bin")(vfolder_id=folder_id)


async def delete_folder_by_id(session: AsyncSession, oid: str, *, purge: bool = True) -> None:
    if _has_trash_bin(session):
        await _op(session, "folders", "delete_by_id")(vfolder_id=oid)
        if purge:
            await _op(session, "folders", "delete_from_trash_bin")(vfolder_id=oid)
        return
    await _op(session, "folders", "delete_by_id")(id=oid)


async def delete_files(
    session: AsyncSession, name: str, files: Sequence[str], *, recursive: bool
) -> m.EmptyResponse:
    result = await _op(session, "folders", "delete_files")(
        name=name, files=list(files), recursive=recursive
    )
    return coerce_model(m.EmptyResponse, result if result is not None else {})


async def request_upload(
    session: AsyncSession, name: str, path: str, size: int
) -> m.TransferSession:
    result = await _op(session, "folders", "create_upload_session")(name=name, path=path, size=size)
    return coerce_model(m.TransferSession, result)


async def request_download(
    session: AsyncSession, name: str, path: str, *, archive: bool = False
) -> m.TransferSession:
    op = _op(session, "folders", "create_download_session")
    result = await (op(name=name, path=path, archive=True) if archive else op(name=name, path=path))
    return coerce_model(m.TransferSession, result)


async def invite(
    session: AsyncSession, name: str, perm: str, emails: Sequence[str]
) -> m.InviteResponse:
    op = _op(session, "folders", "invite")
    key = "emails" if _has_trash_bin(session) else "user_ids"
    result = await op(name=name, perm=perm, **{key: list(emails)})
    return coerce_model(m.InviteResponse, result)


async def share(
    session: AsyncSession, name: str, perm: str, emails: Sequence[str]
) -> m.ShareVFolderResponse:
    result = await _op(session, "folders", "share")(name=name, permission=perm, emails=list(emails))
    return coerce_model(m.ShareVFolderResponse, result)


async def clone(session: AsyncSession, name: str, **fields: Any) -> m.CloneVFolderResponse:
    result = await _op(session, "folders", "clone")(name=name, **fields)
    return coerce_model(m.CloneVFolderResponse, result)


async def update_options(session: AsyncSession, name: str, **fields: Any) -> None:
    await _op(session, "folders", "update_vfolder_options")(name=name, **fields)


async def mkdir(
    session: AsyncSession, name: str, paths: Sequence[str], *, parents: bool, exist_ok: bool
) -> m.MkdirResponse:
    op = _op(session, "folders", "mkdir")
    if _has_trash_bin(session):
        result = await op(
            name=name,
            path=paths[0] if len(paths) == 1 else list(paths),
            parents=parents,
            exist_ok=exist_ok,
        )
        return coerce_model(m.MkdirResponse, result if result is not None else {})
    for path in paths:
        await op(name=name, path=path, parents=parents, exist_ok=exist_ok)
    return m.MkdirResponse.model_validate({})
