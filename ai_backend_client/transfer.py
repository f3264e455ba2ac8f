"""The I/O-free half of vfolder file transfers: planning, path safety, URLs, partial files.

Bytes never pass through the manager: ``request-upload`` / ``request-download`` answer a storage-proxy
URL and a JWT, and the client talks tus (upload) or plain ranged GETs (download) to that URL with
the JWT as the only credential. The network half lives in ``func/_async/_transfer.py`` (written
once async, the blocking copy derived by unasync); this module holds what both share:

* :class:`ProgressCallback`: ``callback(done, total, file)``; the library never prints.
* :func:`plan_uploads`: expands files and directories into (local path, POSIX remote path, size)
  with the seed's ``basedir`` rule (remote path = path relative to ``basedir``, default the cwd).
* :func:`remote_path` / :func:`local_target`: reject paths that would escape the folder or the
  local base directory.
* :func:`rewrite_storage_url`: the storage-proxy address override map.
* :class:`PartialFile`: a download lands in a temporary file beside the target and is moved into
  place only when complete and of the announced size.
* :class:`RemoteVersion`: the validators (ETag, Last-Modified, total size) of a download, so that
  a resumed download never splices two versions of a file.
* :func:`check_unchanged` / :func:`parse_offset`: what an upload checks of the local file and of
  the storage proxy's answers.
* :class:`ManyFiles` / :class:`PartialTransferError`: several files move at once (at most
  ``max_parallel``); each file keeps its own retries and partial file, a failed one does not stop
  or spoil the others, and the outcome says which completed, which failed and which were not tried.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import secrets
import stat
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Final, Protocol, TypeAlias
from urllib.parse import urlsplit, urlunsplit

from .exceptions import BackendAPIError, BackendClientError

__all__ = [
    "ARCHIVE_MAX_AVERAGE",
    "ARCHIVE_MAX_TOTAL",
    "ARCHIVE_MIN_FILES",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_PARALLEL",
    "IO_BLOCK_SIZE",
    "MAX_TREE_ENTRIES",
    "ArchiveGroup",
    "LocalPathError",
    "ManyFiles",
    "PartialFile",
    "PartialTransferError",
    "ProgressCallback",
    "RemotePathError",
    "RemoteVersion",
    "SourceChangedError",
    "TargetExistsError",
    "TransferError",
    "UploadItem",
    "archive_groups",
    "archive_spool_limit",
    "check_unchanged",
    "local_target",
    "parse_offset",
    "plan_uploads",
    "remote_dir",
    "remote_path",
    "rewrite_storage_url",
    "split_url",
    "worth_archiving",
]

#: Bytes sent per tus PATCH request (the seed's ``chunk_size``).
DEFAULT_CHUNK_SIZE: Final = 16 * 2**20
#: Bytes read from or written to disk at a time; bounds the memory a transfer holds.
IO_BLOCK_SIZE: Final = 1 * 2**20
#: Files moved at once by a many-file transfer. Kept below the storage proxy's thread pool: a
#: 24.09 storage proxy has ``cpu_count + 4`` threads (6 on two cores), each upload in flight holds
#: one, and once they are all held it stops for good (its queues wake the writing threads through
#: that same pool). 4 is as fast as 8 on the local stack, where the server is the limit
#: (bench/README.md).
DEFAULT_MAX_PARALLEL: Final = 4
#: Upper bound of ``max_parallel`` (each file in flight holds a connection and a few blocks).
MAX_PARALLEL_LIMIT: Final = 64
#: Attempts of one file's transfer (the first and the retries after interruptions, in a row).
DEFAULT_MAX_ATTEMPTS: Final = 6
#: A remote directory comes down as one zip archive (one request instead of one per file) when it
#: holds at least ``ARCHIVE_MIN_FILES`` files of at most ``ARCHIVE_MAX_AVERAGE`` bytes on average
#: and ``ARCHIVE_MAX_TOTAL`` in all; the storage proxy deflates an archive on the fly, which costs
#: more than it saves for large files (measured on the local stack: bench/README.md).
ARCHIVE_MIN_FILES: Final = 8
ARCHIVE_MAX_AVERAGE: Final = 256 * 2**10
ARCHIVE_MAX_TOTAL: Final = 64 * 2**20


def worth_archiving(count: int, total: int) -> bool:
    """Whether *count* files of *total* bytes come as one zip archive (the rule above)."""
    return count >= ARCHIVE_MIN_FILES and total <= min(
        ARCHIVE_MAX_TOTAL, count * ARCHIVE_MAX_AVERAGE
    )


def archive_spool_limit(total: int, entries: int) -> int:
    """The most bytes an archive of *entries* members holding *total* bytes may take: deflate
    may grow incompressible data a little, and each member adds its headers."""
    return total + total // 64 + 512 * (entries + 1) + 2**16


class ArchiveGroup:
    """Named files that come in one zip archive: by member name, ``(target index, size)``.
    ``directory``: the folder path of the directory whose archive they are (all its entries),
    or ``None`` for an archive of just these files (26.09 and later)."""

    def __init__(self, directory: str | None, members: dict[str, tuple[int, int]]) -> None:
        self.directory: str | None = directory
        self.members: dict[str, tuple[int, int]] = members
        self.total: int = sum(size for _, size in members.values())


def archive_groups(
    listed: Mapping[str, Sequence[tuple[str, str, int]]],
    picked: Iterable[tuple[int, str, int]],
    *,
    any_list: bool,
) -> list[ArchiveGroup]:
    """The archives worth asking for, of the *picked* ``(index, path in the folder, size)``:
    with *any_list* (26.09 and later) one of them all; else one per directory of which every
    entry in its listing (*listed*, ``(name, type, size)`` by path) is a picked file."""
    groups: list[ArchiveGroup] = []
    if any_list:
        groups.append(ArchiveGroup(None, {name: (i, size) for i, name, size in picked}))
    else:
        by_dir: dict[str, dict[str, tuple[int, int]]] = {}
        for index, name, size in picked:
            parent, _, base = name.rpartition("/")
            by_dir.setdefault(parent, {})[base] = (index, size)
        for parent, members in by_dir.items():
            entries = listed.get(parent, [])
            if all(kind == "FILE" for _, kind, _ in entries) and len(entries) == len(members):
                groups.append(ArchiveGroup(parent, members))
    return [g for g in groups if worth_archiving(len(g.members), g.total)]


#: Entries (files and directories) a remote directory download lists at most.
MAX_TREE_ENTRIES: Final = 100_000
#: Suffix of the temporary file a download writes before it is moved into place.
PARTIAL_SUFFIX: Final = ".bai-partial"


class TransferError(BackendClientError):
    """A file transfer failed; nothing is left under the final name of a download."""


class LocalPathError(TransferError):
    """A local path is missing, unreadable, not writable, or outside the base directory."""


class RemotePathError(TransferError, ValueError):
    """A remote path would escape the virtual folder (``..``) or is empty."""


class TargetExistsError(TransferError, FileExistsError):
    """The download target exists and overwriting was not asked for."""

    @classmethod
    def check(cls, target: Path, *, overwrite: bool) -> None:
        """Raise unless *target* is free (nothing there, not even a broken link) or *overwrite*."""
        if not overwrite and os.path.lexists(target):
            raise cls(
                f"{str(target)!r} already exists; pass overwrite=True (CLI: --overwrite) "
                "to replace it"
            )


class SourceChangedError(LocalPathError):
    """A local file changed (size or modification time) while it was being uploaded."""


class PartialTransferError(TransferError):
    """Some files of a many-file transfer failed; the others completed (and stay complete).

    ``completed`` lists the files that moved, ``failed`` maps each failed file to its error, and
    ``skipped`` lists the files not tried after an error that is not about one file (the manager
    refused the credentials, the network is down, ...).
    """

    def __init__(
        self,
        message: str,
        *,
        completed: Sequence[str],
        failed: Mapping[str, BaseException],
        skipped: Sequence[str],
    ) -> None:
        super().__init__(message)
        self.completed: list[str] = list(completed)
        self.failed: dict[str, BaseException] = dict(failed)
        self.skipped: list[str] = list(skipped)


class ProgressCallback(Protocol):
    """Called as bytes move: ``done`` and ``total`` bytes of ``file`` (``total`` may be unknown).

    ``done`` can go down when a transfer restarts from an earlier offset.
    """

    def __call__(self, done: int, total: int | None, file: str, /) -> None: ...


@dataclass(frozen=True)
class UploadItem:
    """One file to upload: where it is, where it goes in the folder, its size and mtime.

    The upload checks before and after reading that the file still has this size and
    modification time (``mtime_ns``, when known), so a file that changes meanwhile is an error
    instead of a mixture of two versions.
    """

    local: Path
    remote: str
    size: int
    mtime_ns: int | None = None


def remote_path(path: str | PurePosixPath) -> str:
    """Normalise a path inside a vfolder to a relative POSIX path; refuse ones leaving the folder.

    A leading ``/`` means the folder root. ``"."`` is the root itself.
    """
    text = str(path)
    if "\x00" in text:
        raise RemotePathError(f"invalid remote path {text!r}: contains a NUL character")
    norm = posixpath.normpath("/" + text.lstrip("/"))  # anchored, so ".." cannot climb above "/"
    raw_parts = [p for p in text.split("/") if p not in ("", ".")]
    depth = 0
    for part in raw_parts:
        depth = depth - 1 if part == ".." else depth + 1
        if depth < 0:
            raise RemotePathError(f"remote path {text!r} escapes the virtual folder")
    rel = norm.lstrip("/")
    return rel or "."


def remote_dir(path: str | PurePosixPath | None) -> str | None:
    """A destination directory inside a vfolder (``dst_dir`` of a transfer) as a relative POSIX
    path, or ``None`` for the folder root. Stricter than :func:`remote_path`: the storage proxy
    joins it to the folder's path without checking, so it must be relative and may not contain
    ``..`` at all."""
    if path is None:
        return None
    text = str(path)
    if "\x00" in text:
        raise RemotePathError(f"invalid destination directory {text!r}: contains a NUL character")
    if text.startswith("/"):
        raise RemotePathError(f"destination directory {text!r} must be relative to the folder")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise RemotePathError(f"destination directory {text!r} may not contain '..'")
    return "/".join(parts) or None


def _is_within(path: Path, base: Path) -> bool:
    try:
        path.relative_to(base)
    except ValueError:
        return False
    return True


def _walk_files(root: Path) -> Iterator[Path]:
    # Sorted for a stable order; directory symlinks are not followed (no loops, no surprises).
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath, name)


def plan_uploads(
    sources: Iterable[str | os.PathLike[str]], basedir: str | os.PathLike[str] | None = None
) -> list[UploadItem]:
    """Expand *sources* (files and directories, recursively) into upload items.

    The remote path of each file is its path relative to *basedir* (default: the current
    directory), written with ``/`` on every OS, as the seed does. A source outside *basedir*, a
    missing or unreadable one, or a special file is a :class:`LocalPathError` before any byte moves.
    """
    base = Path.cwd() if basedir is None else Path(basedir)
    try:
        base = base.resolve(strict=True)
    except OSError:
        raise LocalPathError(
            f"base directory {os.fspath(basedir or '.')!r} does not exist"
        ) from None
    if not base.is_dir():
        raise LocalPathError(f"base directory {str(base)!r} is not a directory")
    items: list[UploadItem] = []
    seen: set[str] = set()
    for source in sources:
        # Sources are paths as the user typed them (relative to the cwd); as a convenience a
        # relative path that only exists under basedir is taken from there.
        absolute = Path(os.path.abspath(source))
        if basedir is not None and not os.path.lexists(absolute) and not Path(source).is_absolute():
            absolute = Path(os.path.abspath(base / source))
        try:
            st = absolute.stat()
        except FileNotFoundError:
            raise LocalPathError(f"no such file or directory: {os.fspath(source)!r}") from None
        except OSError as e:
            raise LocalPathError(f"cannot read {os.fspath(source)!r}: {e.strerror}") from None
        # Compare real directories (so /tmp -> /private/tmp and the like agree) but keep the
        # last component's own name (a symlinked file uploads under the link's name).
        absolute = Path(os.path.realpath(absolute.parent)) / absolute.name
        if not _is_within(absolute, base):
            raise LocalPathError(
                f"{os.fspath(source)!r} is outside the base directory {str(base)!r}; "
                "pass a base directory that contains it"
            )
        files = _walk_files(absolute) if stat.S_ISDIR(st.st_mode) else iter([absolute])
        for file in files:
            try:
                fst = file.stat()
            except OSError as e:
                raise LocalPathError(f"cannot read {str(file)!r}: {e.strerror}") from None
            if not stat.S_ISREG(fst.st_mode):
                if file == absolute:
                    raise LocalPathError(
                        f"{os.fspath(source)!r} is not a regular file or directory"
                    )
                continue  # sockets, fifos... inside a tree are skipped
            if not os.access(file, os.R_OK):
                raise LocalPathError(f"cannot read {str(file)!r}: permission denied")
            remote = remote_path(PurePosixPath(*file.relative_to(base).parts))
            if remote in seen:
                continue
            seen.add(remote)
            items.append(
                UploadItem(local=file, remote=remote, size=fst.st_size, mtime_ns=fst.st_mtime_ns)
            )
    return items


def distinct_targets(targets: Iterable[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """The ``(remote, local)`` pairs of a download, each once: a pair given twice moves once, and
    two remote paths that would land on one local path are a :class:`LocalPathError` (before
    anything is sent, rather than two downloads racing for one file)."""
    seen: dict[Path, str] = {}
    distinct: list[tuple[str, Path]] = []
    for remote, target in targets:
        if target in seen:
            if seen[target] == remote:
                continue
            raise LocalPathError(
                f"{seen[target]!r} and {remote!r} would both be downloaded to {str(target)!r}"
            )
        seen[target] = remote
        distinct.append((remote, target))
    return distinct


def local_target(remote: str, basedir: str | os.PathLike[str] | None = None) -> Path:
    """Where a download of *remote* lands: ``basedir / remote`` (basedir default: the cwd)."""
    rel = remote_path(remote)
    if rel == ".":
        raise RemotePathError("cannot download the folder root as a file; use archive=True")
    base = Path.cwd() if basedir is None else Path(basedir)
    target = base.joinpath(*PurePosixPath(rel).parts)
    if not _is_within(Path(os.path.abspath(target)), Path(os.path.abspath(base))):
        raise RemotePathError(f"remote path {remote!r} escapes the local base directory")
    return target


def split_url(url: str) -> tuple[str, str]:
    """``http://h:6021/download`` -> (``http://h:6021``, ``/download``) for the core's ``base_url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TransferError(f"the manager answered an unusable storage-proxy URL: {url!r}")
    path = parts.path or "/"
    head, _, tail = path.rstrip("/").rpartition("/")
    base = urlunsplit((parts.scheme, parts.netloc, head, "", ""))
    return base, "/" + tail


