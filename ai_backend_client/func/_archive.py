"""Receiving ``ComputeSession.download()`` answers: ``multipart/mixed`` of tar archives.

The answer is parsed incrementally (memory stays flat whatever the size), each part is spooled to
a temporary file, and each archive is checked completely before anything is written:

* only regular files and directories are accepted (symlinks, hard links, devices, FIFOs are
  refused, so nothing can point outside the destination);
* member names must be relative, without ``..`` components, drive letters or backslashes;
* the resolved parent of each target must stay inside the destination (a symlink already present
  in the destination cannot redirect a write);
* a file never replaces a directory or the reverse, and with ``overwrite=False`` an existing file
  is an error (:class:`~ai_backend_client.transfer.TargetExistsError`). Files are written to a
  temporary name and renamed into place (an existing symlink at the target is replaced, never
  followed), with the permission bits of the archive less the process umask, as tar does for a
  non-root user;
* the answer may not exceed ``max_size`` bytes, and its archives may not extract more than
  ``max_size`` bytes, nor more than ``max_ratio`` times the bytes received (beyond 1 MiB): a
  decompression bomb is refused before it is decompressed past the limit.

Every archive of an answer is checked before the first file is written, so a refusal writes
nothing. :func:`extract_zip_safely` applies the same member rules to the zip archive in which the
storage proxy sends a vfolder directory, and :func:`extract_zip_to_targets` to the one in which
it sends several named files, each to the local path it was asked for. No network I/O here, so the module serves both the async and the blocking function
classes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Final

from ..config import format_size
from ..exceptions import BackendClientError, UnsafeArchiveError
from ..transfer import TargetExistsError, TransferError

if TYPE_CHECKING:
    import zipfile  # imported where an archive is opened

__all__ = [
    "DownloadReceiver",
    "MultipartMixedParser",
    "UnsafeArchiveError",
    "boundary_of",
    "extract_tar_safely",
    "extract_zip_safely",
    "extract_zip_to_targets",
]

_CRLF: Final = b"\r\n"
#: Below this many extracted bytes the ratio limit does not apply (tiny files compress well).
_RATIO_FLOOR: Final = 2**20


def boundary_of(content_type: str) -> bytes:
    """The ``boundary`` parameter of a ``multipart/*`` content type."""
    media, _, params = content_type.partition(";")
    if not media.strip().lower().startswith("multipart/"):
        raise BackendClientError(
            f"expected a multipart answer, got {content_type or 'no content type'!r}"
        )
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if value:
                return value.encode("latin-1")
    raise BackendClientError(f"the multipart answer has no boundary: {content_type!r}")


class MultipartMixedParser:
    """Push parser for a multipart body: :meth:`feed` chunks, get callbacks per part.

    ``on_part_begin(headers)``, ``on_part_data(bytes)`` and ``on_part_end()`` are called in order;
    :meth:`close` checks that the closing delimiter was seen.
    """

    def __init__(
        self,
        boundary: bytes,
        *,
        on_part_begin: Callable[[dict[str, str]], None],
        on_part_data: Callable[[bytes], None],
        on_part_end: Callable[[], None],
    ) -> None:
        self._delimiter = b"--" + boundary
        self._body_delimiter = _CRLF + self._delimiter
        self._buf = bytearray()
        self._state = "preamble"
        self._on_begin = on_part_begin
        self._on_data = on_part_data
        self._on_end = on_part_end

    @property
    def finished(self) -> bool:
        return self._state == "epilogue"

    def feed(self, data: bytes) -> None:
        if self._state == "epilogue":
            return
        self._buf += data
        while self._step():
            pass

    def close(self) -> None:
        if self._state != "epilogue":
            raise BackendClientError("the multipart answer ended early (no closing boundary)")

    def _step(self) -> bool:
        buf = self._buf
        if self._state == "preamble":
            if buf.startswith(self._delimiter):
                del buf[: len(self._delimiter)]
                self._state = "after-delimiter"
                return True
            idx = buf.find(self._body_delimiter)
            if idx < 0:
                # keep just enough to recognise a delimiter split across chunks
                keep = len(self._body_delimiter)
                if len(buf) > keep:
                    del buf[: len(buf) - keep]
                return False
            del buf[: idx + len(self._body_delimiter)]
            self._state = "after-delimiter"
            return True
        if self._state == "after-delimiter":
            if len(buf) < 2:
                return False
            if buf.startswith(b"--"):
                self._state = "epilogue"
                buf.clear()
                return False
            eol = buf.find(_CRLF)  # transport padding, then CRLF
            if eol < 0:
                return False
            del buf[: eol + 2]
            self._state = "headers"
            return True
        if self._state == "headers":
            if buf.startswith(_CRLF):  # a part without headers
                del buf[:2]
                self._on_begin({})
                self._state = "body"
                return True
            end = buf.find(_CRLF + _CRLF)
            if end < 0:
                if len(buf) > 64 * 1024:
                    raise BackendClientError("malformed multipart answer: part headers too long")
                return False
            headers: dict[str, str] = {}
            for line in bytes(buf[:end]).decode("latin-1").split("\r\n"):
                key, sep, value = line.partition(":")
                if sep:
                    headers[key.strip().lower()] = value.strip()
            del buf[: end + 4]
            self._on_begin(headers)
            self._state = "body"
            return True
        if self._state == "body":
            idx = buf.find(self._body_delimiter)
            if idx < 0:
                safe = len(buf) - len(self._body_delimiter)
                if safe > 0:
                    self._on_data(bytes(buf[:safe]))
                    del buf[:safe]
                return False
            if idx:
                self._on_data(bytes(buf[:idx]))
            del buf[: idx + len(self._body_delimiter)]
            self._on_end()
            self._state = "after-delimiter"
            return True
        return False


def _member_parts(name: str) -> tuple[str, ...]:
    """The path components of a member name, refusing anything that could leave the root."""
    if not name or "\x00" in name:
        raise UnsafeArchiveError(f"refusing archive member with an empty or invalid name: {name!r}")
    if "\\" in name:
        raise UnsafeArchiveError(f"refusing archive member with a backslash in its name: {name!r}")
    if name.startswith("/"):
        raise UnsafeArchiveError(f"refusing archive member with an absolute path: {name!r}")
    path = PurePosixPath(name)
    parts = tuple(p for p in path.parts if p not in ("", "."))
    for part in parts:
        if part == "..":
            raise UnsafeArchiveError(
                f"refusing archive member that escapes the destination: {name!r}"
            )
        if len(part) >= 2 and part[1] == ":":
            raise UnsafeArchiveError(f"refusing archive member with a drive letter: {name!r}")
    return parts


def _kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"symbolic link (-> {member.linkname!r})"
    if member.islnk():
        return f"hard link (-> {member.linkname!r})"
    if member.ischr() or member.isblk():
        return "device file"
    if member.isfifo():
        return "FIFO"
    return "special file"


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


_Plan = list[tuple[tarfile.TarInfo, Path, str]]


def _plan(tar: tarfile.TarFile, root: Path, *, overwrite: bool, budget: int) -> tuple[_Plan, int]:
    """Check every member of *tar*; return what to write and its size in bytes.

    Stops with :class:`UnsafeArchiveError` as soon as the members add up to more than *budget*
    bytes, so a bomb is never decompressed (even to read its headers) much past the limit.
    """
    plan: _Plan = []
    total = 0
    for member in tar:
        parts = _member_parts(member.name)
        if not parts:
            if member.isdir():
                continue  # "." itself
            raise UnsafeArchiveError(f"refusing archive member with an empty name: {member.name!r}")
        if not (member.isfile() or member.isdir()):
            raise UnsafeArchiveError(f"refusing {_kind(member)} in the archive: {member.name!r}")
        target = root.joinpath(*parts)
        if not _is_within(target.parent.resolve(), root):
            raise UnsafeArchiveError(
                f"refusing {member.name!r}: its directory leads outside {str(root)!r} (symlink?)"
            )
        if member.isfile():
            total += member.size
            if total > budget:
                raise _TooLarge(total)
            if target.is_dir() and not target.is_symlink():
                raise UnsafeArchiveError(
                    f"refusing to replace the directory {str(target)!r} by a file"
                )
            TargetExistsError.check(target, overwrite=overwrite)
        elif target.is_symlink() or (target.exists() and not target.is_dir()):
            raise UnsafeArchiveError(f"refusing to turn {str(target)!r} into a directory")
        plan.append((member, target, "/".join(parts)))
    return plan, total


class _TooLarge(Exception):
    def __init__(self, total: int) -> None:
        self.total = total


def _extract(tar: tarfile.TarFile, plan: _Plan, umask: int) -> list[str]:
    written: list[str] = []
    for member, target, rel in plan:
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        if source is None:  # pragma: no cover - isfile() members always have data
            continue
        _write_atomically(source, target, (stat.S_IMODE(member.mode) & 0o777 & ~umask) | 0o600)
        written.append(rel)
    return written


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (a brief window for other threads)
    os.umask(mask)
    return mask


def extract_tar_safely(
    archive: IO[bytes], dest: Path, *, overwrite: bool = True, max_size: int | None = None
) -> list[str]:
    """Extract the tar *archive* into *dest* after checking every member; return the file names.

    The whole archive is checked first: if any member is refused, nothing is written.
    """
    root = dest.resolve()
    budget = max_size if max_size is not None else 2**63
    with tarfile.open(fileobj=archive, mode="r:*") as tar:
        try:
            plan, _ = _plan(tar, root, overwrite=overwrite, budget=budget)
        except _TooLarge as e:
            raise UnsafeArchiveError(
                f"refusing the archive: it extracts to more than {format_size(budget)} "
                f"({format_size(e.total)} so far)"
            ) from None
        return _extract(tar, plan, current_umask())


def extract_zip_safely(
    archive: IO[bytes], dest: Path, *, overwrite: bool, max_size: int, max_members: int
) -> tuple[list[str], dict[str, BaseException]]:
    """Extract the zip *archive* (a seekable file) into *dest*; return the files written and the
    files refused, each with its reason.

    Every member is checked before the first is written: an unsafe name, more than *max_members*
    members or more than *max_size* bytes to extract refuse the whole archive
    (:class:`UnsafeArchiveError`). A file whose target exists (without *overwrite*) or is a
    directory is refused alone and the others are written. Each file is checked against its
    CRC-32 while it is written and is renamed into place only when complete; members become
    regular files and directories whatever mode they claim, with the permissions a new file
    gets (``0o666`` less the umask), as a single-file download has.
    """
    with _open_zip(archive) as zf:
        members = _checked_members(zf, max_size=max_size, max_members=max_members)
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        plan: list[tuple[zipfile.ZipInfo, Path, str]] = []
        for member in members:
            parts = _member_parts(member.filename)
            if not parts:
                continue  # "./" itself
            target = root.joinpath(*parts)
            if not _is_within(target.parent.resolve(), root):
                raise UnsafeArchiveError(
                    f"refusing {member.filename!r}: its directory leads outside {str(root)!r} "
                    "(symlink?)"
                )
            plan.append((member, target, "/".join(parts)))
        return _extract_zip(zf, plan, overwrite=overwrite)


def extract_zip_to_targets(
    archive: IO[bytes], targets: Mapping[str, Path], *, overwrite: bool, max_size: int
) -> tuple[list[str], dict[str, BaseException]]:
    """Write the files of the zip *archive* to the local paths *targets* names them by (member
    name, normalised: ``a/b.txt``); return the names written and those refused, each with its
    reason, as :func:`extract_zip_safely` does.

    The archive may hold only files named in *targets* and at most *max_size* bytes, or it is
    refused whole (:class:`UnsafeArchiveError`); a name of *targets* it lacks is neither
    written nor refused.
    """
    with _open_zip(archive) as zf:
        members = _checked_members(zf, max_size=max_size, max_members=len(targets))
        plan: list[tuple[zipfile.ZipInfo, Path, str]] = []
        for member in members:
            name = "/".join(_member_parts(member.filename))
            if not name and member.is_dir():
                continue  # "./": the directory the archive is of
            if member.is_dir() or name not in targets:
                raise UnsafeArchiveError(
                    f"refusing the archive: it holds {member.filename!r}, which was not asked for"
                )
            plan.append((member, targets[name], name))
        return _extract_zip(zf, plan, overwrite=overwrite)


def _open_zip(archive: IO[bytes]) -> zipfile.ZipFile:
    import zipfile

    try:
        return zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise BackendClientError(f"the downloaded archive is corrupt: {e}") from None


def _checked_members(
    zf: zipfile.ZipFile, *, max_size: int, max_members: int
) -> list[zipfile.ZipInfo]:
    members = zf.infolist()
    if len(members) > max_members:
        raise UnsafeArchiveError(
            f"refusing the archive: {len(members)} members, more than the {max_members} expected"
        )
    size = sum(m.file_size for m in members if not m.is_dir())
    if size > max_size:
        raise UnsafeArchiveError(
            f"refusing the archive: it extracts to {format_size(size)}, more than the "
            f"{format_size(max_size)} expected"
        )
    return members


def _extract_zip(
    zf: zipfile.ZipFile, plan: list[tuple[zipfile.ZipInfo, Path, str]], *, overwrite: bool
) -> tuple[list[str], dict[str, BaseException]]:
    """Write each planned ``(member, target, name)``; the names written and refused."""
    import zipfile

    mode = 0o666 & ~current_umask()
    written: list[str] = []
    refused: dict[str, BaseException] = {}
    for member, target, rel in plan:
        try:
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if target.is_dir() and not target.is_symlink():
                raise TransferError(f"{str(target)!r} is a directory")
            TargetExistsError.check(target, overwrite=overwrite)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as source:
                _write_atomically(source, target, mode)
        except zipfile.BadZipFile as e:  # a CRC mismatch: the transfer, not this file
            raise BackendClientError(f"the downloaded archive is corrupt: {e}") from None
        except TransferError as e:  # before OSError: TargetExistsError is a FileExistsError
            refused[rel] = e
        except OSError as e:
            refused[rel] = TransferError(f"cannot write {str(target)!r}: {e.strerror or e}")
        else:
            written.append(rel)
    return written, refused


def _write_atomically(source: IO[bytes], target: Path, mode: int) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out)
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


class DownloadReceiver:
    """Feeds a ``multipart/mixed`` download answer to disk: one spooled tar per part."""

    def __init__(
        self,
        content_type: str,
        dest: Path,
        *,
        overwrite: bool = True,
        progress: Callable[[int], None] | None = None,
        max_size: int = 2**30,
        max_ratio: float = 100.0,
    ) -> None:
        self._dest = dest
        self._overwrite = overwrite
        self._progress = progress
        self._max_size = max_size
        self._max_ratio = max_ratio
        self._received = 0
        self._spools: list[IO[bytes]] = []
        self._current: IO[bytes] | None = None
        self._parser = MultipartMixedParser(
            boundary_of(content_type),
            on_part_begin=self._begin,
            on_part_data=self._data,
            on_part_end=self._end,
        )

    def _begin(self, headers: dict[str, str]) -> None:
        encoding = headers.get("content-encoding", "identity").lower()
        if encoding not in ("identity", ""):
            raise BackendClientError(f"unsupported part encoding in the download: {encoding!r}")
        self._current = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._spools.append(self._current)

    def _data(self, data: bytes) -> None:
        assert self._current is not None
        self._current.write(data)

    def _end(self) -> None:
        self._current = None

    def feed(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received > self._max_size:
            raise UnsafeArchiveError(
                f"refusing the download: it is larger than {format_size(self._max_size)} "
                "(BACKEND_MAX_EXTRACT_SIZE)"
            )
        self._parser.feed(chunk)
        if self._progress is not None:
            self._progress(self._received)

    def finish(self) -> list[str]:
        """Check the answer was complete and every archive safe, then extract them all."""
        self._parser.close()
        root = self._dest.resolve()
        by_ratio = max(int(self._max_ratio * self._received), _RATIO_FLOOR)
        budget = min(self._max_size, by_ratio)
        with contextlib.ExitStack() as stack:
            plans: list[tuple[tarfile.TarFile, _Plan]] = []
            total = 0
            try:
                for spool in self._spools:
                    spool.seek(0)
                    tar = stack.enter_context(tarfile.open(fileobj=spool, mode="r:*"))
                    plan, size = _plan(tar, root, overwrite=self._overwrite, budget=budget - total)
                    total += size
                    plans.append((tar, plan))
            except tarfile.TarError as e:
                raise BackendClientError(f"the downloaded archive is corrupt: {e}") from None
            except _TooLarge as e:
                raise self._bomb(total + e.total, by_ratio) from None
            umask = current_umask()
            self._dest.mkdir(parents=True, exist_ok=True)
            names: list[str] = []
            for tar, plan in plans:
                try:
                    names.extend(_extract(tar, plan, umask))
                except tarfile.TarError as e:
                    raise BackendClientError(f"the downloaded archive is corrupt: {e}") from None
        return names

    def _bomb(self, total: int, by_ratio: int) -> UnsafeArchiveError:
        if by_ratio < self._max_size:
            return UnsafeArchiveError(
                f"refusing the download: {format_size(self._received)} received would extract to more "
                f"than {format_size(total)}, over {self._max_ratio:g} times as much "
                "(a decompression bomb? raise BACKEND_MAX_EXTRACT_RATIO if it is expected)"
            )
        return UnsafeArchiveError(
            f"refusing the download: it would extract more than {format_size(self._max_size)} "
            "(raise BACKEND_MAX_EXTRACT_SIZE if it is expected)"
        )

    def close(self) -> None:
        for spool in self._spools:
            spool.close()
        self._spools.clear()
