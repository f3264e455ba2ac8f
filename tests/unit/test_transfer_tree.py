"""Downloading a remote directory: its tree comes down as one zip archive when it holds many small
files, file by file otherwise, and file by file again when the archive fails."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import httpx
import pytest

from ai_backend_client.exceptions import UnsafeArchiveError
from ai_backend_client.func._archive import extract_zip_safely
from ai_backend_client.transfer import (
    ARCHIVE_MAX_AVERAGE,
    ARCHIVE_MIN_FILES,
    PartialTransferError,
    TargetExistsError,
)
from tests.unit._fake_storage import FakeBackend
from tests.unit.test_transfer import _no_backoff, async_session, sync_session

__all__ = ["_no_backoff"]  # the fixture, applied here too


def small_tree(fake: FakeBackend, n: int = ARCHIVE_MIN_FILES + 4) -> dict[str, bytes]:
    files = {f"data/d{i % 3}/f{i:02d}.bin": os.urandom(1000 + i) for i in range(n)}
    fake.files.update(files)
    return files


def storage_gets(fake: FakeBackend) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path == "/download"]


def test_a_directory_of_small_files_comes_down_as_one_archive(tmp_path: Path) -> None:
    fake = FakeBackend()
    files = small_tree(fake)
    fake.dirs.add("data/empty")
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(["data"], basedir=tmp_path)
    assert sorted(out) == sorted(tmp_path.joinpath(*rel.split("/")) for rel in files)
    for rel, data in files.items():
        assert tmp_path.joinpath(*rel.split("/")).read_bytes() == data
    assert (tmp_path / "data" / "empty").is_dir()
    gets = storage_gets(fake)
    # the refused GET of the directory as a file, then the one archive
    assert [r.url.params.get("archive") for r in gets] == [None, "true"]
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.startswith(".")]
    assert leftovers == []  # the spooled archive is gone


async def test_async_directory_download_matches_the_blocking_one(tmp_path: Path) -> None:
    fake = FakeBackend()
    files = small_tree(fake)
    async with async_session(fake) as s:
        out = await s.VFolder("vf").download(["data"], basedir=tmp_path)
    assert len(out) == len(files)
    assert all(tmp_path.joinpath(*rel.split("/")).read_bytes() == d for rel, d in files.items())


def test_a_directory_of_large_files_moves_file_by_file(tmp_path: Path) -> None:
    fake = FakeBackend()
    files = {f"big/f{i}.bin": os.urandom(ARCHIVE_MAX_AVERAGE + 1) for i in range(ARCHIVE_MIN_FILES)}
    fake.files.update(files)
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(["big"], basedir=tmp_path, max_parallel=3)
    assert len(out) == len(files)
    assert all(tmp_path.joinpath(*rel.split("/")).read_bytes() == d for rel, d in files.items())
    assert all(r.url.params.get("archive") is None for r in storage_gets(fake))


def test_a_few_files_move_one_by_one(tmp_path: Path) -> None:
    fake = FakeBackend()
    fake.files.update({"few/a": b"A", "few/sub/b": b"B"})
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(["few"], basedir=tmp_path)
    assert sorted(out) == [tmp_path / "few" / "a", tmp_path / "few" / "sub" / "b"]
    assert (tmp_path / "few" / "sub" / "b").read_bytes() == b"B"


def test_a_broken_archive_falls_back_to_file_by_file(tmp_path: Path) -> None:
    fake = FakeBackend()
    files = small_tree(fake)
    fake.cut_archive = [100] * 10  # every archive attempt breaks off
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(["data"], basedir=tmp_path)
    assert len(out) == len(files)
    assert all(tmp_path.joinpath(*rel.split("/")).read_bytes() == d for rel, d in files.items())
    archived = [r for r in storage_gets(fake) if r.url.params.get("archive") == "true"]
    assert len(archived) == 6  # the archive's own attempts, then one GET per file
    assert len(storage_gets(fake)) == 1 + 6 + len(files)


def test_files_and_a_directory_together(tmp_path: Path) -> None:
    fake = FakeBackend()
    files = small_tree(fake)
    fake.files["top.txt"] = b"top"
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(["top.txt", "data"], basedir=tmp_path)
    assert out[0] == tmp_path / "top.txt"
    assert len(out) == 1 + len(files)
    assert (tmp_path / "top.txt").read_bytes() == b"top"


def test_existing_files_are_kept_and_listed_the_others_written(tmp_path: Path) -> None:
    fake = FakeBackend()
    files = small_tree(fake)
    first = sorted(files)[0]
    kept = tmp_path.joinpath(*first.split("/"))
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"mine")
    with sync_session(fake) as s, pytest.raises(PartialTransferError) as err:
        s.VFolder("vf").download(["data"], basedir=tmp_path)
    assert kept.read_bytes() == b"mine"
    assert list(err.value.failed) == [first]  # named in the folder
    assert isinstance(err.value.failed[first], TargetExistsError)
    assert len(err.value.completed) == len(files) - 1
    for rel in sorted(files)[1:]:
        assert tmp_path.joinpath(*rel.split("/")).read_bytes() == files[rel]


# -- extract_zip_safely ------------------------------------------------------------------------
def zip_bytes(members: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    out.seek(0)
    return out


@pytest.mark.parametrize("bad", ["../evil", "/etc/evil", "a/../../evil", "a\\b", "C:/evil"])
def test_unsafe_member_names_refuse_the_whole_archive(tmp_path: Path, bad: str) -> None:
    archive = zip_bytes({"ok.txt": b"fine", bad: b"evil"})
    with pytest.raises(UnsafeArchiveError):
        extract_zip_safely(
            archive, tmp_path / "out", overwrite=False, max_size=2**20, max_members=9
        )
    assert not (tmp_path / "out" / "ok.txt").exists()


def test_a_symlink_in_the_destination_cannot_redirect_a_write(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeArchiveError, match="leads outside"):
        extract_zip_safely(
            zip_bytes({"link/x": b"x"}), dest, overwrite=True, max_size=2**20, max_members=9
        )
    assert list(outside.iterdir()) == []


def test_more_than_announced_is_refused_before_writing(tmp_path: Path) -> None:
    archive = zip_bytes({"a": b"\0" * 100_000})
    with pytest.raises(UnsafeArchiveError, match="extracts to"):
        extract_zip_safely(archive, tmp_path, overwrite=False, max_size=1000, max_members=9)
    with pytest.raises(UnsafeArchiveError, match="members"):
        extract_zip_safely(
            zip_bytes({str(i): b"" for i in range(5)}),
            tmp_path,
            overwrite=False,
            max_size=1000,
            max_members=4,
        )
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_member_is_an_error_and_not_left_under_its_name(tmp_path: Path) -> None:
    raw = zip_bytes({"a.bin": b"payload" * 1000}).getvalue()
    data = bytearray(raw)
    # the stored CRC-32 of the local header (offset 14) no longer matches the data
    data[14] ^= 0xFF
    info_crc = raw.rfind(b"PK\x01\x02") + 16  # and the central directory's copy
    data[info_crc] ^= 0xFF
    with pytest.raises(Exception, match="corrupt"):
        extract_zip_safely(
            io.BytesIO(bytes(data)), tmp_path, overwrite=False, max_size=2**20, max_members=9
        )
    assert not (tmp_path / "a.bin").exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_the_whole_folder_comes_down_into_the_base_directory(tmp_path: Path) -> None:
    fake = FakeBackend()
    files = small_tree(fake)
    fake.files["top.txt"] = b"top"
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(["."], basedir=tmp_path)
    assert sorted(out) == sorted(tmp_path.joinpath(*rel.split("/")) for rel in [*files, "top.txt"])
    assert (tmp_path / "top.txt").read_bytes() == b"top"
    assert all(tmp_path.joinpath(*rel.split("/")).read_bytes() == d for rel, d in files.items())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "top.txt"]  # no spool left
    assert [r.url.params.get("archive") for r in storage_gets(fake)] == ["true"]  # one archive
