"""Version negotiation and session life cycle."""

from __future__ import annotations

import warnings
from typing import Any

import httpx
import pytest
import respx

from ai_backend_client import APIConfig, AsyncSession, Session
from ai_backend_client._generated import LATEST_VERSION, VERSIONS
from ai_backend_client.exceptions import (
    APIVersionWarning,
    BackendClientError,
    BackendConnectionError,
    MalformedResponseError,
)
from ai_backend_client.request import AttachedFile, Request
from ai_backend_client.versioning import (
    CLIENT_API_VERSION,
    SUPPORTED_API_VERSIONS,
    APIVersion,
    negotiate,
    parse_version,
)

EP = "http://127.0.0.1:8091"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def cfg(**kw: Any) -> APIConfig:
    kw.setdefault("endpoint", EP)
    kw.setdefault("access_key", "AKIAIOSFODNN7EXAMPLE")
    kw.setdefault("secret_key", SECRET)
    return APIConfig(**kw)


def test_version_parsing_and_ordering() -> None:
    assert parse_version("v6.20220315") == APIVersion(6, "20220315")
    assert parse_version("v10.20200101") > parse_version("v9.20991231"), "major compares as int"
    with pytest.raises(ValueError):
        parse_version("6.20220315")


def test_the_supported_versions_are_the_generated_ones() -> None:
    assert tuple(str(v) for v in SUPPORTED_API_VERSIONS) == VERSIONS
    assert str(CLIENT_API_VERSION) == LATEST_VERSION


@pytest.mark.parametrize(
    ("server", "chosen"),
    [
        ("v6.20220315", "v6.20220315"),  # 22.03
        ("v6.20220615", "v6.20220315"),  # 22.03.4 and later
        ("v7.20230615", "v6.20220315"),  # 23.09: between two generated versions, the older one
        ("v8.20240915", "v8.20240915"),  # 24.09
        ("v8.20250301", "v8.20240915"),  # a 25.x build between v8 and v9: the older one
        ("v9.20250722", "v9.20250722"),  # 25.12 and 26.09
    ],
)
def test_negotiation_picks_the_newest_generated_version_the_server_speaks(
    server: str, chosen: str
) -> None:
    outcome = negotiate(parse_version(server))
    assert str(outcome.version) == chosen
    assert outcome.warning is None


def test_a_server_newer_than_every_generated_version_gets_the_newest_with_a_warning() -> None:
    newest = SUPPORTED_API_VERSIONS[-1]
    outcome = negotiate(APIVersion(newest.major + 1, "20991231"))
    assert outcome.version == newest
    assert outcome.warning is not None and str(newest) in outcome.warning


def test_a_server_older_than_every_generated_version_gets_the_oldest_with_a_warning() -> None:
    outcome = negotiate(APIVersion(4, "20190615"))
    assert outcome.version == SUPPORTED_API_VERSIONS[0]
    assert outcome.warning is not None and "v4.20190615" in outcome.warning


def test_a_configured_older_version_caps_negotiation() -> None:
    assert str(negotiate(APIVersion(8, "20240915"), APIVersion(6, "20220315")).version) == (
        "v6.20220315"
    )


@respx.mock
def test_probe_is_unsigned_and_negotiates_v8() -> None:
    probe = respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
    with Session(config=cfg()) as s:
        assert s.negotiated_version == APIVersion(8, "20240915")
        assert str(s.api_version) == "v8.20240915"
        assert s.server_info["manager"] == "24.09.6"
        assert s.core.api_version == "v8.20240915"
    req = probe.calls.last.request
    assert "Authorization" not in req.headers and "Date" not in req.headers
    # a server refuses a version header newer than its own, even on GET /
    assert "X-BackendAI-Version" not in req.headers
    assert s.closed


@respx.mock
def test_older_server_negotiates_down_to_v6() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v6.20220315", "manager": "22.3.3"})
    route = respx.get(f"{EP}/auth/role").respond(json={"global_role": "user"})
    with Session(config=cfg()) as s:
        assert str(s.api_version) == "v6.20220315"
        with Request("GET", "/auth/role").fetch() as resp:
            assert resp.json() == {"global_role": "user"}
    assert route.calls.last.request.headers["X-BackendAI-Version"] == "v6.20220315"


@respx.mock
def test_newer_server_warns_and_uses_client_version() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v99.20990101", "manager": "99.1"})
    with pytest.warns(APIVersionWarning, match=rf"v99.20990101, .*{LATEST_VERSION}"):
        with Session(config=cfg()) as s:
            assert str(s.api_version) == LATEST_VERSION


