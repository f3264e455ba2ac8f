"""``VFolder``: virtual folders, their files, sharing, and file transfers (the seed's names).

Class methods act on the session (``session.VFolder.list()``); instances act on one folder
(``session.VFolder("data").upload(["a.csv"])``). Answers are the newest (v8) typed models.
"""

from __future__ import annotations

import builtins
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Final, Literal

from ..._generated.latest import models as m
from ..._graphql import PaginatedResult
from ..._results import BgtaskEvent
from ..._types import NOT_GIVEN, given
from ...exceptions import (
    BackendAPIVersionError,
    BackendClientError,
    MalformedResponseError,
    NotFoundError,
)
from ...transfer import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_PARALLEL,
    ProgressCallback,
    RemotePathError,
    local_target,
    plan_uploads,
    remote_dir,
    remote_path,
)
from . import _adapters as adapters
from ._gql import check_page_size, gql, page, run
from ._transfer import Transfer
from .base import AsyncFunction
from .bgtask import wait_background_task

if TYPE_CHECKING:
    from ..._generated.neutral.rest.folders import FoldersCreateParams
    from ..._session_core import AsyncSessionCore as AsyncSession

__all__ = [
    "BackgroundTaskProgress",
    "VFolder",
    "VFolderItem",
]

#: The most retries ``download(max_retries=)`` accepts (each waits longer: bounded backoff).
MAX_RETRIES: Final = 100

Permission = Literal["ro", "rw", "wd"]
UsageMode = Literal["general", "model", "data"]

VFolderItem = gql.VFolderListVfolderListItems
if TYPE_CHECKING:  # annotations only: `vfolder list` must not load these operations' models
    OwnVFolderItem = gql.VFolderOwnListVfolderOwnListItems
    InvitedVFolderItem = gql.VFolderInvitedListVfolderInvitedListItems
    ProjectVFolderItem = gql.VFolderProjectListVfolderProjectListItems


# The progress reports of a background task (the copy behind ``clone``) are stream events.
BackgroundTaskProgress = BgtaskEvent


