"""``Model``: model folders, the virtual folders (``usage_mode: model``) a model service serves.

A model is a folder like any other; these are the official client's ``model`` commands over the
folder API: create one (with the ``versions`` directory the official client makes), list the
model folders, show one with its versions, upload files to a version and download them, delete
one. A version is the directory ``versions/<version>`` of the folder; the transfers address it
as the official client does, as the storage proxy's ``dst_dir``.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..._generated.latest import models as m
from ..._graphql import PaginatedResult
from ..._serving import ModelInfo
from ...exceptions import BackendClientError, BadRequestError, NotFoundError
from ...transfer import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MAX_PARALLEL,
    ProgressCallback,
    RemotePathError,
)
from .base import AsyncFunction
from .vfolder import Permission, VFolder, VFolderItem

__all__ = ["Model", "ModelInfo"]

#: The directory of a model folder that holds one subdirectory per model version.
VERSIONS_DIR = "versions"

# The GraphQL filter of model folders (the enum's name, as the folder list's filter reads it).
_MODEL_FILTER = 'usage_mode == "model"'


class Model(AsyncFunction):
    """A model folder, by name or id."""

    def __init__(self, name: str) -> None:
        if not name:
            raise BackendClientError("a model name is required")
        self.name = name

    def __repr__(self) -> str:
        return f"<Model {self.name!r}>"

    @classmethod
    def _folders(cls) -> type[VFolder]:
        return VFolder.bind(cls._session())

    @classmethod
    async def list(cls) -> builtins.list[m.VFolderListItem]:
        """The model folders the requester can access."""
        return [f for f in await cls._folders().list() if f.usage_mode == "model"]

    @classmethod
    async def paginated_list(
        cls,
        *,
        fields: Sequence[str] | None = None,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[VFolderItem]:
        """One page of model folders through GraphQL ``vfolder_list`` (admins see all)."""
        composed = f"({filter}) & ({_MODEL_FILTER})" if filter else _MODEL_FILTER
        return await cls._folders().paginated_list(
            fields=fields,
            page_offset=page_offset,
            page_size=page_size,
            filter=composed,
            order=order,
        )

    @classmethod
    async def create(
        cls,
        name: str,
        host: str | None = None,
        unmanaged_path: str | None = None,
        group: str | None = None,
        permission: Permission = "rw",
        quota: str | None = "0",
        cloneable: bool = False,
    ) -> m.CreateVFolderResponse:
        """Create a model folder (and its ``versions`` directory)."""
        folders = cls._folders()
        created = await folders.create(
            name,
            host=host,
            unmanaged_path=unmanaged_path,
            group=group,
            usage_mode="model",
            permission=permission,
            quota=quota,
            cloneable=cloneable,
        )
        await folders(name).mkdir(VERSIONS_DIR, parents=True, exist_ok=True)
        return created

    async def info(self) -> ModelInfo:
        """The folder and the names of its versions (subdirectories of ``versions``)."""
        folder = self._folders()(self.name)
        info = await folder.info()
        try:
            listing = await folder.list_files(VERSIONS_DIR)
        except (BadRequestError, NotFoundError):
            # a model folder made as a plain folder has no versions directory (the server
            # answers 400 "No such file or directory" on 24.09)
            return ModelInfo(folder=info, versions=[])
        versions = sorted(
            (item.name for item in listing.items if item.type.lower() == "directory"),
            reverse=True,
        )
        return ModelInfo(folder=info, versions=versions)

    async def upload(
        self,
        files: Sequence[str | os.PathLike[str]],
        version: str,
        *,
        basedir: str | os.PathLike[str] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        address_map: Mapping[str, str] | None = None,
        progress: ProgressCallback | None = None,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
    ) -> builtins.list[str]:
        """Upload files (and directories) to the model as *version*: each to
        ``versions/<version>/<its path relative to basedir>``, files of the same name replaced.
        Returns the paths written in the folder; otherwise as :meth:`VFolder.upload`."""
        return await self._folders()(self.name).upload(
            files,
            basedir=basedir,
            chunk_size=chunk_size,
            address_map=address_map,
            progress=progress,
            max_parallel=max_parallel,
            dst_dir=version_dir(version),
        )

    async def download(
        self,
        files: Sequence[str],
        version: str,
        *,
        basedir: str | os.PathLike[str] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        address_map: Mapping[str, str] | None = None,
        overwrite: bool = False,
        progress: ProgressCallback | None = None,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
        max_retries: int | None = None,
    ) -> builtins.list[Path]:
        """Download files of *version* (paths relative to ``versions/<version>``) to
        ``basedir/<path>``; returns the local paths; otherwise as :meth:`VFolder.download`."""
        return await self._folders()(self.name).download(
            files,
            basedir=basedir,
            chunk_size=chunk_size,
            address_map=address_map,
            overwrite=overwrite,
            progress=progress,
            max_parallel=max_parallel,
            dst_dir=version_dir(version),
            max_retries=max_retries,
        )

    async def delete(self) -> None:
        """Delete the model folder and its files."""
        await self._folders()(self.name).delete()


def version_dir(version: str) -> str:
    """The folder directory of a model version: ``versions/<version>`` (one path segment)."""
    if not version or version in (".", "..") or "/" in version or "\x00" in version:
        raise RemotePathError(f"{version!r} is not a model version name")
    return f"{VERSIONS_DIR}/{version}"
