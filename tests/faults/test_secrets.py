"""Secrets: the secret key, storage-proxy tokens, URL passwords and cookies stay out of sight.

Every case captures the log at DEBUG (the SDK's and httpx/httpcore's loggers included), the
reprs and the error text a user could paste into a bug report, and looks for the secrets.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ai_backend_client.exceptions import BackendError

from ._cluster import TOKEN_PREFIX, VFOLDER, Cluster, Upload, cut_patch_after, serve
from ._helpers import (
    ALL_MODES,
    SDK_MODES,
    SECRET_KEY,
    assert_no_secret,
    closed_port,
    invoke_cli,
    make_config,
    run,
)
from ._server import Conn, Request

PASSWORD = "pa55-w0rd-in-url"


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "ai_backend_client"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.fault(
    "BackendConnectionError, reprs and DEBUG log show user:***@host, never the password"
)
@pytest.mark.parametrize("mode", SDK_MODES)
def test_password_in_an_unreachable_endpoint_url(
    mode: str, debug_log: pytest.LogCaptureFixture
) -> None:
    """The endpoint URL carries a password, and nothing listens there."""
    endpoint = f"http://alice:{PASSWORD}@127.0.0.1:{closed_port()}"
    config = make_config(endpoint)
    seen: list[str] = [repr(config)]

    def call(s: object) -> object:
        seen.append(repr(s))
        return s.Manager.status()  # type: ignore[attr-defined]

    with pytest.raises(BackendError) as info:
        run(mode, config, call, max_retries=1)
    texts = [str(info.value), repr(info.value), *seen, debug_log.text]
    for text in texts:
        assert PASSWORD not in text, text[:300]
    assert "alice:***@127.0.0.1" in str(info.value)


@pytest.mark.fault("httpx's request lines at INFO/DEBUG show user:***@host")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_password_in_a_live_endpoint_url(
    mode: str, cluster: Cluster, debug_log: pytest.LogCaptureFixture
) -> None:
    """The endpoint URL carries a password; the server answers normally."""
    endpoint = cluster.url.replace("http://", f"http://alice:{PASSWORD}@")
    cluster.put_file("a.txt", b"hello")
    run(mode, make_config(endpoint), lambda s: s.VFolder(VFOLDER).list_files("."))
    assert "HTTP Request" in debug_log.text and "alice:***@" in debug_log.text
    assert PASSWORD not in debug_log.text


@pytest.mark.fault("no token, secret key or prefix of it in any log line (DEBUG, all loggers)")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_transfer_logs_hold_no_secret(
    mode: str, cluster: Cluster, tmp_path: Path, debug_log: pytest.LogCaptureFixture
) -> None:
    """An upload and a download that both break off once and resume (so every path logs)."""
    src = tmp_path / "data.bin"
    src.write_bytes(b"x" * 300_000)
    cluster.patch_faults.append(cut_patch_after(100_000))
    cluster.get_faults.append(serve(cut=50_000))

    def both(s: object) -> object:
        vf = s.VFolder(VFOLDER)  # type: ignore[attr-defined]
        if mode == "sync":
            vf.upload([src], basedir=tmp_path)
            return vf.download(["data.bin"], basedir=tmp_path / "out")

        async def go() -> object:
            await vf.upload([src], basedir=tmp_path)
            return await vf.download(["data.bin"], basedir=tmp_path / "out")

        return go()

    run(mode, make_config(cluster.url), both)
    assert (tmp_path / "out" / "data.bin").read_bytes() == src.read_bytes()
    assert "token=***" in debug_log.text and "resuming" in debug_log.text
    assert_no_secret(debug_log.text)


_GENERATED_STORAGE_CALL = r"""
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout)
from ai_backend_client import Session
from ai_backend_client.config import APIConfig
with Session(config=APIConfig(endpoint=sys.argv[1], access_key="AK", secret_key="sk")) as s:
    s.wire.storage.tus_check_session(base_url=sys.argv[1], token=sys.argv[2])
