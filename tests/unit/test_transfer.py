"""The transfer engine: planning, path safety, address map, partial files, tus resume, ranged resume."""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from ai_backend_client.config import APIConfig
from ai_backend_client.session import AsyncSession, Session
from ai_backend_client.transfer import (
    LocalPathError,
    PartialFile,
    RemotePathError,
    TargetExistsError,
    TransferError,
    local_target,
    plan_uploads,
    remote_path,
    rewrite_storage_url,
    split_url,
)
from tests.unit._fake_storage import MANAGER, STORAGE, FakeBackend


def cfg(**kw: Any) -> APIConfig:
    kw.setdefault("endpoint", MANAGER)
    return APIConfig(access_key="AKIATEST", secret_key="secret", **kw)


def sync_session(fake: FakeBackend, **kw: Any) -> Session:
    return Session(
        config=cfg(**kw),
        http_client=httpx.Client(transport=httpx.MockTransport(fake.sync_handler)),
        max_retries=0,
    )


def async_session(fake: FakeBackend, **kw: Any) -> AsyncSession:
    return AsyncSession(
        config=cfg(**kw),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(fake.async_handler)),
        max_retries=0,
    )


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    import ai_backend_client.func._async._transfer as a
    import ai_backend_client.func._sync._transfer as s

    monkeypatch.setattr(a, "retry_delay", lambda attempt: 0.0)
    monkeypatch.setattr(s, "retry_delay", lambda attempt: 0.0)


def make_tree(root: Path) -> dict[str, bytes]:
    files = {
        "data/big.bin": os.urandom(300_000),
        "data/sub/a.txt": b"hello\n",
        "data/empty": b"",
    }
    for rel, data in files.items():
        p = root.joinpath(*rel.split("/"))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return files


# -- pure helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("a/b.txt", "a/b.txt"),
        ("/a//b/./c", "a/b/c"),
        (".", "."),
        ("", "."),
        ("a/../b", "b"),
        ("/", "."),
    ],
)
def test_remote_path_normalises(given: str, expected: str) -> None:
    assert remote_path(given) == expected


@pytest.mark.parametrize("bad", ["../x", "a/../../x", "..", "/../etc/passwd", "a/\x00"])
def test_remote_path_refuses_escape(bad: str) -> None:
    with pytest.raises(RemotePathError):
        remote_path(bad)


def test_plan_uploads_recurses_with_posix_remote_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    items = plan_uploads(["data"])
    assert [(i.remote, i.size) for i in items] == [
        ("data/big.bin", 300_000),
        ("data/empty", 0),
        ("data/sub/a.txt", 6),
    ]
    # basedir: remote paths are relative to it; a source given relative to basedir works too
    items = plan_uploads([tmp_path / "data" / "sub"], basedir=tmp_path / "data")
    assert [i.remote for i in items] == ["sub/a.txt"]
    assert [i.remote for i in plan_uploads(["sub/a.txt"], basedir=tmp_path / "data")] == [
        "sub/a.txt"
    ]


def test_plan_uploads_rejects_missing_and_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path / "data")
    with pytest.raises(LocalPathError, match="no such file"):
        plan_uploads(["nope.txt"])
    with pytest.raises(LocalPathError, match="outside the base directory"):
        plan_uploads([tmp_path / "data" / "big.bin"], basedir=tmp_path / "data" / "sub")
    with pytest.raises(LocalPathError, match="base directory"):
        plan_uploads(["big.bin"], basedir=tmp_path / "missing")


def test_local_target_stays_inside_basedir(tmp_path: Path) -> None:
    assert local_target("a/b.txt", tmp_path) == tmp_path / "a" / "b.txt"
    with pytest.raises(RemotePathError):
        local_target("../b.txt", tmp_path)
    with pytest.raises(RemotePathError):
        local_target(".", tmp_path)


def test_split_url() -> None:
    assert split_url("http://h:6021/upload") == ("http://h:6021", "/upload")
    assert split_url("https://h/sp/v1/download") == ("https://h/sp/v1", "/download")
    with pytest.raises(TransferError):
        split_url("ftp://h/x")


def test_address_map_rules() -> None:
    url = "http://10.0.0.5:6021/upload"
    assert rewrite_storage_url(url, {}) == url
    assert (
        rewrite_storage_url(url, {url: "http://127.0.0.1:9/upload"}) == "http://127.0.0.1:9/upload"
    )
    assert (
        rewrite_storage_url(url, {"http://10.0.0.5:6021": "https://sp.example"})
        == "https://sp.example/upload"
    )
    assert (
        rewrite_storage_url(url, {"10.0.0.5:6021": "127.0.0.1:7000"})
        == "http://127.0.0.1:7000/upload"
    )
    assert rewrite_storage_url(url, {"10.0.0.5": "proxy"}) == "http://proxy:6021/upload"
    with pytest.raises(TransferError, match="no url matches"):
        rewrite_storage_url(url, {"http://other:6021": "http://x"})


