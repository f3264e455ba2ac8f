"""Compute-session downloads (ComputeSession.download / backend.ai session download): tar archives.

Every archive of the answer is checked before the first file is written: existing files are
kept unless asked, links and escaping paths are refused, the total extracted is bounded (in
bytes, and relative to the bytes received), and the permission bits respect the umask.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ._cluster import Cluster, tar_of
from ._helpers import (
    ALL_MODES,
    SDK_MODES,
    bounded_time,
    failure,
    invoke_cli,
    leftovers,
    make_config,
    run,
)

SESSION = "sess1"


def download(dest: Path, **kw: object) -> Callable[[object], object]:
    return lambda s: s.ComputeSession(SESSION).download(["a.txt"], dest=dest, **kw)  # type: ignore[attr-defined]


def cli_download(dest: Path, *extra: str) -> list[str]:
    return ["session", "download", SESSION, "a.txt", "--dest", str(dest), *extra]


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    path = tmp_path / "dest"
    path.mkdir()
    return path


@pytest.fixture
def pointed(cluster: Cluster, cli_env: Callable[[str], None]) -> Cluster:
    cli_env(cluster.url)
    return cluster


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A gzip tar of 256 MiB of zeros: about 260 KB on the wire."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        info = tarfile.TarInfo("a.txt")
        info.size = 256 * 2**20
        gz.write(info.tobuf())
        block = bytes(2**20)
        for _ in range(256):
            gz.write(block)
        gz.write(bytes(1024 * 10))  # end-of-archive blocks
    return out.getvalue()


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# -- existing files ----------------------------------------------------------------------------
@pytest.mark.fault("TargetExistsError naming --overwrite, exit 1; the local file is untouched")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_existing_file_is_kept(mode: str, pointed: Cluster, dest: Path) -> None:
    """The file to download already exists locally (it used to be replaced without asking)."""
    (dest / "a.txt").write_bytes(b"precious")
    pointed.session_parts = [tar_of({"a.txt": b"from the session"})]
    f = failure(mode, pointed.url, download(dest), cli_download(dest))
    assert "already exists" in f.message and "--overwrite" in f.message
    assert (dest / "a.txt").read_bytes() == b"precious" and leftovers(dest) == ["a.txt"]


@pytest.mark.fault("with overwrite=True / --overwrite the file is replaced")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_overwrite_when_asked(mode: str, pointed: Cluster, dest: Path) -> None:
    """The user asks to replace the existing local file."""
    (dest / "a.txt").write_bytes(b"old")
    pointed.session_parts = [tar_of({"a.txt": b"new"})]
    if mode == "cli":
        result = invoke_cli(cli_download(dest, "--overwrite"))
        assert result.exit_code == 0, result.output
    else:
        run(mode, make_config(pointed.url), download(dest, overwrite=True))
    assert (dest / "a.txt").read_bytes() == b"new"


# -- bombs and sizes ---------------------------------------------------------------------------
@pytest.mark.fault(
    "UnsafeArchiveError '... over 100 times as much (a decompression bomb?)' in seconds; nothing written"
)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_decompression_bomb(mode: str, pointed: Cluster, dest: Path, bomb: bytes) -> None:
    """A 260 KB gzip tar that would extract to 256 MiB."""
    pointed.session_parts = [bomb]
    with bounded_time(10):
        f = failure(mode, pointed.url, download(dest), cli_download(dest))
    assert "decompression bomb" in f.message and "BACKEND_MAX_EXTRACT_RATIO" in f.message
    assert leftovers(dest) == []


@pytest.mark.fault("UnsafeArchiveError naming BACKEND_MAX_EXTRACT_SIZE; nothing written")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_more_than_the_extract_limit(
    mode: str, pointed: Cluster, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain (incompressible) archives of 3 MiB in all, with BACKEND_MAX_EXTRACT_SIZE=2M."""
    monkeypatch.setenv("BACKEND_MAX_EXTRACT_SIZE", "2M")
    pointed.session_parts = [
        tar_of({"a.txt": os.urandom(2**20)}),
        tar_of({"b.txt": os.urandom(2 * 2**20)}),
    ]
    f = failure(mode, pointed.url, download(dest))
    assert f.type == "UnsafeArchiveError" and "BACKEND_MAX_EXTRACT_SIZE" in f.message
    assert leftovers(dest) == []