loaded = [m for m in sys.modules if m.endswith("._transfer")]
print("TRANSFER-MODULES:", loaded)
"""


@pytest.mark.fault(
    "the JWT is masked in httpx's INFO line although no transfer module was imported"
)
def test_token_of_a_generated_storage_call(cluster: Cluster, tmp_path: Path) -> None:
    """A storage-proxy call made through the generated client, in a fresh process."""
    token = f"{TOKEN_PREFIX}.from-generated-client"
    cluster.uploads[token] = Upload("f", 10)
    out = subprocess.run(
        [sys.executable, "-c", _GENERATED_STORAGE_CALL, cluster.url, token],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # not the checkout: the installed package is under test
        check=True,
    )
    assert "TRANSFER-MODULES: []" in out.stdout
    assert "HTTP Request: HEAD" in out.stdout and "token=***" in out.stdout
    assert TOKEN_PREFIX not in out.stdout + out.stderr


@pytest.mark.fault("the cookie value is masked in httpcore's DEBUG header lines")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_session_cookie_in_response_headers(
    mode: str, cluster: Cluster, debug_log: pytest.LogCaptureFixture
) -> None:
    """An answer sets a session cookie (as the webserver's login does)."""
    cookie = "AIOHTTP_SESSION=c0ffee-session-secret"

    def status(req: Request, conn: Conn) -> None:
        conn.json(
            200,
            {"nodes": [], "status": "running", "active_sessions": 0},
            {"Set-Cookie": f"{cookie}; Path=/; HttpOnly"},
        )

    cluster.route("GET", "/manager/status", status)
    run(mode, make_config(cluster.url), lambda s: s.Manager.status())
    assert "receive_response_headers.complete" in debug_log.text
    assert "c0ffee-session-secret" not in debug_log.text


@pytest.mark.fault("repr shows token='***'")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_transfer_session_repr(mode: str, cluster: Cluster) -> None:
    """A user prints the ticket of VFolder.request_download (it holds a JWT)."""
    cluster.put_file("a.txt", b"hello")
    ticket = run(
        mode, make_config(cluster.url), lambda s: s.VFolder(VFOLDER).request_download("a.txt")
    )
    assert ticket.token.startswith(TOKEN_PREFIX)  # the value is there for those who ask
    assert_no_secret(repr(ticket), str(ticket))
    assert "token='***'" in repr(ticket)


@pytest.mark.fault("the error names the URL with token=***")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_storage_error_text(
    mode: str, cluster: Cluster, tmp_path: Path, cli_env: Callable[[str], None]
) -> None:
    """The storage proxy refuses a download with 500 (the URL carries the token)."""
    cluster.put_file("a.txt", b"hello")
    cluster.get_faults += [
        lambda req, conn, c: conn.json(500, {"title": "disk on fire"}) or True
    ] * 3
    cli_env(cluster.url)
    if mode == "cli":
        result = invoke_cli(["vfolder", "download", VFOLDER, "a.txt", "--base-dir", str(tmp_path)])
        assert result.exit_code == 1 and "disk on fire" in result.stderr
        assert_no_secret(result.stderr, result.stdout)
        return
    with pytest.raises(BackendError) as info:
        run(
            mode,
            make_config(cluster.url),
            lambda s: s.VFolder(VFOLDER).download(["a.txt"], basedir=tmp_path),
        )
    assert "token=***" in str(info.value) and "disk on fire" in str(info.value)
    assert_no_secret(str(info.value), repr(info.value))


@pytest.mark.fault("repr and backend.ai config (console and JSON) show ******** and user:***@host")
@pytest.mark.parametrize("output", ["console", "json"])
def test_configuration_display(
    output: str, cluster: Cluster, cli_env: Callable[[str], None]
) -> None:
    """A user shows the configuration (to a colleague, in a bug report)."""
    endpoint = cluster.url.replace("http://", f"http://alice:{PASSWORD}@")
    cli_env(endpoint)
    result = invoke_cli(["--output", output, "config"])
    assert result.exit_code == 0, result.output
    for text in (result.stdout, result.stderr, repr(make_config(endpoint))):
        assert_no_secret(text)
        assert PASSWORD not in text
    if output == "json":
        data = json.loads(result.stdout)["items"][0]
        assert data["secret_key"] == "********" and data["endpoint"].startswith("http://alice:***@")
    else:
        assert "********" in result.stdout and SECRET_KEY[:6] not in result.stdout
