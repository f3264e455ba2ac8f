"""Uploads (session.VFolder(...).upload / backend.ai vfolder upload) over tus.

A broken or refused PATCH resumes after a HEAD; every offset the storage proxy answers is
checked; a local file that changes meanwhile is an error and the remote file is never completed.
The check is the one a user makes: the sha256 of what the folder holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ._cluster import (
    VFOLDER,
    Cluster,
    cut_patch_after,
    forget_uploads,
    head_offset,
    patch_answers,
    patch_claims,
    patch_keeps,
    patch_stalls,
)
from ._helpers import ALL_MODES, SDK_MODES, assert_no_secret, failure, make_config, run, sha256

SIZE = 3 * 2**20 + 12345
CHUNK = 2**20


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "model.bin"
    path.parent.mkdir()
    path.write_bytes(os.urandom(SIZE))
    return path


def upload(source: Path, **kw: object) -> Callable[[object], object]:
    return lambda s: s.VFolder(VFOLDER).upload(  # type: ignore[attr-defined]
        [source], basedir=source.parent, chunk_size=CHUNK, **kw
    )


def cli_upload(source: Path) -> list[str]:
    return [
        "vfolder", "upload", VFOLDER, str(source), "--base-dir", str(source.parent),
        "--chunk-size", str(CHUNK),
    ]  # fmt: skip


def assert_uploaded(cluster: Cluster, source: Path) -> None:
    assert sha256(cluster.files["model.bin"]) == sha256(source)


def assert_not_completed(cluster: Cluster) -> None:
    assert "model.bin" not in cluster.files


# -- interruptions that resume ----------------------------------------------------------------
@pytest.mark.fault("resumes from the HEAD offset; the folder holds the exact bytes (sha256)")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_connection_reset_during_a_patch(mode: str, cluster: Cluster, source: Path) -> None:
    """The storage proxy keeps 300 KB of the second PATCH, then the connection resets."""
    cluster.patch_faults += [lambda req, conn, c: False, cut_patch_after(300_000)]
    run(mode, make_config(cluster.url), upload(source))
    assert_uploaded(cluster, source)
    assert cluster.server.paths("HEAD") == ["/upload"]


@pytest.mark.fault("a 5xx PATCH resumes after a HEAD like a dropped connection")
@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize("mode", SDK_MODES)
def test_server_error_on_a_patch(mode: str, status: int, cluster: Cluster, source: Path) -> None:
    """A PATCH is answered 5xx (the storage proxy restarts, a gateway times out)."""
    cluster.patch_faults += [lambda req, conn, c: False, patch_answers(status)]
    run(mode, make_config(cluster.url), upload(source))
    assert_uploaded(cluster, source)


@pytest.mark.fault("asks HEAD and sends the rest; exact bytes")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_patch_kept_only_partly(mode: str, cluster: Cluster, source: Path) -> None:
    """The storage proxy keeps (and confirms) only 1000 bytes of a PATCH."""
    cluster.patch_faults.append(patch_keeps(1000))
    run(mode, make_config(cluster.url), upload(source))
    assert_uploaded(cluster, source)


@pytest.mark.fault("asks HEAD for the offset and goes on; exact bytes")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_patch_answer_without_offset(mode: str, cluster: Cluster, source: Path) -> None:
    """The PATCH answer carries no Upload-Offset."""
    cluster.patch_faults.append(patch_claims(0, header=False))
    run(mode, make_config(cluster.url), upload(source))
    assert_uploaded(cluster, source)


@pytest.mark.fault("the read timeout ends the PATCH; HEAD and resume; exact bytes")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_patch_answer_never_comes(
    mode: str, cluster: Cluster, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The storage proxy keeps 200 KB of a PATCH and never answers."""
    # 2 s, not less: the manager's own answers share this timeout on a loaded CI machine.
    monkeypatch.setenv("BACKEND_READ_TIMEOUT", "2")
    cluster.patch_faults.append(patch_stalls(200_000))
    run(mode, make_config(cluster.url), upload(source))
    assert_uploaded(cluster, source)


