"""Downloads (session.VFolder(...).download / backend.ai vfolder download) through the storage proxy.

A broken download resumes with a Range request; a file that changed meanwhile is downloaded
again from the start, never spliced; an answer without a length is checked against the folder
listing; a failure leaves nothing under the final name (and no partial file).
"""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ai_backend_client.exceptions import UnsafeArchiveError

from ._cluster import VFOLDER, Cluster, Fault, change_file, serve
from ._helpers import (
    ALL_MODES,
    SDK_MODES,
    failure,
    invoke_cli,
    leftovers,
    make_config,
    run,
    sha256,
)

SIZE = 2 * 2**20 + 777
OLD = os.urandom(SIZE)
NEW = os.urandom(SIZE)  # the same size: only the validators tell the versions apart


def download(dest: Path, *names: str, **kw: object) -> Callable[[object], object]:
    return lambda s: s.VFolder(VFOLDER).download(  # type: ignore[attr-defined]
        list(names or ["big.bin"]), basedir=dest, **kw
    )


def cli_download(dest: Path, *extra: str) -> list[str]:
    return ["vfolder", "download", VFOLDER, "big.bin", "--base-dir", str(dest), *extra]


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path


@pytest.fixture
def big(cluster: Cluster) -> Cluster:
    cluster.put_file("big.bin", OLD)
    return cluster


def ranges(cluster: Cluster) -> list[str | None]:
    return [r.headers.get("range") for r in cluster.server.requests if r.path == "/download"]


# -- interruptions that resume ----------------------------------------------------------------
@pytest.mark.fault("resumes with Range + If-Range; the exact bytes land under the final name")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_connection_closes_mid_body(mode: str, big: Cluster, dest: Path) -> None:
    """The download stops after 700 KB of the announced length (twice)."""
    big.get_faults += [serve(cut=700_000), serve(cut=500_000)]
    run(mode, make_config(big.url), download(dest))
    assert sha256(dest / "big.bin") == sha256(OLD) and leftovers(dest) == ["big.bin"]
    assert ranges(big) == [None, "bytes=700000-", "bytes=1200000-"]
    assert all(r.headers.get("if-range") == big.etag("big.bin") for r in big.server.requests[-2:])


