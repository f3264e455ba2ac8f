"""``Model.upload``/``download`` (``model upload|download ... MODEL_VER``) and ``dst_dir``:
what reaches the manager and the storage proxy, per API version, and the local checks."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from click.testing import CliRunner

from ai_backend_client.cli.main import cli
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import BackendAPIVersionError
from ai_backend_client.session import Session
from ai_backend_client.transfer import RemotePathError, remote_dir

EP = "http://manager.test"
STORAGE = "http://storage.test"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    import ai_backend_client.func._sync._transfer as s

    monkeypatch.setattr(s, "retry_delay", lambda attempt: 0.0)
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIATEST")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "secret")


def session(version: str) -> Session:
    respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    return Session(
        config=APIConfig(endpoint=EP, access_key="AKIATEST", secret_key="s"), max_retries=0
    )


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}


def sessions_route(kind: str) -> respx.Route:
    return respx.post(f"{EP}/folders/llm/request-{kind}").respond(
        json={"token": "jwt-1", "url": f"{STORAGE}/{kind}"}
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, None), (".", None), ("", None), ("versions/1", "versions/1"), ("a//b/./c/", "a/b/c")],
)
def test_remote_dir_normalises(given: str | None, expected: str | None) -> None:
    assert remote_dir(given) == expected


@pytest.mark.parametrize("bad", ["/versions/1", "../x", "a/../b", "a/..", "a\x00b"])
def test_remote_dir_refuses_what_the_storage_proxy_would_not_check(bad: str) -> None:
    with pytest.raises(RemotePathError):
        remote_dir(bad)


@respx.mock
@pytest.mark.parametrize("version", ["v8.20240915", "v9.20250722"])
def test_model_upload_sends_the_version_as_dst_dir_and_resumes_with_it(
    version: str, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 40  # 10240 bytes: two chunks of 8 KiB
    (tmp_path / "weights.bin").write_bytes(data)
    upload = sessions_route("upload")
    stored = bytearray()

    def patch(request: httpx.Request) -> httpx.Response:
        if len(patch_route.calls) == 1:  # the second PATCH (calls are recorded after this)
            raise httpx.ReadError("connection reset")  # nothing of it kept: HEAD says 8192
        stored.extend(request.read())
        return httpx.Response(204, headers={"Upload-Offset": str(len(stored))})

    patch_route = respx.patch(f"{STORAGE}/upload").mock(side_effect=patch)
    head = respx.head(f"{STORAGE}/upload").mock(
        side_effect=lambda request: httpx.Response(200, headers={"Upload-Offset": str(len(stored))})
    )
    with session(version) as s:
        written = s.Model("llm").upload(["weights.bin"], "1", basedir=tmp_path, chunk_size=8192)
    assert written == ["versions/1/weights.bin"]
    assert bytes(stored) == data
    # the manager gets the path relative to the version directory, as the official client sends
    assert json.loads(upload.calls[0].request.content) == {"path": "weights.bin", "size": 10240}
    for call in [*patch_route.calls, *head.calls]:
        assert query(call.request) == {"token": "jwt-1", "dst_dir": "versions/1"}
    assert [c.request.headers["Upload-Offset"] for c in patch_route.calls] == ["0", "8192", "8192"]


@respx.mock
@pytest.mark.parametrize("version", ["v8.20240915", "v9.20250722"])
def test_model_download_reads_the_version_directory_into_basedir(
    version: str, tmp_path: Path
) -> None:
    download = sessions_route("download")
    get = respx.get(f"{STORAGE}/download").respond(
        200, content=b"vocab", headers={"Content-Length": "5"}
    )
    with session(version) as s:
        paths = s.Model("llm").download(["tok/vocab.txt"], "2", basedir=tmp_path, max_retries=0)
    assert paths == [tmp_path / "tok" / "vocab.txt"]
    assert paths[0].read_bytes() == b"vocab"
    assert json.loads(download.calls[0].request.content) == {"path": "tok/vocab.txt"}
    assert query(get.calls[0].request) == {"token": "jwt-1", "dst_dir": "versions/2"}
    assert list(tmp_path.rglob("*.bai-partial")) == []


@respx.mock
def test_a_folder_transfer_without_dst_dir_sends_none(tmp_path: Path) -> None:
    sessions_route("download")
    get = respx.get(f"{STORAGE}/download").respond(200, content=b"x")
    with session("v8.20240915") as s:
        s.VFolder("llm").download(["a"], basedir=tmp_path)
    assert query(get.calls[0].request) == {"token": "jwt-1"}


@respx.mock
@pytest.mark.parametrize("bad", ["", "..", "a/b", "."])
def test_a_bad_model_version_sends_nothing(bad: str, tmp_path: Path) -> None:
    (tmp_path / "w").write_bytes(b"w")
    upload = sessions_route("upload")
    with session("v9.20250722") as s, pytest.raises(RemotePathError, match="model version"):
        s.Model("llm").upload(["w"], bad, basedir=tmp_path)
    assert not upload.called


@respx.mock
def test_22_03_refuses_dst_dir_locally() -> None:
    upload = sessions_route("download")
    with (
        session("v6.20220315") as s,
        pytest.raises(
            BackendAPIVersionError, match=r"needs Backend\.AI 24\.09 \(API v8\.20240915\)"
        ),
    ):
        s.Model("llm").download(["a"], "1")
    assert not upload.called


@respx.mock
def test_cli_model_upload_and_download_with_the_official_arguments(tmp_path: Path) -> None:
    respx.get(f"{EP}/").respond(json={"version": "v9.20250722", "manager": "x"})
    (tmp_path / "a.txt").write_bytes(b"aaa")
    (tmp_path / "b.txt").write_bytes(b"bb")
    upload = respx.post(f"{EP}/folders/llm/request-upload")
    upload.side_effect = [
        httpx.Response(200, json={"token": "jwt-a", "url": f"{STORAGE}/upload"}),
        httpx.Response(403, json={"title": "Permission denied", "type": "x"}),
    ]
    respx.patch(f"{STORAGE}/upload").respond(204, headers={"Upload-Offset": "3"})
    args = ["model", "upload", "llm", "a.txt", "b.txt", "7", "-b", str(tmp_path)]
    args += ["--max-parallel", "1"]
    result = CliRunner().invoke(cli, ["--output", "json", *args])
    # one file failed: the others completed, and the summary says which is which
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert (out["ok"], out["files"], list(out["failed"])) == (False, ["a.txt"], ["b.txt"])
    sent = [json.loads(c.request.content)["path"] for c in upload.calls]
    assert sent == ["a.txt", "b.txt"]

    respx.post(f"{EP}/folders/llm/request-download").respond(
        json={"token": "jwt-d", "url": f"{STORAGE}/download"}
    )
    get = respx.get(f"{STORAGE}/download").mock(  # no Content-Length
        side_effect=lambda request: httpx.Response(200, stream=httpx.ByteStream(b"aaa"))
    )
    listing = respx.route(url__startswith=f"{EP}/folders/llm/files").respond(
        json={"items": [{"name": "a.txt", "type": "FILE", "size": 3, "mode": "644"}], "files": "[]"}
    )
    dst = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["model", "download", "llm", "a.txt", "7", "-b", str(dst), "--max-retries", "2"]
    )
    assert result.exit_code == 0, result.output
    assert (dst / "a.txt").read_bytes() == b"aaa"
    assert query(get.calls[0].request)["dst_dir"] == "versions/7"
    # no Content-Length: the size check reads the listing of the version's directory
    assert query(listing.calls[0].request)["path"] == "versions/7"