# -- unsafe members ----------------------------------------------------------------------------
@pytest.mark.fault("UnsafeArchiveError naming the member; nothing of any archive written")
@pytest.mark.parametrize(
    "bad",
    [
        tar_of({"../escape.txt": b"x"}),
        tar_of({"/etc/evil": b"x"}),
        tar_of({"link": b"/etc/passwd"}, kind=tarfile.SYMTYPE),
    ],
    ids=["dotdot", "absolute", "symlink"],
)
@pytest.mark.parametrize("mode", SDK_MODES)
def test_unsafe_member_in_the_second_archive(
    mode: str, bad: bytes, pointed: Cluster, dest: Path
) -> None:
    """The first archive is fine; the second holds a member that would leave the destination."""
    pointed.session_parts = [tar_of({"a.txt": b"fine"}), bad]
    f = failure(mode, pointed.url, download(dest))
    assert f.type == "UnsafeArchiveError" and "refusing" in f.message
    assert leftovers(dest) == [] and not (dest.parent / "escape.txt").exists()


@pytest.mark.fault("'the multipart answer ended early', exit 1; nothing written")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_answer_without_closing_boundary(mode: str, pointed: Cluster, dest: Path) -> None:
    """The multipart answer stops before its closing boundary (complete as far as HTTP goes)."""
    from ._cluster import multipart_mixed

    content_type, body = multipart_mixed([tar_of({"a.txt": b"x" * 5000})])
    truncated = body[: -len(b"--fault-boundary--\r\n") - 100]
    pointed.route(
        "*", f"/session/{SESSION}/download",
        lambda req, conn: conn.respond(200, truncated, {"Content-Type": content_type}),
    )  # fmt: skip
    f = failure(mode, pointed.url, download(dest), cli_download(dest))
    assert "ended early" in f.message
    assert leftovers(dest) == []


@pytest.mark.fault("BackendConnectionError (not a raw httpx error), exit 1; nothing written")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_connection_closes_mid_answer(mode: str, pointed: Cluster, dest: Path) -> None:
    """The answer announces its length and the connection closes halfway."""
    from ._cluster import multipart_mixed

    content_type, body = multipart_mixed([tar_of({"a.txt": os.urandom(100_000)})])

    def cut(req, conn) -> None:  # type: ignore[no-untyped-def]
        conn.head(200, {"Content-Type": content_type, "Content-Length": str(len(body))})
        conn.send(body[:50_000])
        conn.close()

    pointed.route("*", f"/session/{SESSION}/download", cut)
    f = failure(mode, pointed.url, download(dest), cli_download(dest))
    assert "broke off; nothing was written" in f.message and "Unexpected" not in f.message
    if mode != "cli":
        assert f.type == "BackendConnectionError"
    assert leftovers(dest) == []


# -- permissions -------------------------------------------------------------------------------
@pytest.mark.fault("written 0644 / 0755 under umask 022, as tar does for a non-root user")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_group_and_world_writable_members(
    mode: str, pointed: Cluster, dest: Path, umask_022: None
) -> None:
    """The archive's files are mode 0666 and 0777."""
    pointed.session_parts = [
        tar_of({"a.txt": b"a"}, mode=0o666),
        tar_of({"run.sh": b"#!"}, mode=0o777),
    ]
    run(mode, make_config(pointed.url), download(dest))
    assert stat.S_IMODE((dest / "a.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((dest / "run.sh").stat().st_mode) == 0o755
