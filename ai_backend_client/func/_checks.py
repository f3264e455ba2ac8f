"""Local checks of compute-session arguments, done before any request is sent.

Shared by the async function classes and the blocking ones derived from them (this module does
no network I/O, so it is written once, outside ``_async``/``_sync``).
"""

from __future__ import annotations

import io
import os
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import IO, Final, Literal, TypeVar

from ..exceptions import LocalArgumentError

__all__ = [
    "MAX_DOWNLOAD_FILES",
    "MAX_SESSION_TRANSFER_FILES",
    "MAX_UPLOAD_FILES",
    "MAX_UPLOAD_FILE_SIZE",
    "ExecuteMode",
    "LocalArgumentError",
    "OpenFiles",
    "UploadItem",
    "batched",
    "check_download_files",
    "check_session_name",
    "default_session_name",
    "normalize_execute_mode",
    "resolve_upload_files",
]

# The manager's rule for session names (ASCII word characters; dots and dashes only inside).
_SESSION_NAME: Final = re.compile(r"^(?=.{4,64}$)\w[\w.-]*\w$", re.ASCII)
# Limits of POST /session/{name}/upload (22.03 and 24.09 managers).
MAX_UPLOAD_FILES: Final = 20
MAX_UPLOAD_FILE_SIZE: Final = 1024 * 1024
# ... and of POST /session/{name}/download (files per request)
MAX_DOWNLOAD_FILES: Final = 5
# What one call moves in several requests, at most (each file of an upload is under 1 MiB).
MAX_SESSION_TRANSFER_FILES: Final = 1000

_T = TypeVar("_T")

ExecuteMode = Literal["query", "batch", "complete", "continue", "input"]
# The seed's examples and docs spell two modes differently from the wire.
_MODE_ALIASES: Final[Mapping[str, ExecuteMode]] = {
    "query": "query",
    "batch": "batch",
    "complete": "complete",
    "continue": "continue",
    "continued": "continue",
    "input": "input",
    "user-input": "input",
}


def default_session_name() -> str:
    """A fresh session name as the 22.03 SDK makes them (``pysdk-`` + 10 hex digits)."""
    return "pysdk-" + secrets.token_hex(5)


def check_session_name(name: str, *, what: str = "session name") -> str:
    """Return *name* if the manager would accept it, else raise :class:`LocalArgumentError`."""
    if not isinstance(name, str):  # pyright: ignore[reportUnnecessaryIsInstance] - untyped callers
        raise LocalArgumentError(f"{what} must be a string, got {type(name).__name__}")
    if not 4 <= len(name) <= 64:
        raise LocalArgumentError(
            f"{what} {name!r} must be 4 to 64 characters long (it has {len(name)})"
        )
    if not _SESSION_NAME.match(name):
        raise LocalArgumentError(
            f"{what} {name!r} may contain only ASCII letters, digits, '_', '.' and '-', "
            "and must start and end with a letter, a digit or '_'"
        )
    return name


def normalize_execute_mode(mode: str) -> ExecuteMode:
    """The wire mode for *mode* (accepts the seed's ``continued`` and ``user-input``)."""
    try:
        return _MODE_ALIASES[mode]
    except KeyError:
        raise LocalArgumentError(
            f"unknown execution mode {mode!r}: use 'query', 'batch', 'continue', 'input' or 'complete'"
        ) from None


class UploadItem:
    """A local file to upload and the path it gets inside the session (POSIX, relative)."""

    __slots__ = ("local_path", "remote_name", "size")

    def __init__(self, local_path: Path, remote_name: str, size: int) -> None:
        self.local_path = local_path
        self.remote_name = remote_name
        self.size = size

    def __repr__(self) -> str:
        return f"UploadItem({str(self.local_path)!r} -> {self.remote_name!r}, {self.size} bytes)"


