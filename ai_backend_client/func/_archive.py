"""Receiving ``ComputeSession.download()`` answers: ``multipart/mixed`` of tar archives.

The answer is parsed incrementally (memory stays flat whatever the size), each part is spooled to
a temporary file, and each archive is checked completely before anything is written:

* only regular files and directories are accepted (symlinks, hard links, devices, FIFOs are
  refused, so nothing can point outside the destination);
* member names must be relative, without ``..`` components, drive letters or backslashes;
* the resolved parent of each target must stay inside the destination (a symlink already present
  in the destination cannot redirect a write);
* a file never replaces a directory or the reverse, and with ``overwrite=False`` an existing file
  is an error. Files are written to a temporary name and renamed into place (an existing symlink
  at the target is replaced, never followed).

No network I/O here, so the module serves both the async and the blocking function classes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, Final

from ..exceptions import BackendClientError

__all__ = [
    "DownloadReceiver",
    "MultipartMixedParser",
    "UnsafeArchiveError",
    "boundary_of",
    "extract_tar_safely",
]

_CRLF: Final = b"\r\n"


class UnsafeArchiveError(BackendClientError):
    """A downloaded archive tried to write outside its destination or contained a link/device."""


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


def extract_tar_safely(archive: IO[bytes], dest: Path, *, overwrite: bool = True) -> list[str]:
    """Extract the tar *archive* into *dest* after checking every member; return the file names.

    The whole archive is checked first: if any member is refused, nothing is written.
    """
    root = dest.resolve()
    plan: list[tuple[tarfile.TarInfo, Path, str]] = []
    with tarfile.open(fileobj=archive, mode="r:*") as tar:
        for member in tar.getmembers():
            parts = _member_parts(member.name)
            if not parts:
                if member.isdir():
                    continue  # "." itself
                raise UnsafeArchiveError(
                    f"refusing archive member with an empty name: {member.name!r}"
                )
            if not (member.isfile() or member.isdir()):
                raise UnsafeArchiveError(
                    f"refusing {_kind(member)} in the archive: {member.name!r}"
                )
            target = root.joinpath(*parts)
            if not _is_within(target.parent.resolve(), root):
                raise UnsafeArchiveError(
                    f"refusing {member.name!r}: its directory leads outside {str(root)!r} (symlink?)"
                )
            if member.isfile():
                if target.is_dir() and not target.is_symlink():
                    raise UnsafeArchiveError(
                        f"refusing to replace the directory {str(target)!r} by a file"
                    )
                if not overwrite and (target.exists() or target.is_symlink()):
                    raise FileExistsError(
                        f"{str(target)!r} exists (pass overwrite=True to replace it)"
                    )
            elif target.is_symlink() or (target.exists() and not target.is_dir()):
                raise UnsafeArchiveError(f"refusing to turn {str(target)!r} into a directory")
            plan.append((member, target, "/".join(parts)))
        written: list[str] = []
        for member, target, rel in plan:
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is None:  # pragma: no cover - isfile() members always have data
                continue
            _write_atomically(source, target, member.mode)
            written.append(rel)
    return written


def _write_atomically(source: IO[bytes], target: Path, mode: int) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out)
        # keep the permission bits only (no setuid/setgid/sticky), always owner-readable
        os.chmod(tmp_name, (stat.S_IMODE(mode) & 0o777) | 0o600)
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
    ) -> None:
        self._dest = dest
        self._overwrite = overwrite
        self._progress = progress
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
        self._parser.feed(chunk)
        if self._progress is not None:
            self._progress(self._received)

    def finish(self) -> list[str]:
        """Check the answer was complete, then extract every archive; return the file names."""
        self._parser.close()
        self._dest.mkdir(parents=True, exist_ok=True)
        names: list[str] = []
        for spool in self._spools:
            spool.seek(0)
            try:
                names.extend(extract_tar_safely(spool, self._dest, overwrite=self._overwrite))
            except tarfile.TarError as e:
                raise BackendClientError(f"the downloaded archive is corrupt: {e}") from None
        return names

    def close(self) -> None:
        for spool in self._spools:
            spool.close()
        self._spools.clear()