class VFolder(AsyncFunction):
    """A virtual folder, by name."""

    def __init__(self, name: str) -> None:
        if not name:
            raise BackendClientError("a virtual folder name is required")
        self.name: str = name

    def __repr__(self) -> str:
        return f"<VFolder {self.name!r}>"

    # -- folders (class methods) -----------------------------------------------------------
    @classmethod
    async def create(
        cls,
        name: str,
        host: str | None = None,
        unmanaged_path: str | None = None,
        group: str | None = None,
        usage_mode: UsageMode = "general",
        permission: Permission = "rw",
        quota: str | None = "0",
        cloneable: bool = False,
    ) -> m.CreateVFolderResponse:
        """Create a folder on *host* (default: the server's default host)."""
        if not name or name.strip() != name:
            raise BackendClientError(f"invalid virtual folder name {name!r}")
        params: FoldersCreateParams = {
            "name": name,
            "usage_mode": usage_mode,
            "permission": permission,
            "cloneable": cloneable,
        }
        if host is not None:
            params["host"] = host
        if unmanaged_path is not None:
            params["unmanaged_path"] = unmanaged_path
        if group is not None:
            params["group"] = group
        try:
            return await adapters.create_folder(cls._session(), quota, **params)
        except MalformedResponseError as e:  # strict_responses: the folder exists all the same
            raise e.after(f"the server created virtual folder {name!r}") from None

    @classmethod
    async def delete_by_id(cls, oid: str) -> None:
        """Delete a folder by its id (admins); on 24.09 this also empties it from the trash bin."""
        await adapters.delete_folder_by_id(cls._session(), oid)

    @classmethod
    async def list(cls, list_all: bool = False) -> builtins.list[m.VFolderListItem]:
        """The folders the requester can access (own, group, invited)."""
        if list_all:
            raise BackendClientError(
                "list_all=True is rejected by the server since 22.03; use paginated_list() as an admin"
            )
        return (await cls._session().wire.folders.list_folders()).root

    @classmethod
    async def paginated_list(
        cls,
        group: str | None = None,
        *,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[VFolderItem]:
        """One page of folders through GraphQL ``vfolder_list`` (``page_size`` <= 100).

        ``group`` is a project (group) UUID; ``fields`` replaces the selection and is checked
        against the server's schema before sending.
        """
        check_page_size(page_size)
        result = await run(
            cls._session().graphql.v_folder_list,
            gql.VFolderList,
            fields,
            ("vfolder_list", "items"),
            limit=page_size,
            offset=page_offset,
            group_id=group,
            filter=filter,
            order=order,
        )
        listing = result.vfolder_list
        return page(listing.items if listing else None, listing.total_count if listing else 0)

    @classmethod
    async def list_hosts(cls) -> m.VFolderHostsResponse:
        return await cls._session().wire.folders.list_hosts()

    @classmethod
    async def list_all_hosts(cls) -> m.VFolderAllHostsResponse:
        return await cls._session().wire.folders.list_all_hosts()

    @classmethod
    async def list_allowed_types(cls) -> builtins.list[str]:
        return (await cls._session().wire.folders.list_allowed_types()).root

    @classmethod
    async def get_fstab_contents(cls, agent_id: str | None = None) -> m.FstabContentsResponse:
        return await cls._session().wire.folders.get_fstab_contents(agent_id=given(agent_id))

    @classmethod
    async def get_performance_metric(cls, folder_host: str) -> m.StorageProxyReply:
        return await cls._session().wire.folders.get_volume_perf_metric(folder_host=folder_host)

    @classmethod
    async def list_mounts(cls) -> m.MountsResponse:
        return await cls._session().wire.folders.list_mounts()

    @classmethod
    async def mount_host(
        cls, name: str, fs_location: str, options: str | None = None, edit_fstab: bool = False
    ) -> m.MountsResponse:
        return await cls._session().wire.folders.mount_host(
            name=name, fs_location=fs_location, edit_fstab=edit_fstab, options=given(options)
        )

    @classmethod
    async def umount_host(cls, name: str, edit_fstab: bool = False) -> m.MountsResponse:
        return await cls._session().wire.folders.umount_host(name=name, edit_fstab=edit_fstab)

    @classmethod
    async def invitations(cls) -> builtins.list[m.Invitation]:
        return (await cls._session().wire.folders.invitations()).invitations or []

    @classmethod
    async def accept_invitation(cls, inv_id: str) -> m.MessageResponse:
        return await cls._session().wire.folders.accept_invitation(inv_id=inv_id)

    @classmethod
    async def delete_invitation(cls, inv_id: str) -> m.MessageResponse:
        return await cls._session().wire.folders.delete_invitation(inv_id=inv_id)

    # -- one folder ------------------------------------------------------------------------
    async def info(self) -> m.VFolderInfo:
        return await self._session().wire.folders.get_info(name=self.name)

    async def delete(self) -> None:
        """Delete the folder and its files (on 24.09: trash, then removal from the trash bin)."""
        await adapters.delete_folder(self._session(), self.name)

    async def rename(self, new_name: str) -> None:
        await self._session().wire.folders.rename_vfolder(name=self.name, new_name=new_name)
        self.name = new_name

    async def update_options(
        self,
        name: str | None = None,
        permission: Permission | None = None,
        cloneable: bool | None = None,
    ) -> None:
        """Change the folder's innate permission and/or cloneability (``name``: the seed's, unused)."""
        await self._session().wire.folders.update_vfolder_options(
            name=self.name, permission=given(permission), cloneable=given(cloneable)
        )

    # -- files -----------------------------------------------------------------------------
    async def mkdir(
        self, path: str | Sequence[str], *, parents: bool = True, exist_ok: bool = False
    ) -> m.MkdirResponse:
        paths = [remote_path(path)] if isinstance(path, str) else [remote_path(p) for p in path]
        return await adapters.mkdir(
            self._session(), self.name, paths, parents=parents, exist_ok=exist_ok
        )

    async def rename_file(self, target_path: str, new_name: str) -> m.MessageResponse:
        if "/" in new_name or new_name in ("", ".", ".."):
            raise RemotePathError(f"invalid new name {new_name!r}: give a name, not a path")
        return await self._session().wire.folders.rename_file(
            name=self.name, target_path=remote_path(target_path), new_name=new_name
        )

    async def move_file(self, src_path: str, dst_path: str) -> m.MessageResponse:
        return await self._session().wire.folders.move_file(
            name=self.name, src=remote_path(src_path), dst=remote_path(dst_path)
        )

    async def delete_files(
        self, files: Sequence[str], recursive: bool = False
    ) -> m.MessageResponse:
        if isinstance(files, str):
            files = [files]
        paths = [remote_path(f) for f in files]
        if "." in paths:
            raise RemotePathError("refusing to delete the folder root; delete the folder instead")
        return await self._session().wire.folders.delete_files(
            name=self.name, files=paths, recursive=recursive
        )

    async def list_files(self, path: str = ".") -> m.ListVFolderFilesResponse:
        return await adapters.folders_list_files(
            self._session().versioned, name=self.name, path=remote_path(path)
        )

    # -- transfers -------------------------------------------------------------------------
    async def upload(
        self,
        files: Sequence[str | os.PathLike[str]],
        *,
        basedir: str | os.PathLike[str] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        address_map: Mapping[str, str] | None = None,
        show_progress: bool = False,
        progress: ProgressCallback | None = None,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
        dst_dir: str | PurePosixPath | None = None,
    ) -> builtins.list[str]:
        """Upload files and directories (recursively); returns the remote paths written.

        Each file goes to its path relative to *basedir* (default: the current directory), with
        ``/`` separators on every OS, under the folder's directory *dst_dir* if given (relative,
        without ``..``; created as needed, e.g. ``versions/1`` of a model folder). Every local
        path is checked before the first byte moves.
        Up to *max_parallel* files move at once; if some fail, the others still complete and
        :class:`~ai_backend_client.transfer.PartialTransferError` lists which failed. (One file
        raises its own error.) ``show_progress`` is accepted for the seed's signature; the library
        never prints, pass *progress* (``callback(done, total, file)``, called from several tasks
        or threads) instead.
        """
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        destination = self._destination(dst_dir)
        items = plan_uploads(files, basedir)
        transfer = Transfer(
            self._session(),
            self.name,
            chunk_size=chunk_size,
            address_map=address_map,
            progress=progress,
            max_parallel=max_parallel,
            dst_dir=destination,
        )
        await transfer.upload(items)
        return [transfer.in_folder(item.remote) for item in items]

    async def download(
        self,
        relative_paths: Sequence[str],
        *,
        basedir: str | os.PathLike[str] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        show_progress: bool = False,
        address_map: Mapping[str, str] | None = None,
        overwrite: bool = False,
        archive: bool = False,
        progress: ProgressCallback | None = None,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
        dst_dir: str | PurePosixPath | None = None,
        max_retries: int | None = None,
    ) -> builtins.list[Path]:
        """Download files and directories into *basedir* (default: the current directory);
        returns the local files written.

        A file lands at ``basedir/<remote path>``, and so does each file of a remote directory
        (its empty subdirectories are made too; ``"."`` is the whole folder): a directory of
        many small files comes down as one zip archive that is checked and extracted, any other
        file by file. With ``archive=True`` each path (usually a directory) is fetched as
        ``basedir/<name>.zip`` instead. With *dst_dir* (relative, without
        ``..``) the remote paths are read from that directory of the folder, and still land at
        ``basedir/<remote path>``. Existing files are kept unless *overwrite*; an interrupted
        download continues with a Range request (at most *max_retries* times in a row; default
        ``DEFAULT_MAX_ATTEMPTS - 1``, 5), and a failed one leaves nothing under the final name. Up to *max_parallel* files
        move at once; failures are reported as in :meth:`upload`.
        """
        if max_retries is not None and not 0 <= max_retries <= MAX_RETRIES:
            raise BackendClientError(f"max_retries must be between 0 and {MAX_RETRIES}")
        destination = self._destination(dst_dir)
        if isinstance(relative_paths, str):
            relative_paths = [relative_paths]
        targets: builtins.list[tuple[str, Path]] = []
        for rel in relative_paths:
            remote = remote_path(rel)
            if archive:
                name = self.name if remote == "." else remote.rsplit("/", 1)[-1]
                targets.append((remote, local_target(f"{name}.zip", basedir)))
            elif remote == ".":  # the whole folder: its tree lands in basedir itself
                targets.append((remote, Path.cwd() if basedir is None else Path(basedir)))
            else:
                targets.append((remote, local_target(remote, basedir)))
        transfer = Transfer(
            self._session(),
            self.name,
            chunk_size=chunk_size,
            address_map=address_map,
            progress=progress,
            max_parallel=max_parallel,
            dst_dir=destination,
            max_attempts=DEFAULT_MAX_ATTEMPTS if max_retries is None else max_retries + 1,
        )
        return await transfer.download_many(targets, overwrite=overwrite, archive=archive)

    def _destination(self, dst_dir: str | PurePosixPath | None) -> str | None:
        destination = remote_dir(dst_dir)
        session = self._session()
        if destination is not None and not adapters.storage_takes_dst_dir(session):
            raise BackendAPIVersionError(
                "a transfer's dst_dir needs Backend.AI 24.09 (API v8.20240915) or newer; this "
                f"server speaks API {session.versioned.version}"
            )
        return destination

    async def request_download(self, filename: str, *, archive: bool = False) -> m.TransferSession:
        """A storage-proxy download URL and token for later use (the token is a credential)."""
        return await self._session().wire.folders.create_download_session(
            name=self.name, path=remote_path(filename), archive=True if archive else NOT_GIVEN
        )

    # -- sharing ---------------------------------------------------------------------------
    async def invite(self, perm: Permission, emails: Sequence[str]) -> m.InviteResponse:
        return await adapters.folders_invite(
            self._session().versioned, name=self.name, perm=perm, emails=list(emails)
        )

    async def share(self, perm: Permission, emails: Sequence[str]) -> m.ShareVFolderResponse:
        return await self._session().wire.folders.share(
            name=self.name, permission=perm, emails=list(emails)
        )

    async def unshare(self, emails: Sequence[str]) -> m.UnshareVFolderResponse:
        return await self._session().wire.folders.unshare(name=self.name, emails=list(emails))

    async def leave(self) -> m.MessageResponse:
        return await self._session().wire.folders.leave(name=self.name)

    async def clone(
        self,
        target_name: str,
        target_host: str | None = None,
        usage_mode: UsageMode = "general",
        permission: Permission = "rw",
        *,
        cloneable: bool | None = None,
        wait: bool = False,
        progress: Callable[[BackgroundTaskProgress], None] | None = None,
    ) -> m.CloneVFolderResponse:
        """Clone the folder; the copy runs on the server as a background task (``bgtask_id``).

        With ``wait=True`` (or a *progress* callback) this returns only when the copy is done,
        reporting each ``bgtask_updated`` event; a failed or cancelled copy raises.
        """
        if target_host is None:  # 24.09 fails with 500 without one; default to the source's host
            target_host = (await self.info()).host
        cloned = await self._session().wire.folders.clone(
            name=self.name,
            target_name=target_name,
            usage_mode=usage_mode,
            permission=permission,
            target_host=given(target_host),
            cloneable=given(cloneable),
        )
        task_id = cloned.get("bgtask_id")
        if (wait or progress is not None) and task_id:
            await wait_background_task(self._session(), str(task_id), progress)
        return cloned

    # -- the trash bin (24.09 and later) ---------------------------------------------------
    # A folder's life there: ready -> (move_to_trash) delete-pending -> (restore) ready, or
    # -> (delete_trash) its files are removed -> (purge, admins) its record is gone too.
    def _needs_trash_bin(self, what: str) -> AsyncSession:
        session = self._session()
        if not adapters.has_trash_bin(session):
            raise BackendAPIVersionError(
                f"{what} needs a server with a trash bin: Backend.AI 24.09 (API v8.20240915) "
                f"or newer; this one speaks API {session.versioned.version}"
            )
        return session

    async def _trash_id(self, what: str) -> tuple[AsyncSession, str]:
        """The folder's id: looked up by name once, then remembered, because a folder whose
        data left the trash bin (``delete_trash``) is no longer found by name; a name that is
        a UUID is taken as the id of such a folder."""
        session = self._needs_trash_bin(what)
        known: str | None = getattr(self, "_folder_id", None)
        if known is None:
            try:
                known = str((await session.wire.folders.get_vfolder_id(vfolder_name=self.name)).id)
            except NotFoundError:
                known = _as_uuid(self.name)
                if known is None:
                    raise
            self._folder_id = known
        return session, known

    async def move_to_trash(self) -> None:
        """Move the folder to the trash bin (``delete-pending``); :meth:`restore` undoes it.

        ``vfolder delete`` of the CLI; the seed's :meth:`delete` also empties it from the bin.
        """
        session = self._needs_trash_bin("moving a folder to the trash bin")
        await session.wire.folders.delete_by_name(name=self.name)

    async def restore(self) -> None:
        """Bring the folder back from the trash bin (``ready`` again)."""
        session, folder_id = await self._trash_id("restoring a folder from the trash bin")
        await session.wire.folders.restore(vfolder_id=folder_id)

    async def recover(self) -> None:
        """The official client's older name of :meth:`restore` (deprecated since 24.03.1)."""
        await self.restore()

    async def delete_trash(self) -> None:
        """Remove the files of a folder in the trash bin (irreversible); the record stays
        until :meth:`purge`."""
        session, folder_id = await self._trash_id("deleting a folder from the trash bin")
        await session.wire.folders.delete_from_trash_bin(vfolder_id=folder_id)

    async def purge(self) -> None:
        """Remove the record of a folder in the trash bin for good (admins; irreversible)."""
        session, folder_id = await self._trash_id("purging a folder")
        await session.wire.folders.purge(vfolder_id=folder_id)

    # -- folder lists by relation (24.09 and later; GraphQL) ------------------------------
    @classmethod
    async def _by_relation(
        cls,
        relation: Literal["own", "invited", "project"],
        fields: Sequence[str] | None,
        page_offset: int,
        page_size: int,
        filter: str | None,
        order: str | None,
    ) -> PaginatedResult[Any]:
        """One page of ``vfolder_<relation>_list`` (documents ``VFolder<Relation>List``)."""
        check_page_size(page_size)
        key = f"vfolder_{relation}_list"
        operation: Any = getattr(cls._session().graphql, f"v_folder_{relation}_list")
        result_type: Any = getattr(gql, f"VFolder{relation.title()}List")
        result = await run(
            operation,
            result_type,
            fields,
            (key, "items"),
            limit=page_size,
            offset=page_offset,
            filter=filter,
            order=order,
        )
        listing = getattr(result, key)
        return page(listing.items if listing else None, listing.total_count if listing else 0)

    @classmethod
    async def paginated_own_list(
        cls,
        *,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[OwnVFolderItem]:
        """One page of the folders the requester owns (``vfolder_own_list``)."""
        return await cls._by_relation("own", fields, page_offset, page_size, filter, order)

    @classmethod
    async def paginated_invited_list(
        cls,
        *,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[InvitedVFolderItem]:
        """One page of the folders others shared with the requester (``vfolder_invited_list``)."""
        return await cls._by_relation("invited", fields, page_offset, page_size, filter, order)

    @classmethod
    async def paginated_project_list(
        cls,
        *,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[ProjectVFolderItem]:
        """One page of the project (group) folders the requester can use
        (``vfolder_project_list``)."""
        return await cls._by_relation("project", fields, page_offset, page_size, filter, order)


def _as_uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None
