"""ComputeSession uploads and downloads beyond the server's per-request limits (20 files up, 5
down) go as several requests, at most ``max_parallel`` at once; a failed request fails only its
own files, and the error lists them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from ai_backend_client import AsyncSession, Session
from ai_backend_client.func._checks import LocalArgumentError
from ai_backend_client.transfer import PartialTransferError
from tests.unit.test_compute_session import EP, _multipart, _parts, _tar, cfg


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as r:
        r.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
        yield r


@pytest.fixture
def session(router: respx.MockRouter) -> Iterator[Session]:
    with Session(config=cfg()) as s:
        yield s


def _files(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        path = tmp_path / f"f{i:03}.txt"
        path.write_bytes(f"file {i}\n".encode())
        paths.append(path)
    return paths


class _Concurrency:
    """Counts requests in flight (answers take a moment, so overlapping is observable)."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self.lock = threading.Lock()

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


@pytest.mark.parametrize("max_parallel", [1, 2, 8])
def test_upload_of_45_files_sends_20_20_5(
    router: respx.MockRouter, session: Session, tmp_path: Path, max_parallel: int
) -> None:
    paths = _files(tmp_path, 45)
    flight = _Concurrency()
    sent: list[list[str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        with flight:
            sent.append([name for _, name, _ in _parts(request)])
        return httpx.Response(204)

    router.post(f"{EP}/session/mysess/upload").mock(side_effect=answer)
    seen: list[tuple[int, int]] = []
    session.ComputeSession("mysess").upload(
        paths,
        basedir=tmp_path,
        max_parallel=max_parallel,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert sorted(len(names) for names in sent) == [5, 20, 20]
    assert sorted(n for names in sent for n in names) == [p.name for p in paths]
    total = sum(p.stat().st_size for p in paths)
    assert max(seen) == (total, total)
    assert flight.peak == min(max_parallel, 3)


def test_a_failed_upload_request_fails_only_its_files(
    router: respx.MockRouter, session: Session, tmp_path: Path
) -> None:
    paths = _files(tmp_path, 45)

    def answer(request: httpx.Request) -> httpx.Response:
        names = [name for _, name, _ in _parts(request)]
        if "f020.txt" in names:  # the second request
            problem = {"type": "https://api.backend.ai/probs/invalid-api-params", "title": "no"}
            return httpx.Response(400, json=problem)
        return httpx.Response(204)

    router.post(f"{EP}/session/mysess/upload").mock(side_effect=answer)
    with pytest.raises(PartialTransferError) as caught:
        session.ComputeSession("mysess").upload(paths, basedir=tmp_path, max_parallel=1)
    error = caught.value
    assert sorted(error.failed) == [f"f{i:03}.txt" for i in range(20, 40)]
    assert sorted(error.completed) == [p.name for p in paths[:20] + paths[40:]]
    assert error.skipped == []
    assert "20 of 45 files failed" in str(error)


def test_one_request_raises_its_own_error(
    router: respx.MockRouter, session: Session, tmp_path: Path
) -> None:
    problem = {"type": "https://api.backend.ai/probs/invalid-api-params", "title": "Too large"}
    router.post(f"{EP}/session/mysess/upload").respond(400, json=problem)
    with pytest.raises(Exception) as caught:
        session.ComputeSession("mysess").upload(_files(tmp_path, 3), basedir=tmp_path)
    assert not isinstance(caught.value, PartialTransferError)
    assert "Too large" in str(caught.value)


def test_download_of_12_files_asks_5_5_2_and_extracts_all(
    router: respx.MockRouter, session: Session, tmp_path: Path
) -> None:
    asked: list[list[str]] = []
    flight = _Concurrency()

    def answer(request: httpx.Request) -> httpx.Response:
        files: list[str] = json.loads(request.content)["files"]
        with flight:
            asked.append(files)
        content, ctype = _multipart(*(_tar((f, f.encode(), "file")) for f in files))
        return httpx.Response(200, content=content, headers={"Content-Type": ctype})

    router.post(f"{EP}/session/mysess/download").mock(side_effect=answer)
    names = [f"d{i:02}.txt" for i in range(12)]
    received: list[int] = []
    result = session.ComputeSession("mysess").download(
        names, dest=tmp_path, max_parallel=3, progress=received.append
    )
    assert sorted(len(files) for files in asked) == [2, 5, 5]
    assert result.file_names == names  # in the order asked, whatever order answers came in
    assert all((tmp_path / n).read_bytes() == n.encode() for n in names)
    assert flight.peak == 3
    assert received and max(received) > 0


async def test_async_download_in_batches(router: respx.MockRouter, tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        files: list[str] = json.loads(request.content)["files"]
        content, ctype = _multipart(*(_tar((f, b"x", "file")) for f in files))
        return httpx.Response(200, content=content, headers={"Content-Type": ctype})

    router.post(f"{EP}/session/mysess/download").mock(side_effect=answer)
    names = [f"a{i}" for i in range(7)]
    async with AsyncSession(config=cfg()) as s:
        result = await s.ComputeSession("mysess").download(names, dest=tmp_path)
    assert result.file_names == names and all((tmp_path / n).exists() for n in names)


@pytest.mark.parametrize(
    ("files", "match"),
    [
        ([f"x{i}" for i in range(5)] + ["x0"], "given twice"),
        (["dir", "a", "b", "c", "d", "dir/inner.txt"], "lies inside 'dir'"),
        ([f"x{i}" for i in range(1001)], "at most 1000"),
    ],
)
def test_downloads_needing_several_requests_must_not_overlap(
    router: respx.MockRouter, session: Session, tmp_path: Path, files: list[str], match: str
) -> None:
    route = router.post(f"{EP}/session/mysess/download").respond(500)
    with pytest.raises(LocalArgumentError, match=match):
        session.ComputeSession("mysess").download(files, dest=tmp_path)
    assert not route.called


def test_a_b_and_a_slash_x_do_not_overlap_but_a_and_a_slash_x_do(
    router: respx.MockRouter, session: Session, tmp_path: Path
) -> None:
    from ai_backend_client.func._checks import check_download_files

    fine = ["a", "a-b", "a.c", "b", "c", "a-bc/x"]
    assert check_download_files(fine) == fine
    with pytest.raises(LocalArgumentError, match="lies inside 'a'"):
        check_download_files(["a-b", "a.c", "b", "c", "d", "a/x", "a"])
