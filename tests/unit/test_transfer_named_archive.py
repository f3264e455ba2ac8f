"""Downloading many named files from a 26.09 server: the small ones come as one zip archive
(``request-download-archive``, then ``/download-archive``), each written to the local path it was
asked for; older servers, large files and a failed archive move file by file."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from ai_backend_client.exceptions import UnsafeArchiveError
from ai_backend_client.func._archive import extract_zip_to_targets
from ai_backend_client.transfer import (
    ARCHIVE_MAX_AVERAGE,
    ARCHIVE_MIN_FILES,
    PartialTransferError,
    TargetExistsError,
)
from tests.unit._fake_storage import FakeBackend, zip_of
from tests.unit.test_transfer import _no_backoff, async_session, sync_session
from tests.unit.test_transfer_tree import zip_bytes

__all__ = ["_no_backoff"]  # the fixture, applied here too

V9 = "v9.20250722"


def named_files(fake: FakeBackend, n: int = ARCHIVE_MIN_FILES + 4) -> dict[str, bytes]:
    files = {f"data/d{i % 2}/f{i:02d}.bin": os.urandom(500 + i) for i in range(n)}
    fake.files.update(files)
    return files


def paths(fake: FakeBackend, path: str) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path == path]


def archive_requests(fake: FakeBackend) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path.endswith("/request-download-archive")]


def test_many_named_files_come_down_as_one_archive(tmp_path: Path) -> None:
    fake = FakeBackend(api_version=V9)
    files = named_files(fake)
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(sorted(files), basedir=tmp_path)
    assert out == [tmp_path.joinpath(*rel.split("/")) for rel in sorted(files)]
    for rel, data in files.items():
        assert tmp_path.joinpath(*rel.split("/")).read_bytes() == data
    # one listing per directory, one archive session, one archive; no file on its own
    assert len(archive_requests(fake)) == 1
    assert len(paths(fake, "/download-archive")) == 1
    assert paths(fake, "/download") == []
    assert sorted(str(p) for p in tmp_path.rglob(".*")) == []  # the spool is gone


async def test_async_named_archive_matches_the_blocking_one(tmp_path: Path) -> None:
    fake = FakeBackend(api_version=V9)
    files = named_files(fake)
    async with async_session(fake) as s:
        out = await s.VFolder("vf").download(sorted(files), basedir=tmp_path)
    assert len(out) == len(files)
    assert all(tmp_path.joinpath(*rel.split("/")).read_bytes() == d for rel, d in files.items())
    assert len(paths(fake, "/download-archive")) == 1
    assert paths(fake, "/download") == []


def flat_dirs(fake: FakeBackend, dirs: int = 2, each: int = ARCHIVE_MIN_FILES + 1) -> list[str]:
    files = {
        f"flat/d{d}/f{i:02d}.bin": os.urandom(700 + i) for d in range(dirs) for i in range(each)
    }
    fake.files.update(files)
    return sorted(files)


def test_24_09_fetches_a_directory_whose_every_file_is_named_as_its_archive(
    tmp_path: Path,
) -> None:
    fake = FakeBackend()  # 24.09 zips only directories
    names = flat_dirs(fake)
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(names, basedir=tmp_path)
    assert out == [tmp_path.joinpath(*rel.split("/")) for rel in names]
    assert all(tmp_path.joinpath(*r.split("/")).read_bytes() == fake.files[r] for r in names)
    assert archive_requests(fake) == []
    gets = paths(fake, "/download")
    assert sorted(r.url.params["archive"] for r in gets) == ["true", "true"]  # one per directory
    assert sorted(str(p) for p in tmp_path.rglob(".*")) == []


def test_24_09_moves_a_partly_named_directory_file_by_file(tmp_path: Path) -> None:
    fake = FakeBackend()
    names = flat_dirs(fake, dirs=1)
    fake.files["flat/d0/not-asked.bin"] = b"x"  # the archive would bring a file not asked for
    fake.files["flat/d1/sub/g.bin"] = b"z"  # and this one a subdirectory
    more = [f"flat/d1/{n}.bin" for n in "abcdefghi"]
    fake.files.update({n: n.encode() for n in more})
    wanted = [*names, *more]
    with sync_session(fake) as s:
        s.VFolder("vf").download(wanted, basedir=tmp_path)
    assert all(tmp_path.joinpath(*r.split("/")).read_bytes() == fake.files[r] for r in wanted)
    assert not (tmp_path / "flat" / "d0" / "not-asked.bin").exists()
    assert not (tmp_path / "flat" / "d1" / "sub").exists()
    gets = paths(fake, "/download")
    assert len(gets) == len(wanted) and all("archive" not in r.url.params for r in gets)


def test_24_09_an_archive_with_a_file_not_asked_for_falls_back(tmp_path: Path) -> None:
    fake = FakeBackend()
    names = flat_dirs(fake, dirs=1)
    original = fake._storage

    def grows(request: httpx.Request, body: bytes, query: dict[str, str]) -> httpx.Response:
        if query.get("archive") == "true":  # a file appears after the listing
            fake.files["flat/d0/late.bin"] = b"late"
        return original(request, body, query)

    fake._storage = grows  # type: ignore[method-assign]
    with sync_session(fake) as s:
        s.VFolder("vf").download(names, basedir=tmp_path)
    assert all(tmp_path.joinpath(*r.split("/")).read_bytes() == fake.files[r] for r in names)
    assert not (tmp_path / "flat" / "d0" / "late.bin").exists()
    assert len(paths(fake, "/download")) == 1 + len(names)  # the archive, then file by file


def test_large_files_and_a_directory_move_their_own_way(tmp_path: Path) -> None:
    fake = FakeBackend(api_version=V9)
    files = named_files(fake)
    fake.files["big.bin"] = os.urandom(ARCHIVE_MAX_AVERAGE * (len(files) + 2))
    fake.files.update({"tree/a": b"A", "tree/b": b"B"})
    with sync_session(fake) as s:
        out = s.VFolder("vf").download([*sorted(files), "big.bin", "tree"], basedir=tmp_path)
    assert len(out) == len(files) + 1 + 2
    for rel in [*files, "big.bin", "tree/a", "tree/b"]:
        assert tmp_path.joinpath(*rel.split("/")).read_bytes() == fake.files[rel]
    # the archive would be too large with big.bin in it: every file comes on its own
    assert archive_requests(fake) == []


def test_an_existing_target_is_kept_and_named_the_others_written(tmp_path: Path) -> None:
    fake = FakeBackend(api_version=V9)
    files = named_files(fake)
    first = sorted(files)[0]
    kept = tmp_path.joinpath(*first.split("/"))
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"mine")
    with sync_session(fake) as s, pytest.raises(PartialTransferError) as err:
        s.VFolder("vf").download(sorted(files), basedir=tmp_path)
    assert kept.read_bytes() == b"mine"
    assert list(err.value.failed) == [first]
    assert isinstance(err.value.failed[first], TargetExistsError)
    assert sorted(err.value.completed) == sorted(files)[1:]
    for rel in sorted(files)[1:]:
        assert tmp_path.joinpath(*rel.split("/")).read_bytes() == files[rel]
    assert len(paths(fake, "/download-archive")) == 1


def test_a_broken_archive_falls_back_to_file_by_file(tmp_path: Path) -> None:
    fake = FakeBackend(api_version=V9)
    files = named_files(fake)
    fake.cut_archive = [200] * 10  # every archive attempt breaks off
    with sync_session(fake) as s:
        out = s.VFolder("vf").download(sorted(files), basedir=tmp_path)
    assert len(out) == len(files)
    assert all(tmp_path.joinpath(*rel.split("/")).read_bytes() == d for rel, d in files.items())
    assert len(paths(fake, "/download-archive")) == 6  # the default attempts
    assert len(paths(fake, "/download")) == len(files)
    assert sorted(str(p) for p in tmp_path.rglob(".*")) == []


def test_a_missing_file_fails_alone(tmp_path: Path) -> None:
    fake = FakeBackend(api_version=V9)
    files = named_files(fake)
    with sync_session(fake) as s, pytest.raises(PartialTransferError) as err:
        s.VFolder("vf").download([*sorted(files), "data/gone.bin"], basedir=tmp_path)
    assert list(err.value.failed) == ["data/gone.bin"]
    assert sorted(err.value.completed) == sorted(files)
    assert len(paths(fake, "/download-archive")) == 1  # the listing left it out of the archive


# -- extract_zip_to_targets --------------------------------------------------------------------
def test_each_member_goes_to_its_own_target(tmp_path: Path) -> None:
    archive = zip_bytes({"a/x.txt": b"x", "b/y.txt": b"y"})
    targets = {"a/x.txt": tmp_path / "one" / "x", "b/y.txt": tmp_path / "two.txt"}
    done, refused = extract_zip_to_targets(archive, targets, overwrite=False, max_size=100)
    assert (sorted(done), refused) == (["a/x.txt", "b/y.txt"], {})
    assert (tmp_path / "one" / "x").read_bytes() == b"x"
    assert (tmp_path / "two.txt").read_bytes() == b"y"


@pytest.mark.parametrize("extra", ["c/z.txt", "../a/x.txt", "a/"])
def test_a_member_not_asked_for_refuses_the_whole_archive(tmp_path: Path, extra: str) -> None:
    archive = zip_bytes({"a/x.txt": b"x", extra: b"evil"})
    targets = {"a/x.txt": tmp_path / "x", "b/y.txt": tmp_path / "y"}
    with pytest.raises(UnsafeArchiveError):
        extract_zip_to_targets(archive, targets, overwrite=False, max_size=100)
    assert list(tmp_path.iterdir()) == []


def test_more_bytes_than_expected_refuse_the_whole_archive(tmp_path: Path) -> None:
    archive = zip_bytes({"a": b"\0" * 10_000})
    with pytest.raises(UnsafeArchiveError, match="more than"):
        extract_zip_to_targets(archive, {"a": tmp_path / "a"}, overwrite=False, max_size=1000)
    assert not (tmp_path / "a").exists()


def test_24_09_lists_no_directory_that_could_not_come_whole(tmp_path: Path) -> None:
    fake = FakeBackend()
    names = [f"scattered/d{i:02d}/only.bin" for i in range(ARCHIVE_MIN_FILES + 2)]
    fake.files.update({n: n.encode() for n in names})
    with sync_session(fake) as s:
        s.VFolder("vf").download(names, basedir=tmp_path)
    assert all(tmp_path.joinpath(*n.split("/")).read_bytes() == n.encode() for n in names)
    assert [r for r in fake.requests if r.url.path.endswith("/files")] == []
    assert len(paths(fake, "/download")) == len(names)


def test_progress_counts_a_directory_archive_once(tmp_path: Path) -> None:
    fake = FakeBackend()
    names = flat_dirs(fake, dirs=1)
    seen: dict[str, int] = {}
    with sync_session(fake) as s:
        s.VFolder("vf").download(
            names, basedir=tmp_path, progress=lambda n, total, file: seen.__setitem__(file, n)
        )
    # one bar, the directory's archive, at the archive's size: counted once
    assert seen == {"flat/d0": len(zip_of({n: fake.files[n] for n in names}, "flat/d0"))}
