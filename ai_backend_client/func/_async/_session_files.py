"""Files in and out of a compute session, for ``ComputeSession.upload`` / ``download``.

The server takes at most 20 files per upload request and sends at most 5 per download request;
a call with more sends several requests, at most ``max_parallel`` at once (tasks of one group
here, worker threads in the blocking copy), and a failed request fails only its own files
(:class:`~ai_backend_client.transfer.PartialTransferError`). One request raises its own error.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ... import transfer as _transfer
from ..._results import DownloadResult
from ...exceptions import BackendConnectionError
from ...transfer import AsyncJob, ManyFiles, check_max_parallel
from .._archive import DownloadReceiver
from .._checks import (
    MAX_DOWNLOAD_FILES,
    MAX_UPLOAD_FILES,
    OpenFiles,
    batched,
    check_download_files,
    resolve_upload_files,
)

if TYPE_CHECKING:
    from ..._session_core import AsyncSessionCore as AsyncSession

__all__ = ["download", "upload"]


async def upload(
    session: AsyncSession,
    ref: str,
    files: Sequence[str | os.PathLike[str]],
    basedir: str | os.PathLike[str] | None,
    *,
    progress: Callable[[int, int], None] | None,
    max_parallel: int,
) -> None:
    """Upload *files* into ``/home/work`` of the session *ref* (see ``ComputeSession.upload``)."""
    check_max_parallel(max_parallel)
    items = resolve_upload_files(files, basedir)
    total = sum(item.size for item in items)
    sent = [0]
    lock = threading.Lock()  # requests of one call report from several tasks or threads

    def report(n: int) -> None:
        with lock:
            sent[0] += n
            done = sent[0]
        if progress is not None:
            progress(done, total)

    groups = batched(items, MAX_UPLOAD_FILES)
    _ = session.wire  # settle the lazily built client before workers share it

    async def send(index: int) -> None:
        with OpenFiles(groups[index], report) as parts:
            await session.wire.session.upload_files(session_name=ref, src=parts)

    await _in_batches(send, [[i.remote_name for i in g] for g in groups], max_parallel)


async def download(
    session: AsyncSession,
    ref: str,
    files: Sequence[str],
    dest: Path,
    *,
    overwrite: bool,
    progress: Callable[[int], None] | None,
    max_parallel: int,
) -> DownloadResult:
    """Download *files* of the session *ref* into *dest* (see ``ComputeSession.download``)."""
    check_max_parallel(max_parallel)
    remote = check_download_files(files)
    groups = batched(remote, MAX_DOWNLOAD_FILES)
    written: list[list[str]] = [[] for _ in groups]
    received = [0] * len(groups)
    lock = threading.Lock()
    _ = session.wire

    async def fetch(index: int) -> None:
        def report(n: int) -> None:
            with lock:
                received[index] = n
                done = sum(received)
            if progress is not None:
                progress(done)

        written[index] = await _download_one(
            session, ref, groups[index], dest, overwrite=overwrite, progress=report
        )

    await _in_batches(fetch, groups, max_parallel)
    return DownloadResult(file_names=[name for names in written for name in names])


async def _in_batches(run: AsyncJob, groups: Sequence[Sequence[str]], max_parallel: int) -> None:
    """``run(i)`` for each request (``groups[i]``: the files it moves): one request raises its
    own error, more run at most *max_parallel* at once with every failure collected."""
    if len(groups) == 1:
        await run(0)
        return
    outcome = ManyFiles([str(i) for i in range(len(groups))])
    await _transfer.anyio_map_bounded(run, outcome, max_parallel)
    outcome.per_file(groups).raise_for_failures()


async def _download_one(
    session: AsyncSession,
    ref: str,
    remote: Sequence[str],
    dest: Path,
    *,
    overwrite: bool,
    progress: Callable[[int], None],
) -> list[str]:
    """One download request: its tar archives checked, then extracted into *dest*."""
    config = session.config
    async with session.wire.session.download_files(
        session_name=ref, files=list(remote)
    ) as response:
        receiver = DownloadReceiver(
            response.headers.get("Content-Type", ""),
            dest,
            overwrite=overwrite,
            progress=progress,
            max_size=config.max_extract_size,
            max_ratio=config.max_extract_ratio,
        )
        try:
            try:
                async for chunk in response.aiter_bytes():
                    receiver.feed(chunk)
            except httpx.TransportError as e:
                raise BackendConnectionError(
                    f"the download from session {ref!r} broke off; nothing was "
                    f"written: {type(e).__name__}: {e}"
                ) from e
            return receiver.finish()
        finally:
            receiver.close()
