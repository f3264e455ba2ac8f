"""The network half of vfolder transfers (see :mod:`ai_backend_client.transfer` for the rest).

Upload: ``request-upload`` per file, then tus ``PATCH`` requests of at most ``chunk_size`` bytes,
each streamed from disk in small blocks, with the JWT as ``token`` and no Backend.AI signature.
When a ``PATCH`` breaks off or fails with a 5xx, ``HEAD`` tells how much the storage proxy kept,
and the upload goes on from there. Every offset the storage proxy answers is checked (a number
within the file, and after a ``PATCH`` exactly the bytes sent), and the local file must keep its
size and modification time from planning to the last byte read.

Download: a ``GET`` streamed into a :class:`~ai_backend_client.transfer.PartialFile`; when the
stream breaks off, a ``Range`` request with ``If-Range`` continues it, and the answer must carry
the same validators (ETag, Last-Modified, total size) as the first one, or the download starts
over. An answer without a length is checked against the folder listing (a zip archive: that it
ends like one). Memory is bounded by a few blocks.

With ``dst_dir`` the files are read or written under that directory of the folder: the storage
proxy's upload and download URLs take it as a query parameter (what the official client sends
for ``model upload``/``download ... MODEL_VER``), the paths given to the manager stay relative
to it.

Several files move at once, at most ``max_parallel`` (tasks of one group here, worker threads in
the blocking copy); each keeps its own retries and partial file, and a failed one leaves the
others complete (:class:`~ai_backend_client.transfer.PartialTransferError` says which failed).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ... import transfer as _transfer
from ..._types import NOT_GIVEN
from ...exceptions import BackendAPIError, BackendConnectionError, BackendError
from ...transfer import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_PARALLEL,
    LocalPathError,
    ManyFiles,
    PartialFile,
    ProgressCallback,
    RemoteVersion,
    TransferError,
    UploadItem,
    check_max_parallel,
    check_unchanged,
    content_range_start_total,
    iter_file_blocks,
    parse_offset,
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

_TUS_VERSION = "1.0.0"


class _Interrupted(Exception):
    """The connection to the storage proxy broke off; the transfer may continue."""


class _Changed(Exception):
    """The file on the server is not the version the partial download holds: start over."""


class _DownloadState:
    """What one download remembers across attempts: the version of the file it holds."""

    def __init__(self) -> None:
        self.version: RemoteVersion | None = None


def _storage_proxy_failed(error: BackendAPIError) -> bool:
    if error.status >= 500:
        return True
    relayed = error.slug == "vfolder-operation-failed"
    return relayed and "Storage proxy responded with 5" in str(error)


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
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
        dst_dir: str | None = None,
    ) -> None:
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        #: A checked relative directory of the folder (``transfer.remote_dir``), or None: root.
        self.dst_dir = dst_dir
        self.max_parallel = check_max_parallel(max_parallel)
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

    def _params(self, token: str) -> dict[str, str]:
        """The query of a storage-proxy transfer request: the token, and ``dst_dir``."""
        if self.dst_dir is None:
            return {"token": token}
        return {"token": token, "dst_dir": self.dst_dir}

    def in_folder(self, remote: str) -> str:
        """Where *remote* (relative to ``dst_dir``) is in the folder."""
        return remote if self.dst_dir is None else f"{self.dst_dir}/{remote}"

    # -- transfer sessions (the storage proxy's URL and token) ---------------------------------
    async def _upload_session(self, item: UploadItem) -> TransferSession:
        failures = 0
        while True:
            try:
                return await self.session.wire.folders.create_upload_session(
                    name=self.vfolder, path=item.remote, size=item.size
                )
            except BackendAPIError as e:
                failures = await self._session_refused(e, item.remote, failures)

    async def _download_session(self, remote: str, *, archive: bool) -> TransferSession:
        failures = 0
        while True:
            try:
                return await self.session.wire.folders.create_download_session(
                    name=self.vfolder, path=remote, archive=True if archive else NOT_GIVEN
                )
            except BackendAPIError as e:
                failures = await self._session_refused(e, remote, failures)

    async def _session_refused(self, error: BackendAPIError, remote: str, failures: int) -> int:
        """Wait before asking again for a transfer session the storage proxy failed to make.

        The manager relays a storage-proxy 5xx as ``400 vfolder-operation-failed`` (the 24.09
        storage proxy answers 500 now and then when several files are started at once); asking
        again only makes a fresh token. Any other refusal is raised as it is.
        """
        failures += 1
        if not _storage_proxy_failed(error) or failures >= self.max_attempts:
            raise error
        log.info("transfer session for %r refused (%s); asking again", remote, error.status)
        await _transfer.anyio_sleep(retry_delay(failures - 1))
        return failures

    # -- upload ------------------------------------------------------------------------------
    def _ready(self) -> None:
        # Settle the session's lazily built clients before workers share them.
        _ = self.session.versioned, self.session.wire

    async def upload(self, items: list[UploadItem]) -> None:
        """Upload *items*, ``max_parallel`` at once; one file: its own error, as it is."""
        if len(items) == 1:
            await self.upload_file(items[0])
            return
        self._ready()
        outcome = ManyFiles([item.remote for item in items])

        async def one(index: int) -> None:
            await self.upload_file(items[index])

        await _transfer.anyio_map_bounded(one, outcome, self.max_parallel)
        outcome.raise_for_failures()

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
                known = await self._tus_offset(base, path, token, item)
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
        if not 0 <= offset <= item.size:  # parse_offset guarantees this; keep seek() safe anyway
            raise TransferError(f"invalid upload offset {offset} for {item.remote!r}")
        length = min(self.chunk_size, item.size - offset)
        try:
            f = open(item.local, "rb")  # noqa: SIM115 - closed below, also on errors
        except OSError as e:
            raise LocalPathError(f"cannot read {str(item.local)!r}: {e.strerror}") from None
        try:
            check_unchanged(f, item)
            f.seek(offset)

            async def body() -> AsyncIterator[bytes]:
                sent = offset
                for block in iter_file_blocks(f, length):
                    if sent + len(block) >= offset + length:
                        # Before the last block leaves: a change now aborts the request, so the
                        # storage proxy never completes the file.
                        check_unchanged(f, item)
                    yield block
                    sent += len(block)
                    self._report(sent, item.size, item.remote)

            try:
                response = await self.session.core.request(
                    "PATCH",
                    path,
                    cast_to=httpx.Response,
                    params=self._params(token),
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
                if e.status >= 500:  # the storage proxy may have kept part of it: ask
                    raise _Interrupted(str(e)) from None
                raise
        finally:
            f.close()
        expected = offset + length
        confirmed = parse_offset(
            response.headers.get("Upload-Offset"), item.size, what=f"PATCH of {item.remote!r}"
        )
        if confirmed is None:
            raise _Interrupted("the storage proxy did not confirm the upload offset")
        if confirmed > expected:
            raise TransferError(
                f"upload of {item.remote!r} is not trusted: the storage proxy claims {confirmed} "
                f"bytes, but only {expected} were sent"
            )
        if confirmed < expected:
            raise _Interrupted(f"the storage proxy kept {confirmed} of {expected} bytes")
        return confirmed

    async def _tus_offset(self, base: str, path: str, token: str, item: UploadItem) -> int | None:
        """How many bytes the storage proxy holds, or ``None`` if the session is gone."""
        try:
            response = await self.session.core.request(
                "HEAD",
                path,
                cast_to=httpx.Response,
                params=self._params(token),
                headers={"Tus-Resumable": _TUS_VERSION},
                base_url=base,
                authenticated=False,
                idempotent=True,
            )
        except BackendAPIError as e:
            if e.status == 404:
                return None
            raise
        offset = parse_offset(
            response.headers.get("Upload-Offset"), item.size, what=f"HEAD of {item.remote!r}"
        )
        if offset is None:
            raise TransferError("the storage proxy did not tell the offset of the upload")
        return offset

    async def _remote_size(self, remote: str) -> int | None:
        parent, _, name = self.in_folder(remote).rpartition("/")
        try:
            listing = await _adapters.folders_list_files(
                self.session.versioned, name=self.vfolder, path=parent or "."
            )
        except BackendError:
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

    async def download_many(
        self, targets: list[tuple[str, Path]], *, overwrite: bool = False, archive: bool = False
    ) -> None:
        """Download each ``(remote, target)``, ``max_parallel`` at once (see :meth:`upload`)."""
        if len(targets) == 1:
            remote, target = targets[0]
            await self.download(remote, target, overwrite=overwrite, archive=archive)
            return
        self._ready()
        outcome = ManyFiles([remote for remote, _ in targets])

        async def one(index: int) -> None:
            remote, target = targets[index]
            await self.download(remote, target, overwrite=overwrite, archive=archive)

        await _transfer.anyio_map_bounded(one, outcome, self.max_parallel)
        outcome.raise_for_failures()

    async def _download_into(
        self, partial: PartialFile, info: TransferSession, remote: str, *, archive: bool
    ) -> int | None:
        base, path = self._endpoint(info)
        failures = 0
        renewed = False
        state = _DownloadState()
        while True:
            try:
                total = await self._get(
                    base, path, info.token, partial, remote, archive=archive, state=state
                )
                if total is None:
                    await self._check_unannounced(partial, remote, archive=archive)
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
            except _Changed as e:
                failures += 1
                if failures >= self.max_attempts:
                    raise TransferError(
                        f"download of {remote!r} failed after {failures} attempts: the file "
                        f"kept changing on the server ({e})"
                    ) from None
                log.info("%r changed on the server (%s); downloading it again", remote, e)
                partial.truncate(0)
                state.version = None
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
        state: _DownloadState,
    ) -> int | None:
        if archive and partial.size:
            partial.truncate(0)  # a zip is generated on the fly: it cannot be resumed
        start = partial.size
        headers: dict[str, str] = {}
        if start:
            headers["Range"] = f"bytes={start}-"
            validator = state.version.if_range() if state.version is not None else None
            if validator:
                headers["If-Range"] = validator
        params = self._params(token)
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
                version = RemoteVersion.of(response.headers, total)
                if partial.size and state.version is not None:  # a resumed range
                    change = state.version.difference(version)
                    if change is not None:
                        raise _Changed(change)
                state.version = version
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

    async def _check_unannounced(self, partial: PartialFile, remote: str, *, archive: bool) -> None:
        """An answer without a length ended: was it complete?"""
        if archive:
            if not partial.is_zip():
                raise _Interrupted(f"the archive ended after {partial.size} bytes, incomplete")
            return
        size = await self._remote_size(remote)
        if size is None:
            log.warning(
                "download of %r is unverified: the storage proxy sent no length and the folder "
                "listing no size",
                remote,
            )
        elif partial.size < size:
            raise _Interrupted(
                f"the connection closed after {partial.size} of {size} bytes (size from the "
                "folder listing)"
            )
        elif partial.size > size:
            raise _Changed(f"got {partial.size} bytes, the folder listing says {size}")

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