@pytest.mark.fault("the read timeout ends the stall; resumes; exact bytes")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_download_stalls(
    mode: str, big: Cluster, dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The storage proxy sends 1 MB and then nothing more."""
    # 2 s, not less: the manager's own answers share this timeout on a loaded CI machine.
    monkeypatch.setenv("BACKEND_READ_TIMEOUT", "2")

    def stall(req, conn, c) -> bool:  # type: ignore[no-untyped-def]
        conn.head(200, {"Content-Length": str(SIZE), "ETag": c.etag("big.bin")})
        conn.send(OLD[: 2**20])
        conn.stall(20)
        return True

    big.get_faults.append(stall)
    run(mode, make_config(big.url), download(dest))
    assert sha256(dest / "big.bin") == sha256(OLD)


@pytest.mark.fault("the truncation is seen by the size in the folder listing; resumed; exact bytes")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_truncated_without_content_length(mode: str, big: Cluster, dest: Path) -> None:
    """The answer has no Content-Length and the connection closes after 1 MB (looks complete)."""
    big.get_faults.append(serve(length=False, cut=2**20))
    run(mode, make_config(big.url), download(dest))
    assert sha256(dest / "big.bin") == sha256(OLD)
    assert ranges(big) == [None, f"bytes={2**20}-"]


@pytest.mark.fault("complete and kept, with a warning that it could not be verified")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_no_length_anywhere(
    mode: str, big: Cluster, dest: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No Content-Length, and the listing shows no size: nothing to check the length against."""
    big.listing_sizes = False
    big.get_faults.append(serve(length=False))
    with caplog.at_level(logging.WARNING):
        run(mode, make_config(big.url), download(dest))
    assert sha256(dest / "big.bin") == sha256(OLD)
    assert "'big.bin' is unverified" in caplog.text


@pytest.mark.fault("the whole file again, written from the start; exact bytes")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_range_is_ignored(mode: str, big: Cluster, dest: Path) -> None:
    """The first answer breaks off; the storage proxy ignores the Range of the second."""
    big.get_faults += [serve(cut=300_000), serve(ignore_range=True)]
    run(mode, make_config(big.url), download(dest))
    assert sha256(dest / "big.bin") == sha256(OLD)


@pytest.mark.fault("token renewed once through request-download; exact bytes")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_token_expires_between_attempts(mode: str, big: Cluster, dest: Path) -> None:
    """The download breaks off, and the resumed request's token has expired (401)."""
    big.get_faults += [
        serve(cut=300_000),
        lambda req, conn, c: conn.json(401, {"title": "expired"}) or True,
    ]
    run(mode, make_config(big.url), download(dest))
    assert sha256(dest / "big.bin") == sha256(OLD) and len(big.tokens) == 2


# -- the file changes between attempts ---------------------------------------------------------
@pytest.mark.fault(
    "the change is seen (ETag differs); downloaded again from 0: exactly the new version"
)
@pytest.mark.parametrize("mode", SDK_MODES)
def test_file_changes_and_if_range_is_ignored(mode: str, big: Cluster, dest: Path) -> None:
    """The download breaks off; the file is replaced; the server answers the Range anyway (206)."""
    big.honour_if_range = False
    big.get_faults += [serve(cut=800_000), change_file("big.bin", NEW)]
    run(mode, make_config(big.url), download(dest))
    assert sha256(dest / "big.bin") == sha256(NEW)
    assert ranges(big) == [None, "bytes=800000-", None]


@pytest.mark.fault("If-Range makes the server send the new version whole: exactly the new version")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_file_changes_and_if_range_is_honoured(mode: str, big: Cluster, dest: Path) -> None:
    """The download breaks off; the file is replaced; the server honours If-Range (200, all)."""
    big.get_faults += [serve(cut=800_000), change_file("big.bin", NEW)]
    run(mode, make_config(big.url), download(dest))
    assert sha256(dest / "big.bin") == sha256(NEW)


@pytest.mark.fault(
    "without ETag or Last-Modified, a different total size shows the change: new version"
)
@pytest.mark.parametrize("mode", SDK_MODES)
def test_file_changes_without_validators(mode: str, big: Cluster, dest: Path) -> None:
    """No validators at all; the file grows between attempts."""
    longer = NEW + b"more"
    big.get_faults += [
        serve(cut=800_000, validators=False),
        lambda req, conn, c: (
            change_file("big.bin", longer)(req, conn, c) or serve(validators=False)(req, conn, c)
        ),
        serve(validators=False),
    ]
    run(mode, make_config(big.url), download(dest))
    assert sha256(dest / "big.bin") == sha256(longer)


@pytest.mark.fault("TransferError 'kept changing'; nothing under the final name, no partial file")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_file_keeps_changing(
    mode: str, big: Cluster, dest: Path, fast_transfer_retries: None, cli_env: Callable[[str], None]
) -> None:
    """Every attempt breaks off, and the file changes before each next one."""
    cli_env(big.url)
    big.honour_if_range = False
    faults: list[Fault] = []
    for i in range(8):
        version = os.urandom(SIZE)

        def changed_and_cut(req, conn, c, version=version) -> bool:  # type: ignore[no-untyped-def]
            change_file("big.bin", version)(req, conn, c)
            return serve(cut=100_000)(req, conn, c)

        faults.append(changed_and_cut if i else serve(cut=100_000))
    big.get_faults += faults
    f = failure(mode, big.url, download(dest), cli_download(dest))
    assert "kept changing on the server" in f.message
    assert leftovers(dest) == []


# -- answers that are not trusted ---------------------------------------------------------------
@pytest.mark.fault("TransferError 'skipped bytes'; nothing under the final name")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_range_answer_starts_later(mode: str, big: Cluster, dest: Path) -> None:
    """The resumed answer's Content-Range starts 1000 bytes after what was asked."""
    big.get_faults += [serve(cut=300_000), serve(start_offset=1000)]
    f = failure(mode, big.url, download(dest))
    assert f.type == "TransferError" and "skipped bytes" in f.message
    assert leftovers(dest) == []


@pytest.mark.fault("TransferError 'range without Content-Range'; nothing under the final name")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_range_answer_without_content_range(mode: str, big: Cluster, dest: Path) -> None:
    """The resumed answer is 206 without a Content-Range."""
    big.get_faults += [serve(cut=300_000), serve(content_range=False)]
    f = failure(mode, big.url, download(dest))
    assert f.type == "TransferError" and "without Content-Range" in f.message
    assert leftovers(dest) == []


@pytest.mark.fault(
    "TransferError after 6 attempts, exit 1; nothing under the final name, no partial file"
)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_every_attempt_breaks_off(
    mode: str, big: Cluster, dest: Path, fast_transfer_retries: None, cli_env: Callable[[str], None]
) -> None:
    """Every answer breaks off after 1000 bytes."""
    cli_env(big.url)
    big.get_faults += [serve(cut=1000)] * 6
    f = failure(mode, big.url, download(dest), cli_download(dest))
    assert "failed after 6 attempts" in f.message
    assert leftovers(dest) == []


@pytest.mark.fault("TargetExistsError naming --overwrite, exit 1; the existing file is untouched")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_target_exists(mode: str, big: Cluster, dest: Path, cli_env: Callable[[str], None]) -> None:
    """The local file already exists and overwriting was not asked for."""
    cli_env(big.url)
    (dest / "big.bin").write_bytes(b"precious")
    f = failure(mode, big.url, download(dest), cli_download(dest))
    assert "already exists" in f.message and "--overwrite" in f.message
    assert (dest / "big.bin").read_bytes() == b"precious" and leftovers(dest) == ["big.bin"]


# -- archives ----------------------------------------------------------------------------------
@pytest.mark.fault("the missing zip end record shows the truncation; downloaded again: a valid zip")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_archive_truncated_without_length(mode: str, cluster: Cluster, dest: Path) -> None:
    """A folder archive (generated on the fly, no length) stops halfway."""
    cluster.put_file("dir/a.bin", os.urandom(300_000))
    cluster.put_file("dir/b.txt", b"hello")

    def cut_archive(req, conn, c) -> bool:  # type: ignore[no-untyped-def]
        from ._cluster import zip_of

        data = zip_of({"a.bin": c.files["dir/a.bin"], "b.txt": b"hello"})
        conn.head(200, {"Content-Type": "application/zip", "Connection": "close"})
        conn.send(data[: len(data) // 2])
        conn.close()
        return True

    cluster.get_faults.append(cut_archive)
    out = run(mode, make_config(cluster.url), download(dest, "dir", archive=True))
    with zipfile.ZipFile(out[0]) as zf:
        assert zf.read("a.bin") == cluster.files["dir/a.bin"] and zf.read("b.txt") == b"hello"


# -- remote directories ------------------------------------------------------------------------
def small_tree(cluster: Cluster, n: int = 12) -> dict[str, bytes]:
    files = {f"tree/d{i % 3}/f{i:02d}.bin": os.urandom(3000 + i) for i in range(n)}
    for rel, data in files.items():
        cluster.put_file(rel, data)
    return files


def archive_gets(cluster: Cluster) -> list[bool]:
    return [
        r.query.get("archive") == "true" for r in cluster.server.requests if r.path == "/download"
    ]


@pytest.mark.fault(
    "a directory of small files comes as one zip archive; exact bytes at their paths"
)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_directory_comes_down_as_one_archive(
    mode: str, cluster: Cluster, dest: Path, cli_env: Callable[[str], None]
) -> None:
    """A directory of 12 small files is asked for; its GET as a file is refused (400)."""
    files = small_tree(cluster)
    if mode == "cli":
        cli_env(cluster.url)
        result = invoke_cli(["vfolder", "download", VFOLDER, "tree", "--base-dir", str(dest)])
        assert result.exit_code == 0, result.output
    else:
        run(mode, make_config(cluster.url), download(dest, "tree"))
    assert leftovers(dest) == sorted(files)
    assert all(sha256(dest.joinpath(*rel.split("/"))) == sha256(d) for rel, d in files.items())
    assert archive_gets(cluster) == [False, True]  # the refused GET as a file, then the archive


@pytest.mark.fault(
    "every archive attempt is cut: falls back to file by file; exact bytes, no spool left"
)
@pytest.mark.parametrize("mode", SDK_MODES)
def test_directory_archive_cut_falls_back_to_file_by_file(
    mode: str, cluster: Cluster, dest: Path, fast_transfer_retries: None
) -> None:
    """Every archive of the directory breaks off after 504 bytes, without a length."""
    files = small_tree(cluster)

    def cut_archive(req, conn, c) -> bool:  # type: ignore[no-untyped-def]
        if req.query.get("archive") != "true":
            return False
        conn.head(200, {"Content-Type": "application/zip", "Connection": "close"})
        conn.send(b"PK\x03\x04" + os.urandom(500))
        conn.close()
        return True

    cluster.get_faults.extend([lambda req, conn, c: False] + [cut_archive] * 6)
    out = run(mode, make_config(cluster.url), download(dest, "tree"))
    assert len(out) == len(files)
    assert leftovers(dest) == sorted(files)  # no spooled archive, no partial file
    assert all(dest.joinpath(*rel.split("/")).read_bytes() == d for rel, d in files.items())
    gets = archive_gets(cluster)
    assert gets.count(True) == 6 and gets.count(False) == 1 + len(files)


@pytest.mark.fault("an archive member named ../x is refused: nothing written, nothing outside")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_directory_archive_escaping_the_destination_is_refused(
    mode: str, cluster: Cluster, dest: Path
) -> None:
    """The directory's archive holds a member named ../../evil.bin beside a good one."""
    small_tree(cluster)

    def evil_archive(req, conn, c) -> bool:  # type: ignore[no-untyped-def]
        if req.query.get("archive") != "true":
            return False
        from ._cluster import zip_of

        conn.respond(
            200,
            zip_of({"ok.bin": b"fine", "../../evil.bin": b"evil"}),
            {"Content-Type": "application/zip"},
        )
        return True

    cluster.get_faults.extend([lambda req, conn, c: False, evil_archive])
    with pytest.raises(UnsafeArchiveError, match="escapes the destination"):
        run(mode, make_config(cluster.url), download(dest, "tree"))
    assert leftovers(dest.parent) == []