@respx.mock
def test_ancient_server_warns_naming_both_versions() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v4.20190615", "manager": "19.09"})
    with pytest.warns(APIVersionWarning, match="v4.20190615.*v6.20220315"):
        with Session(config=cfg()):
            pass


@respx.mock
def test_probe_fails_over_to_the_next_endpoint() -> None:
    """The version probe fails over like every request: a down first endpoint does not make
    the client guess the version of the one that answers."""
    down = respx.get(f"{EP}/").mock(side_effect=httpx.ConnectError("refused"))
    up = respx.get("http://127.0.0.2:8091/").respond(
        json={"version": "v6.20220315", "manager": "22.3.3"}
    )
    config = cfg(endpoint=f"{EP},http://127.0.0.2:8091", shuffle_endpoints=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Session(config=config) as s:
            assert str(s.api_version) == "v6.20220315"
            assert s.server_info["manager"] == "22.3.3"
    assert down.called and up.called


@respx.mock
def test_no_endpoint_answering_the_probe_is_a_clear_error() -> None:
    respx.get(f"{EP}/").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(BackendConnectionError, match=r"tried: http://127\.0\.0\.1:8091"):
        with Session(config=cfg(), max_retries=0):
            pass


@respx.mock
def test_a_probe_answer_without_a_version_is_a_clear_error() -> None:
    respx.get(f"{EP}/").respond(json={"hello": "world"})
    with pytest.raises(MalformedResponseError, match="names no API version"):
        with Session(config=cfg()):
            pass


@respx.mock
def test_proxy_mode_skips_probe() -> None:
    probe = respx.get(f"{EP}/").respond(json={"version": "v8.20240915"})
    with Session(config=cfg(), proxy_mode=True) as s:
        assert s.proxy_mode
    assert not probe.called


@respx.mock
def test_session_mode_probe_uses_func_and_cookie_file(tmp_path: Any) -> None:
    from ai_backend_client._cookies import save_cookies

    jar = httpx.Cookies()
    jar.set("AIOHTTP_SESSION", "cookie-value", domain="127.0.0.1")
    save_cookies(jar)
    probe = respx.get(f"{EP}/func/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
    hosts = respx.get(f"{EP}/func/folders/_/hosts").respond(json={"allowed": ["local:volume1"]})
    with Session(config=cfg(endpoint_type="session")):
        assert probe.called
        with Request("GET", "/folders/_/hosts").fetch() as resp:
            assert resp.status == 200
    sent = hosts.calls.last.request
    assert "AIOHTTP_SESSION=cookie-value" in sent.headers["Cookie"]
    assert "Authorization" not in sent.headers


@respx.mock
def test_announcement_handler_called() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "m"})
    respx.get(f"{EP}/manager/announcement").respond(
        json={"enabled": True, "message": "maintenance"}
    )
    seen: list[str] = []
    with Session(config=cfg(announcement_handler=seen.append)):
        pass
    assert seen == ["maintenance"]


@respx.mock
def test_request_api_content_and_files() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "m"})
    echo = respx.post(f"{EP}/auth/test").respond(json={"authorized": "yes", "echo": "hi"})
    upload = respx.post(f"{EP}/session/s1/upload").respond(204)
    with Session(config=cfg()):
        rq = Request("POST", "/auth/test")
        rq.set_json({"echo": "hi"})
        with rq.fetch() as resp:
            assert resp.json()["echo"] == "hi"
            assert resp.content_type == "application/json"
        rq2 = Request("POST", "/session/s1/upload")
        rq2.attach_files([AttachedFile("dir/a.txt", b"data", "application/octet-stream")])
        with rq2.fetch() as resp:
            assert resp.status == 204
    assert echo.calls.last.request.content == b'{"echo": "hi"}'
    body = upload.calls.last.request.content
    assert b'name="src"; filename="dir/a.txt"' in body


def test_request_without_session_is_a_clear_error() -> None:
    with pytest.raises(BackendClientError, match="needs an open Session"):
        Request("GET", "/").fetch()


@respx.mock
async def test_async_session_and_request() -> None:
    respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "m"})
    respx.get(f"{EP}/auth/role").respond(json={"global_role": "superadmin"})
    async with AsyncSession(config=cfg()) as s:
        assert str(s.api_version) == "v8.20240915"
        async with Request("GET", "/auth/role").fetch() as resp:
            assert (await resp.json())["global_role"] == "superadmin"
    assert s.closed


def test_closed_session_cannot_reopen() -> None:
    s = Session(config=cfg(), proxy_mode=True)
    s.close()
    with pytest.raises(BackendClientError, match="closed"):
        s.open()