def rewrite_storage_url(url: str, address_map: Mapping[str, str] | None) -> str:
    """Apply the storage-proxy address override map (``BACKEND_OVERRIDE_STORAGE_PROXY``).

    A key may be the exact URL the manager answers (the seed's rule), a URL prefix
    (``http://10.0.0.5:6021``), or a bare ``host[:port]``; the value replaces what the key matched
    (a bare ``host[:port]`` value keeps the original scheme). With a non-empty map, a URL that no
    key matches is an error, as in the seed, so traffic never silently bypasses the override.
    """
    if not address_map:
        return url
    if url in address_map:
        return address_map[url]
    parts = urlsplit(url)
    best: tuple[int, str] | None = None
    for key, value in address_map.items():
        k = key.rstrip("/")
        if "://" in k:
            if url == k or url.startswith(k + "/"):
                replaced = value.rstrip("/") + url[len(k) :]
                if "://" not in value:
                    replaced = f"{parts.scheme}://{replaced}"
                if best is None or len(k) > best[0]:
                    best = (len(k), replaced)
        elif k in (parts.netloc, parts.hostname):
            new = urlsplit(value if "://" in value else f"{parts.scheme}://{value}")
            netloc = new.netloc
            if k == parts.hostname and parts.port is not None and new.port is None:
                netloc = f"{netloc}:{parts.port}"
            replaced = urlunsplit((new.scheme, netloc, parts.path, parts.query, parts.fragment))
            if best is None or len(k) > best[0]:
                best = (len(k), replaced)
    if best is None:
        raise TransferError(
            "Overriding storage proxy addresses are given, but no url matches with any of them "
            f"(the manager answered {parts.scheme}://{parts.netloc}{parts.path})."
        )
    return best[1]