@pytest.mark.fault("a new upload session is requested and the file sent again; exact bytes")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_upload_session_expired(mode: str, cluster: Cluster, source: Path) -> None:
    """After a reset PATCH, the HEAD finds the upload session gone (404)."""
    cluster.patch_faults.append(cut_patch_after(10_000))
    cluster.head_faults.append(forget_uploads())
    run(mode, make_config(cluster.url), upload(source))
    assert_uploaded(cluster, source)
    assert len(cluster.tokens) == 2


# -- answers that are not trusted ---------------------------------------------------------------
@pytest.mark.fault(
    "TransferError 'not trusted: the storage proxy claims N bytes, but only M were sent'"
)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_patch_claims_more_than_was_sent(
    mode: str, cluster: Cluster, source: Path, cli_env: Callable[[str], None]
) -> None:
    """The PATCH answer claims 1000 bytes more than the client sent (data would be skipped)."""
    cli_env(cluster.url)
    cluster.patch_faults.append(patch_claims(1000))
    f = failure(mode, cluster.url, upload(source), cli_upload(source))
    assert f"claims {CHUNK + 1000} bytes, but only {CHUNK} were sent" in f.message
    assert_not_completed(cluster)
    assert_no_secret(f.message)
    if mode != "cli":
        assert f.type == "TransferError"


@pytest.mark.fault("TransferError 'invalid upload offset' / 'past the end of the file', one line")
@pytest.mark.parametrize("offset", ["abc", "-100", "99999999999", "1e6", ""])
@pytest.mark.parametrize("mode", SDK_MODES)
def test_head_answers_a_bad_offset(mode: str, offset: str, cluster: Cluster, source: Path) -> None:
    """After a reset PATCH, the HEAD answers an offset that is not a number within the file."""
    cluster.patch_faults.append(cut_patch_after(10_000))
    cluster.head_faults.append(head_offset(offset))
    f = failure(mode, cluster.url, upload(source))
    assert f.type == "TransferError"
    assert "invalid upload offset" in f.message or "past the end of the file" in f.message
    assert_not_completed(cluster)


@pytest.mark.fault("TransferError from the CLI too: exit 1, one line")
def test_head_answers_a_bad_offset_cli(
    cluster: Cluster, source: Path, cli_env: Callable[[str], None]
) -> None:
    """After a reset PATCH, the HEAD answers Upload-Offset: abc (backend.ai vfolder upload)."""
    cli_env(cluster.url)
    cluster.patch_faults.append(cut_patch_after(10_000))
    cluster.head_faults.append(head_offset("abc"))
    f = failure("cli", cluster.url, upload(source), cli_upload(source))
    assert f.exit_code == 1 and "invalid upload offset" in f.message


# -- the local file changes -------------------------------------------------------------------
def _while_uploading(
    source: Path, change: Callable[[Path], None]
) -> Callable[[int, int | None, str], None]:
    done = [False]

    def progress(sent: int, total: int | None, file: str) -> None:
        if sent > CHUNK + 1 and not done[0]:  # within the second PATCH
            done[0] = True
            change(source)

    return progress


def _grow(path: Path) -> None:
    with path.open("ab") as f:
        f.write(b"appended meanwhile")


def _rewrite(path: Path) -> None:
    with path.open("r+b") as f:
        f.seek(10)
        f.write(b"CHANGED")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _shrink(path: Path) -> None:
    os.truncate(path, CHUNK + 10)


@pytest.mark.fault("SourceChangedError naming the file; the remote file is never completed")
@pytest.mark.parametrize(
    "change", [_grow, _rewrite, _shrink], ids=["grows", "rewritten", "shrinks"]
)
@pytest.mark.parametrize("mode", SDK_MODES)
def test_local_file_changes_during_upload(
    mode: str, change: Callable[[Path], None], cluster: Cluster, source: Path
) -> None:
    """The local file grows, is rewritten in place, or shrinks while it is being uploaded."""
    f = failure(mode, cluster.url, upload(source, progress=_while_uploading(source, change)))
    assert f.type in ("SourceChangedError", "LocalPathError")
    assert str(source) in f.message and ("changed" in f.message or "shrank" in f.message)
    assert_not_completed(cluster)