def test_partial_file_commit_checks_size_and_never_clobbers(tmp_path: Path) -> None:
    target = tmp_path / "d" / "f.bin"
    p = PartialFile(target)
    p.write(b"abc")
    with pytest.raises(TransferError, match="incomplete"):
        p.commit(4)
    assert not target.exists() and list((tmp_path / "d").iterdir()) == []
    p = PartialFile(target)
    p.write(b"abcd")
    p.commit(4)
    assert target.read_bytes() == b"abcd"
    with pytest.raises(TargetExistsError):
        PartialFile(target)
    p = PartialFile(target, overwrite=True)
    p.write(b"new")
    p.commit(None)
    assert target.read_bytes() == b"new"
    # the target appearing during the transfer is not replaced either
    other = tmp_path / "g.bin"
    p = PartialFile(other)
    other.write_bytes(b"theirs")
    p.write(b"mine")
    with pytest.raises(TargetExistsError):
        p.commit(4)
    assert other.read_bytes() == b"theirs"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["d", "g.bin"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_partial_file_permission_error_is_clear(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(LocalPathError, match="cannot write"):
            PartialFile(ro / "x")
    finally:
        ro.chmod(0o700)


# -- upload ------------------------------------------------------------------------------------
def test_upload_every_file_in_chunks_without_signature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    fake = FakeBackend()
    seen: list[tuple[int, int | None, str]] = []
    with sync_session(fake) as s:
        written = s.VFolder("vf").upload(
            ["data"], chunk_size=64 * 1024, progress=lambda d, t, f: seen.append((d, t, f))
        )
    assert written == sorted(files)
    assert fake.files == files
    storage = [r for r in fake.requests if str(r.url).startswith(STORAGE)]
    assert storage and all(
        "Authorization" not in r.headers and "X-BackendAI-Version" not in r.headers for r in storage
    )
    assert max(fake.patch_sizes) == 64 * 1024  # bounded chunks
    # Files move concurrently: each file's own reports end complete, whatever the interleaving.
    last = {f: (d, t) for d, t, f in seen}
    assert last == {name: (len(data), len(data)) for name, data in files.items()}
    assert (300_000, 300_000, "data/big.bin") in seen


async def test_upload_resumes_from_head_offset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(200_000)
    (tmp_path / "f.bin").write_bytes(data)
    monkeypatch.chdir(tmp_path)
    fake = FakeBackend()
    fake.cut_patch = [10_000, 0]  # the first PATCH breaks after 10 kB, the next before any byte
    async with async_session(fake) as s:
        await s.VFolder("vf").upload(["f.bin"], chunk_size=128 * 1024)
    assert fake.files["f.bin"] == data
    heads = [r for r in fake.requests if r.method == "HEAD"]
    patches = [r for r in fake.requests if r.method == "PATCH"]
    assert len(heads) == 2
    # resumed at the offset the storage proxy reported, not from zero
    assert [r.headers["Upload-Offset"] for r in patches] == ["0", "10000", "10000", "141072"]


def test_upload_gives_up_after_max_attempts_without_leaking_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f.bin").write_bytes(b"x" * 1000)
    monkeypatch.chdir(tmp_path)
    fake = FakeBackend()
    fake.cut_patch = [0] * 20
    with sync_session(fake) as s, pytest.raises(TransferError, match="after 6 attempts") as info:
        s.VFolder("vf").upload(["f.bin"])
    assert "jwt-secret" not in str(info.value)


def test_upload_missing_file_sends_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.txt").write_text("x")
    fake = FakeBackend()
    with sync_session(fake) as s, pytest.raises(LocalPathError):
        s.VFolder("vf").upload(["ok.txt", "missing.txt"])
    assert not any("request-upload" in r.url.path for r in fake.requests)


def test_upload_through_address_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "f.txt").write_text("hi")
    monkeypatch.chdir(tmp_path)
    fake = FakeBackend(storage_url="http://internal-sp:6021")
    monkeypatch.setenv("BACKEND_OVERRIDE_STORAGE_PROXY", "internal-sp:6021=storage.test:6021")
    with sync_session(fake) as s:
        s.VFolder("vf").upload(["f.txt"])
    assert fake.files == {"f.txt": b"hi"}
    assert any(str(r.url).startswith(STORAGE + "/upload") for r in fake.requests)


# -- download ----------------------------------------------------------------------------------
def test_download_resumes_with_range_and_renames_when_complete(tmp_path: Path) -> None:
    data = os.urandom(150_000)
    fake = FakeBackend()
    fake.files["d/f.bin"] = data
    fake.cut_get = [50_000, 20_000]
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(["d/f.bin"], basedir=tmp_path)
    assert out == [tmp_path / "d" / "f.bin"]
    assert hashlib.sha256(out[0].read_bytes()).digest() == hashlib.sha256(data).digest()
    ranges = [r.headers.get("Range") for r in fake.requests if r.url.path == "/download"]
    assert ranges == [None, "bytes=50000-", "bytes=70000-"]
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["f.bin"]


async def test_async_download_restarts_when_range_is_ignored(tmp_path: Path) -> None:
    data = os.urandom(90_000)
    fake = FakeBackend()
    fake.files["f.bin"] = data
    fake.cut_get = [30_000]
    fake.ignore_range = True
    seen: list[int] = []
    async with async_session(fake) as s:
        await s.VFolder("vf").download(
            ["f.bin"], basedir=tmp_path, progress=lambda d, t, f: seen.append(d)
        )
    assert (tmp_path / "f.bin").read_bytes() == data
    assert 0 in seen[1:]  # progress went back to zero when the server resent everything


def test_failed_download_leaves_nothing(tmp_path: Path) -> None:
    fake = FakeBackend()
    fake.files["f.bin"] = b"z" * 10_000
    fake.cut_get = [100] * 10
    with sync_session(fake) as s, pytest.raises(TransferError, match="after 6 attempts"):
        s.VFolder("vf").download(["f.bin"], basedir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_does_not_overwrite_unless_asked(tmp_path: Path) -> None:
    fake = FakeBackend()
    fake.files["f.bin"] = b"new"
    (tmp_path / "f.bin").write_bytes(b"old")
    with sync_session(fake) as s:
        with pytest.raises(TargetExistsError):
            s.VFolder("vf").download(["f.bin"], basedir=tmp_path)
        assert (tmp_path / "f.bin").read_bytes() == b"old"
        assert not any("request-download" in r.url.path for r in fake.requests)
        s.VFolder("vf").download(["f.bin"], basedir=tmp_path, overwrite=True)
    assert (tmp_path / "f.bin").read_bytes() == b"new"


def test_download_missing_remote_and_escape(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeBackend()
    caplog.set_level(logging.DEBUG)
    with sync_session(fake) as s:
        with pytest.raises(Exception, match="File not found"):
            s.VFolder("vf").download(["nope.bin"], basedir=tmp_path)
        with pytest.raises(RemotePathError):
            s.VFolder("vf").download(["../../etc/passwd"], basedir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_directory_download_as_archive(tmp_path: Path) -> None:
    fake = FakeBackend()
    fake.files["d/a"] = b"A"
    fake.files["d/b"] = b"B"
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(["d"], basedir=tmp_path, archive=True)
    assert out == [tmp_path / "d.zip"]
    with zipfile.ZipFile(out[0]) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == {"a": b"A", "b": b"B"}


def test_a_path_given_twice_downloads_once(tmp_path: Path) -> None:
    fake = FakeBackend()
    fake.files["f.bin"] = b"once"
    fake.files["g.bin"] = b"g"
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(["f.bin", "g.bin", "./f.bin"], basedir=tmp_path)
    assert out == [tmp_path / "f.bin", tmp_path / "g.bin"]
    assert (tmp_path / "f.bin").read_bytes() == b"once"
    assert len([r for r in fake.requests if r.url.path == "/download"]) == 2


def test_two_paths_for_one_local_file_are_refused_before_any_request(tmp_path: Path) -> None:
    fake = FakeBackend()
    fake.files["a/d/x"] = b"1"
    fake.files["b/d/y"] = b"2"
    with sync_session(fake) as s:
        with pytest.raises(LocalPathError, match=r"'a/d' and 'b/d' would both .*d\.zip"):
            s.VFolder("vf").download(["a/d", "b/d"], basedir=tmp_path, archive=True)
    assert [r.url.path for r in fake.requests] == ["/"]  # the version probe alone
    assert list(tmp_path.iterdir()) == []


def test_tokens_never_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    (tmp_path / "f.bin").write_bytes(b"q" * 5000)
    monkeypatch.chdir(tmp_path)
    fake = FakeBackend()
    fake.files["g.bin"] = b"w" * 5000
    fake.cut_patch = [100]
    fake.cut_get = [100]
    with sync_session(fake) as s:
        s.VFolder("vf").upload(["f.bin"])
        s.VFolder("vf").download(["g.bin"], basedir=tmp_path)
    assert "jwt-secret" not in caplog.text
    assert "token=***" in caplog.text


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_during_download_is_one_clear_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel's real ENOSPC (writes to /dev/full) stands in for a full disk."""
    from ai_backend_client import transfer

    real_init = transfer.PartialFile.__init__

    def init_on_full_disk(self: transfer.PartialFile, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        self.file.close()
        self.file = open("/dev/full", "wb", buffering=0)  # noqa: SIM115 - closed by discard()

    monkeypatch.setattr(transfer.PartialFile, "__init__", init_on_full_disk)
    fake = FakeBackend()
    fake.files["big.bin"] = os.urandom(100_000)
    with sync_session(fake) as s:
        with pytest.raises(LocalPathError, match="No space left on device"):
            s.VFolder("vf").download(["big.bin"], basedir=tmp_path)
    assert list(tmp_path.iterdir()) == [], "no partial file, no temporary file"