def resolve_upload_files(
    files: Sequence[str | os.PathLike[str]], basedir: str | os.PathLike[str] | None = None
) -> list[UploadItem]:
    """Check the files to upload and name each relative to *basedir* (default: the cwd).

    As in the 22.03 SDK, relative file paths are taken from the current directory, and the name
    inside the session is the path relative to *basedir*: ``/home/user/test/data.txt`` with
    basedir ``/home/user`` becomes ``test/data.txt`` under ``/home/work``.
    """
    if isinstance(files, (str, bytes, PurePath)):
        raise LocalArgumentError("files must be a list of paths, not a single path")
    if not files:
        raise LocalArgumentError("no files to upload")
    if len(files) > MAX_SESSION_TRANSFER_FILES:
        raise LocalArgumentError(
            f"too many files to upload at once: {len(files)} (at most "
            f"{MAX_SESSION_TRANSFER_FILES}; use a virtual folder for more)"
        )
    base = Path(os.path.abspath(Path.cwd() if basedir is None else basedir))
    if not base.is_dir():
        raise LocalArgumentError(f"upload base directory {str(base)!r} does not exist")
    items: list[UploadItem] = []
    seen: set[str] = set()
    for file in files:
        path = Path(os.path.abspath(file))
        if not path.exists():
            raise LocalArgumentError(f"cannot upload {os.fspath(file)!r}: no such file")
        if not path.is_file():
            raise LocalArgumentError(f"cannot upload {os.fspath(file)!r}: not a regular file")
        try:
            relative = path.relative_to(base)
        except ValueError:
            raise LocalArgumentError(
                f"cannot upload {os.fspath(file)!r}: it is not inside the base directory "
                f"{str(base)!r} (pass basedir= to choose where remote paths start)"
            ) from None
        size = path.stat().st_size
        if size >= MAX_UPLOAD_FILE_SIZE:
            raise LocalArgumentError(
                f"cannot upload {os.fspath(file)!r}: {size} bytes is too large (each file must be "
                "smaller than 1 MiB; use a virtual folder for large files)"
            )
        remote = relative.as_posix()
        if remote in seen:
            raise LocalArgumentError(f"{remote!r} is given twice")
        seen.add(remote)
        items.append(UploadItem(path, remote, size))
    return items


def check_download_files(files: Sequence[str | os.PathLike[str]]) -> list[str]:
    """The remote paths of a session download, checked: a list, not empty, at most
    :data:`MAX_SESSION_TRANSFER_FILES`, and, when they need more than one request, no path
    twice or inside another (answers extract concurrently)."""
    if isinstance(files, (str, bytes)):
        raise LocalArgumentError("files must be a list of paths, not a single path")
    if not files:
        raise LocalArgumentError("no files to download")
    if len(files) > MAX_SESSION_TRANSFER_FILES:
        raise LocalArgumentError(
            f"too many files to download at once: {len(files)} (at most "
            f"{MAX_SESSION_TRANSFER_FILES}; use a virtual folder for more)"
        )
    remote = [Path(f).as_posix() if isinstance(f, os.PathLike) else str(f) for f in files]
    if len(remote) > MAX_DOWNLOAD_FILES:
        seen: set[str] = set()
        for path in sorted((p.rstrip("/") or "/" for p in remote), key=len):
            parts = path.split("/")
            inside = next(
                (a for a in ("/".join(parts[:n]) for n in range(1, len(parts) + 1)) if a in seen),
                None,
            )
            if inside is not None:
                raise LocalArgumentError(
                    f"{path!r} is given twice or lies inside {inside!r}: more than "
                    f"{MAX_DOWNLOAD_FILES} paths are downloaded by separate requests, so they "
                    "must not overlap"
                )
            seen.add(path)
    return remote


def batched(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    """*items* in consecutive groups of at most *size* (the per-request limits above)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


class CountingFile(io.FileIO):
    """A file opened for upload that reports the bytes read from it."""

    def __init__(self, path: Path, report: Callable[[int], None]) -> None:
        super().__init__(path, "rb")
        self._report = report

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        if data:
            self._report(len(data))
        return data or b""


class OpenFiles:
    """Opens the files of an upload for the request's duration and always closes them."""

    def __init__(self, items: Sequence[UploadItem], report: Callable[[int], None]) -> None:
        self._items = items
        self._report = report
        self._handles: list[CountingFile] = []

    def __enter__(self) -> list[tuple[str, IO[bytes], str]]:
        parts: list[tuple[str, IO[bytes], str]] = []
        try:
            for item in self._items:
                handle = CountingFile(item.local_path, self._report)
                self._handles.append(handle)
                parts.append((item.remote_name, handle, "application/octet-stream"))
        except BaseException:
            self.__exit__()
            raise
        return parts

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.close()
        self._handles.clear()
