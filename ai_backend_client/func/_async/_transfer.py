"""The network half of vfolder transfers (see :mod:`ai_backend_client.transfer` for the rest).

Upload: ``request-upload`` per file, then tus ``PATCH`` requests of at most ``chunk_size`` bytes,
each streamed from disk in small blocks, with the JWT as ``token`` and no Backend.AI signature.
When a ``PATCH`` breaks off, ``HEAD`` tells how much the storage proxy kept, and the upload goes on
from there. Download: a ``GET`` streamed into a :class:`~ai_backend_client.transfer.PartialFile`;
when the stream breaks off, a ``Range`` request continues it. Memory is bounded by a few blocks.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ... import transfer as _transfer
from ..._types import NOT_GIVEN
from ...exceptions import BackendAPIError, BackendClientError, BackendConnectionError
from ...transfer import (
    DEFAULT_CHUNK_SIZE,
    LocalPathError,
    PartialFile,
    ProgressCallback,
    TransferError,
    UploadItem,
    content_range_start_total,
    install_token_redaction,
    iter_file_blocks,
    retry_delay,
    rewrite_storage_url,
    split_url,
)
from . import _adapters

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..._generated.latest.models import TransferSession
    from ..._session_core import AsyncSessionCore as AsyncSession

__all__ = ["Transfer"]

log = logging.getLogger("ai_backend_client.transfer")
install_token_redaction()

_TUS_VERSION = "1.0.0"


class _Interrupted(Exception):
    """The connection to the storage proxy broke off; the transfer may continue."""


class Transfer:
    """Moves files between the local disk and one vfolder through the storage proxy."""

    def __init__(
        self,
        session: AsyncSession,
        vfolder: str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        address_map: Mapping[str, str] | None = None,
        progress: ProgressCallback | None = None,
        max_attempts: int = 6,
    ) -> None:
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        self.session = session
        self.vfolder = vfolder
        self.chunk_size = chunk_size
        self.address_map = (
            address_map if address_map is not None else session.config.storage_proxy_address_map
        )
        self.progress = progress
        self.max_attempts = max_attempts

    def _report(self, done: int, total: int | None, file: str) -> None:
        if self.progress is not None:
            self.progress(done, total, file)

    def _endpoint(self, info: TransferSession) -> tuple[str, str]:
        return split_url(rewrite_storage_url(info.url, self.address_map))

    # -- transfer sessions (the storage proxy's URL and token) ---------------------------------
    async def _upload_session(self, item: UploadItem) -> TransferSession:
        return await self.session.wire.folders.create_upload_session(
            name=self.vfolder, path=item.remote, size=item.size
        )

    async def _download_session(self, remote: str, *, archive: bool) -> TransferSession:
        return await self.session.wire.folders.create_download_session(
            name=self.vfolder, path=remote, archive=True if archive else NOT_GIVEN
        )

    # -- upload ------------------------------------------------------------------------------
    async def upload(self, items: list[UploadItem]) -> None:
        for item in items:
            await self.upload_file(item)

    async def upload_file(self, item: UploadItem) -> None:
        info = await self._upload_session(item)
        base, path = self._endpoint(info)
        token = info.token
        offset = 0
        failures = 0
        self._report(0, item.size, item.remote)
        while True:
            try:
                offset = await self._patch(base, path, token, item, offset)
            except _Interrupted as e:
                failures += 1
                if failures >= self.max_attempts:
                    raise TransferError(
                        f"upload of {item.remote!r} failed after {failures} attempts: {e}"
                    ) from None
                log.info(
                    "upload of %r interrupted at %d bytes (%s); resuming", item.remote, offset, e
                )
                await _transfer.anyio_sleep(retry_delay(failures - 1))
                known = await self._tus_offset(base, path, token)
                if known is None:
                    # The session is gone: it either completed, or expired. Ask for a new one.
                    if offset >= item.size and await self._remote_size(item.remote) == item.size:
                        break
                    info = await self._upload_session(item)
                    base, path = self._endpoint(info)
                    token = info.token
                    known = 0
                offset = known
                self._report(offset, item.size, item.remote)
                continue
            failures = 0
            if offset >= item.size:
                break
        self._report(item.size, item.size, item.remote)

    async def _patch(self, base: str, path: str, token: str, item: UploadItem, offset: int) -> int:
        length = min(self.chunk_size, item.size - offset)
        try:
            f = open(item.local, "rb")  # noqa: SIM115 - closed below, also on errors
        except OSError as e:
            raise LocalPathError(f"cannot read {str(item.local)!r}: {e.strerror}") from None
        try:
            f.seek(offset)

            async def body() -> AsyncIterator[bytes]:
                sent = offset
                for block in iter_file_blocks(f, length):
                    yield block
                    sent += len(block)
                    self._report(sent, item.size, item.remote)

            try:
                response = await self.session.core.request(
                    "PATCH",
                    path,
                    cast_to=httpx.Response,
                    params={"token": token},
                    content=body(),
                    headers={
                        "Tus-Resumable": _TUS_VERSION,
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                        "Content-Length": str(length),
                    },
                    base_url=base,
                    authenticated=False,
                    idempotent=False,
                )
            except BackendConnectionError as e:
                raise _Interrupted(str(e.__cause__ or e)) from None
            except BackendAPIError as e:
                if e.status == 409:  # offset mismatch: ask the server where it stands
                    raise _Interrupted("the storage proxy holds a different offset") from None
                raise
        finally:
            f.close()
        new_offset = response.headers.get("Upload-Offset")
        try:
            return int(new_offset) if new_offset is not None else offset + length
        except ValueError:
            return offset + length

    async def _tus_offset(self, base: str, path: str, token: str) -> int | None:
        """How many bytes the storage proxy holds, or ``None`` if the session is gone."""
        try:
            response = await self.session.core.request(
                "HEAD",
                path,
                cast_to=httpx.Response,
                params={"token": token},
                headers={"Tus-Resumable": _TUS_VERSION},
                base_url=base,
                authenticated=False,
                idempotent=True,
            )
        except BackendAPIError as e:
            if e.status == 404:
                return None
            raise
        value = response.headers.get("Upload-Offset")
        if value is None:
            raise TransferError("the storage proxy did not tell the offset of the upload")
        return int(value)

    async def _remote_size(self, remote: str) -> int | None:
        parent, _, name = remote.rpartition("/")
        try:
            listing = await _adapters.folders_list_files(
                self.session.versioned, name=self.vfolder, path=parent or "."
            )
        except BackendClientError:
            return None
        for entry in listing.items or []:
            if entry.name == name:
                return entry.size
        return None

    # -- download ----------------------------------------------------------------------------
    async def download(
        self, remote: str, target: Path, *, overwrite: bool = False, archive: bool = False
    ) -> int:
        """Download *remote* into *target*; returns the number of bytes written."""
        partial = PartialFile(target, overwrite=overwrite)
        try:
            info = await self._download_session(remote, archive=archive)
            total = await self._download_into(partial, info, remote, archive=archive)
            partial.commit(total)
        except BaseException:
            partial.discard()
            raise
        return partial.size

    async def _download_into(
        self, partial: PartialFile, info: TransferSession, remote: str, *, archive: bool
    ) -> int | None:
        base, path = self._endpoint(info)
        failures = 0
        renewed = False
        total: int | None = None
        while True:
            try:
                total = await self._get(base, path, info.token, partial, remote, archive=archive)
                return total
            except _Interrupted as e:
                failures += 1
                if failures >= self.max_attempts:
                    raise TransferError(
                        f"download of {remote!r} failed after {failures} attempts: {e}"
                    ) from None
                log.info(
                    "download of %r interrupted at %d bytes (%s); resuming", remote, partial.size, e
                )
                await _transfer.anyio_sleep(retry_delay(failures - 1))
            except BackendAPIError as e:
                # An expired token: ask the manager for a fresh one, once.
                if e.status in (401, 403) and not renewed:
                    renewed = True
                    info = await self._download_session(remote, archive=archive)
                    base, path = self._endpoint(info)
                    continue
                raise

    async def _get(
        self,
        base: str,
        path: str,
        token: str,
        partial: PartialFile,
        remote: str,
        *,
        archive: bool,
    ) -> int | None:
        if archive and partial.size:
            partial.truncate(0)  # a zip is generated on the fly: it cannot be resumed
        start = partial.size
        headers = {"Range": f"bytes={start}-"} if start else {}
        params: dict[str, str] = {"token": token}
        if archive:
            params["archive"] = "true"
        try:
            async with self.session.core.stream(
                "GET",
                path,
                params=params,
                headers=headers,
                base_url=base,
                authenticated=False,
                idempotent=True,
            ) as response:
                total = self._expected_total(response, partial, start)
                self._report(partial.size, total, remote)
                try:
                    async for block in response.aiter_bytes():
                        partial.write(block)
                        self._report(partial.size, total, remote)
                except httpx.TransportError as e:
                    raise _Interrupted(f"{type(e).__name__}: {e}") from None
        except BackendConnectionError as e:
            raise _Interrupted(str(e.__cause__ or e)) from None
        if total is not None and partial.size < total:
            raise _Interrupted(f"the connection closed after {partial.size} of {total} bytes")
        return total

    @staticmethod
    def _expected_total(response: httpx.Response, partial: PartialFile, start: int) -> int | None:
        if response.status_code == 206:
            parsed = content_range_start_total(response.headers.get("Content-Range"))
            if parsed is None:
                raise TransferError("the storage proxy answered a range without Content-Range")
            begin, total = parsed
            if begin != start:
                if begin > start:
                    raise TransferError("the storage proxy skipped bytes of a resumed download")
                partial.truncate(begin)
            return total
        if start:
            partial.truncate(0)  # the server sent the whole file again
        length = response.headers.get("Content-Length")
        if length is not None and response.headers.get("Content-Encoding") in (None, "identity"):
            return int(length)
        return None