def check_unchanged(f: IO[bytes], item: UploadItem) -> None:
    """Raise :class:`SourceChangedError` if the open file *f* no longer matches *item*."""
    try:
        st = os.fstat(f.fileno())
    except OSError as e:
        raise LocalPathError(f"cannot read {str(item.local)!r}: {e.strerror}") from None
    if st.st_size != item.size:
        change = f"its size went from {item.size} to {st.st_size} bytes"
    elif item.mtime_ns is not None and st.st_mtime_ns != item.mtime_ns:
        change = "it was modified"
    else:
        return
    raise SourceChangedError(
        f"{str(item.local)!r} changed while it was being uploaded ({change}); "
        "the upload was not completed, upload it again"
    )


def parse_offset(value: str | None, size: int, *, what: str) -> int | None:
    """A tus ``Upload-Offset`` header that must lie in ``0..size``; ``None`` when absent."""
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or not text.isascii():
        raise TransferError(
            f"the storage proxy answered an invalid upload offset to {what}: {value!r}"
        )
    offset = int(text)
    if offset > size:
        raise TransferError(
            f"the storage proxy answered an upload offset past the end of the file to {what}: "
            f"{offset} of {size} bytes"
        )
    return offset


@dataclass(frozen=True)
class RemoteVersion:
    """What identifies the version of a file a download answer carries."""

    etag: str | None
    last_modified: str | None
    total: int | None

    @classmethod
    def of(cls, headers: Mapping[str, str], total: int | None) -> RemoteVersion:
        return cls(headers.get("ETag"), headers.get("Last-Modified"), total)

    def if_range(self) -> str | None:
        """The ``If-Range`` value of a resumed request (a strong ETag, else the date)."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified

    def difference(self, other: RemoteVersion) -> str | None:
        """How *other* differs from this version (``None``: no sign of a change)."""
        for name, mine, theirs in (
            ("ETag", self.etag, other.etag),
            ("Last-Modified", self.last_modified, other.last_modified),
            ("size", self.total, other.total),
        ):
            if mine is not None and theirs is not None and mine != theirs:
                return f"{name} {mine} -> {theirs}"
        return None


def content_range_start_total(value: str | None) -> tuple[int, int | None] | None:
    """Parse ``bytes START-END/TOTAL`` (TOTAL may be ``*``)."""
    if not value or not value.startswith("bytes "):
        return None
    span, _, total = value[6:].partition("/")
    start, _, _end = span.partition("-")
    try:
        return int(start), (None if total.strip() == "*" else int(total))
    except ValueError:
        return None


class PartialFile:
    """A temporary file beside *target*; :meth:`commit` moves it into place, :meth:`discard` removes it.

    The final name only ever holds a complete file: the temporary one is flushed, fsynced and
    renamed. Without ``overwrite`` an existing target is refused, also if it appears meanwhile.
    """

    def __init__(
        self, target: Path, *, overwrite: bool = False, max_size: int | None = None
    ) -> None:
        self.target = target
        self.overwrite = overwrite
        #: More bytes than this are refused (an answer without a length: a zip archive).
        self.max_size = max_size
        self._check_target()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise LocalPathError(
                f"cannot create {str(target.parent)!r}: a file is in the way"
            ) from None
        except OSError as e:
            raise LocalPathError(
                f"cannot create the directory {str(target.parent)!r}: {e.strerror}"
            ) from None
        self.path: Path = target.with_name(f".{target.name}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}")
        try:
            self.file: IO[bytes] = open(self.path, "xb")  # noqa: SIM115 - closed by commit/discard
        except OSError as e:
            raise LocalPathError(
                f"cannot write into {str(target.parent)!r}: {e.strerror}"
            ) from None
        self.size: int = 0

    def _check_target(self) -> None:
        if self.target.is_dir():
            raise LocalPathError(f"{str(self.target)!r} is a directory")
        TargetExistsError.check(self.target, overwrite=self.overwrite)

    def write(self, data: bytes) -> None:
        if self.max_size is not None and self.size + len(data) > self.max_size:
            raise TransferError(
                f"download of {self.target.name!r} is larger than the {self.max_size} bytes expected"
            )
        try:
            self.file.write(data)
        except OSError as e:
            raise LocalPathError(f"cannot write {str(self.target)!r}: {e.strerror}") from None
        self.size += len(data)

    def truncate(self, size: int = 0) -> None:
        """Drop everything after *size* bytes (a server ignored a Range request, ...)."""
        self.file.seek(size)
        self.file.truncate(size)
        self.size = size

    def commit(self, expected_size: int | None) -> None:
        """Move the finished file into place if it has *expected_size* bytes (when known)."""
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
        except OSError as e:
            self.discard()
            raise LocalPathError(f"cannot write {str(self.target)!r}: {e.strerror}") from None
        self.file.close()
        if expected_size is not None and self.size != expected_size:
            self.discard()
            state = "is incomplete" if self.size < expected_size else "is larger than announced"
            raise TransferError(
                f"download of {self.target.name!r} {state}: got {self.size} of {expected_size} bytes"
            )
        try:
            if self.overwrite:
                os.replace(self.path, self.target)
            else:
                self._link_no_clobber()
        except BaseException:
            self.discard()
            raise

    def _link_no_clobber(self) -> None:
        try:
            os.link(self.path, self.target)  # atomic, and fails if the target appeared meanwhile
        except FileExistsError:
            raise TargetExistsError(
                f"{str(self.target)!r} appeared during the download; not replaced"
            ) from None
        except OSError:
            # Filesystems without hard links: check, then rename (small window).
            self._check_target()
            os.replace(self.path, self.target)
            return
        os.unlink(self.path)

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def is_zip(self) -> bool:
        """Whether what was written so far ends like a complete zip archive."""
        import zipfile

        self.file.flush()
        return zipfile.is_zipfile(self.path)


def iter_file_blocks(f: IO[bytes], length: int, block: int = IO_BLOCK_SIZE) -> Iterator[bytes]:
    """Read up to *length* bytes of *f* from its current position, *block* bytes at a time."""
    remaining = length
    while remaining > 0:
        data = f.read(min(block, remaining))
        if not data:
            raise LocalPathError(
                f"{getattr(f, 'name', 'the file')!r} shrank while it was being uploaded"
            )
        remaining -= len(data)
        yield data


def check_max_parallel(value: int) -> int:
    if not 1 <= value <= MAX_PARALLEL_LIMIT:
        raise ValueError(f"max_parallel must be between 1 and {MAX_PARALLEL_LIMIT}, not {value}")
    return value


def _is_fatal(error: BaseException) -> bool:
    """Whether *error* is not about one file, so that the files not started yet are not tried."""
    if isinstance(error, TransferError):
        return False
    if isinstance(error, BackendAPIError):
        return error.status in (401, 403) or error.status >= 500
    return True


class ManyFiles:
    """The outcome of moving several files (named ``names``, in order), shared by the workers."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names: list[str] = list(names)
        self.completed: list[str] = []
        self.failed: dict[str, BaseException] = {}
        self.skipped: list[str] = []
        self._stopped = False
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int | None:
        """The index of the next file to move, or ``None`` when there is none (or a stop)."""
        with self._lock:
            if self._stopped:
                self.skipped += self.names[self._next :]
                self._next = len(self.names)
            if self._next >= len(self.names):
                return None
            self._next += 1
            return self._next - 1

    def record(self, index: int, error: BaseException | None) -> None:
        with self._lock:
            name = self.names[index]
            if error is None:
                self.completed.append(name)
            else:
                self.failed[name] = error
                if _is_fatal(error):
                    self._stopped = True

    def stop(self) -> None:
        with self._lock:
            self._stopped = True

    def take_back(self, kind: type[BaseException]) -> list[int]:
        """The indexes of the files that failed with *kind*, no longer counted as failed: the
        caller moves them another way and records them again (a remote directory, say)."""
        with self._lock:
            names = [name for name, e in self.failed.items() if isinstance(e, kind)]
            for name in names:
                del self.failed[name]
            return [self.names.index(name) for name in names]

    def per_file(self, groups: Sequence[Sequence[str]]) -> ManyFiles:
        """The outcome per file when ``self.names[i]`` moved the files ``groups[i]`` in one
        request: each file shares its request's outcome."""
        files = ManyFiles([name for group in groups for name in group])
        for name, group in zip(self.names, groups, strict=True):
            if name in self.failed:
                files.failed.update(dict.fromkeys(group, self.failed[name]))
            elif name in self.completed:
                files.completed += group
            else:
                files.skipped += group
        return files

    def raise_for_failures(self) -> None:
        """Raise :class:`PartialTransferError` if any file failed."""
        if not self.failed:
            return
        total = len(self.names)
        reasons = "; ".join(
            f"{name!r}: {' '.join(str(e).split()) or type(e).__name__}"
            for name, e in list(self.failed.items())[:3]
        )
        more = f" and {len(self.failed) - 3} more" if len(self.failed) > 3 else ""
        skipped = f", {len(self.skipped)} not tried" if self.skipped else ""
        raise PartialTransferError(
            f"{len(self.failed)} of {total} files failed ({len(self.completed)} completed"
            f"{skipped}): {reasons}{more}",
            completed=self.completed,
            failed=self.failed,
            skipped=self.skipped,
        )


#: One file (or one request of several files) of a many-file transfer, by index.
AsyncJob: TypeAlias = Callable[[int], Awaitable[None]]
Job: TypeAlias = Callable[[int], None]  # the blocking twin


async def anyio_map_bounded(run: AsyncJob, outcome: ManyFiles, limit: int) -> None:
    """``run(i)`` for every file of *outcome*, at most *limit* at once, as tasks of one group."""

    async def worker() -> None:
        while (index := outcome.take()) is not None:
            try:
                await run(index)
            except Exception as e:
                outcome.record(index, e)
            else:
                outcome.record(index, None)

    import anyio  # here, not at the top: commands that move no file do not pay for it

    async with anyio.create_task_group() as tg:
        for _ in range(max(1, min(limit, len(outcome.names)))):
            tg.start_soon(worker)


def thread_map_bounded(run: Job, outcome: ManyFiles, limit: int) -> None:
    """The blocking twin of :func:`anyio_map_bounded`: at most *limit* worker threads.

    An interrupt (Ctrl-C) stops the workers from starting further files; files in flight finish.
    """

    def worker() -> None:
        while (index := outcome.take()) is not None:
            try:
                run(index)
            except Exception as e:
                outcome.record(index, e)
            else:
                outcome.record(index, None)

    workers = max(1, min(limit, len(outcome.names)))
    if workers == 1:
        worker()
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers, thread_name_prefix="backend.ai-transfer") as pool:
        futures = [pool.submit(worker) for _ in range(workers)]
        try:
            for future in futures:
                future.result()
        except BaseException:
            outcome.stop()
            raise


def describe(paths: Sequence[str]) -> str:
    return ", ".join(repr(p) for p in paths[:3]) + (
        f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    )


def retry_delay(attempt: int) -> float:
    """Back-off between transfer attempts: 0.2 s, 0.4 s, ... capped at 5 s."""
    return float(min(5.0, 0.2 * (2**attempt)))


# The network half is written once async and derived to blocking code by unasync, which renames
# ``anyio_sleep`` to ``time_sleep``; both names live here so either copy imports its own.
async def anyio_sleep(seconds: float) -> None:
    """``anyio.sleep``, imported only when a transfer waits."""
    import anyio

    await anyio.sleep(seconds)


time_sleep: Callable[[float], None] = time.sleep
