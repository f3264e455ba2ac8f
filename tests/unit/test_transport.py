"""The hand-written transport: error mapping, parsing, retries, failover, session-mode URLs."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pydantic
import pytest
import respx

from ai_backend_client._base_client import (
    AsyncAPIClient,
    MalformedResponseError,
    RetryPolicy,
    SyncAPIClient,
    redact_url,
)
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import (
    AuthenticationError,
    BackendAPIError,
    BackendConnectionError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
)

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EP = "http://127.0.0.1:8091"


def make_config(**kw: Any) -> APIConfig:
    kw.setdefault("endpoint", EP)
    kw.setdefault("access_key", "AKIAIOSFODNN7EXAMPLE")
    kw.setdefault("secret_key", SECRET)
    return APIConfig(shuffle_endpoints=False, **kw)


def fast_retry(n: int = 2) -> RetryPolicy:
    return RetryPolicy(max_retries=n, initial_delay=0.0, max_delay=0.0)


class Hello(pydantic.BaseModel):
    version: str
    manager: str


@respx.mock
def test_signed_request_headers_and_parsing() -> None:
    route = respx.get(f"{EP}/").respond(json={"version": "v8.20240915", "manager": "24.09.6"})
    client = SyncAPIClient(make_config(), api_version="v8.20240915")
    hello = client.request("GET", "/", cast_to=Hello)
    assert hello.manager == "24.09.6"
    sent = route.calls.last.request
    assert sent.headers["X-BackendAI-Version"] == "v8.20240915"
    assert sent.headers["X-BackendAI-Domain"] == "default"
    assert sent.headers["Content-Type"] == "text/plain"
    assert sent.headers["Authorization"].startswith(
        "BackendAI signMethod=HMAC-SHA256, credential=AKIAIOSFODNN7EXAMPLE:"
    )
    assert SECRET not in str(sent.headers)


@respx.mock
def test_json_body_get_and_not_given_query_dropped() -> None:
    route = respx.get(f"{EP}/folders").respond(json=[])
    client = SyncAPIClient(make_config())
    from ai_backend_client._types import NOT_GIVEN

    client.request(
        "GET",
        "/folders",
        cast_to=list[dict[str, Any]],
        json={"all": False},
        params={"a": NOT_GIVEN, "b": True},
    )
    sent = route.calls.last.request
    assert sent.content == b'{"all": false}'
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.url.query == b"b=true"


@respx.mock
def test_cast_to_response_gives_the_whole_answer_read() -> None:
    """``cast_to=httpx.Response`` is the answer with its body (read within the size limit)."""
    import gzip

    respx.get(f"{EP}/raw").respond(
        201,
        content=gzip.compress(b'{"a": 1}'),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json", "X-A": "b"},
    )
    client = SyncAPIClient(make_config(), retry=fast_retry(0))
    response = client.request("GET", "/raw", cast_to=httpx.Response)
    assert response.status_code == 201 and response.headers["X-A"] == "b"
    assert response.json() == {"a": 1} and response.request.url == f"{EP}/raw"


@respx.mock
@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (404, NotFoundError),
        (503, ServiceUnavailableError),
        (418, BackendAPIError),
    ],
)
def test_problem_json_becomes_typed_error(status: int, cls: type[BackendAPIError]) -> None:
    problem = {
        "type": "https://api.backend.ai/probs/object-not-found",
        "title": "No such session.",
        "msg": "gone",
    }
    respx.get(f"{EP}/session/abc").respond(status, json=problem)
    client = SyncAPIClient(make_config(), retry=fast_retry(0))
    with pytest.raises(cls) as info:
        client.request("GET", "/session/abc", cast_to=dict[str, Any])
    err = info.value
    assert type(err) is cls
    assert err.status == status and err.data == problem and err.slug == "object-not-found"
    text = str(err)
    assert "GET" in text and f"{EP}/session/abc" in text and str(status) in text
    assert "No such session." in text and "gone" in text


@respx.mock
def test_non_json_error_body_is_kept() -> None:
    respx.get(f"{EP}/x").respond(502, text="<html>bad gateway</html>")
    client = SyncAPIClient(make_config(), retry=fast_retry(0))
    with pytest.raises(BackendAPIError) as info:
        client.request("GET", "/x", cast_to=dict[str, Any])
    assert info.value.data["content"] == "<html>bad gateway</html>"
    assert info.value.status == 502


@respx.mock
def test_success_with_non_json_or_wrong_shape_is_a_client_error() -> None:
    respx.get(f"{EP}/a").respond(200, text="not json")
    respx.get(f"{EP}/b").respond(200, json={"version": 1})
    client = SyncAPIClient(make_config())
    with pytest.raises(MalformedResponseError, match="expected a JSON body"):
        client.request("GET", "/a", cast_to=Hello)
    with pytest.raises(MalformedResponseError, match="does not match Hello"):
        client.request("GET", "/b", cast_to=Hello)


@respx.mock
def test_get_retries_on_503_then_succeeds_honouring_retry_after() -> None:
    route = respx.get(f"{EP}/").mock(
        side_effect=[
            httpx.Response(
                503, headers={"Retry-After": "0"}, json={"type": "x/service-unavailable"}
            ),
            httpx.Response(502),
            httpx.Response(200, json={"version": "v8.20240915", "manager": "m"}),
        ]
    )
    client = SyncAPIClient(make_config(), retry=fast_retry(2))
    assert client.request("GET", "/", cast_to=Hello).manager == "m"
    assert route.call_count == 3
    dates = {c.request.headers["Date"] for c in route.calls}
    assert len(route.calls) == 3 and all(dates), "every attempt is signed afresh"


@respx.mock
def test_post_is_not_retried_on_5xx() -> None:
    route = respx.post(f"{EP}/session").respond(500, json={"type": "x/internal-server-error"})
    client = SyncAPIClient(make_config(), retry=fast_retry(3))
    with pytest.raises(BackendAPIError):
        client.request("POST", "/session", cast_to=dict[str, Any], json={})
    assert route.call_count == 1


@respx.mock
def test_post_marked_idempotent_is_retried() -> None:
    route = respx.put(f"{EP}/manager/status").mock(
        side_effect=[httpx.Response(503), httpx.Response(204)]
    )
    client = SyncAPIClient(make_config(), retry=fast_retry(2))
    client.request("PUT", "/manager/status", cast_to=type(None), json={}, idempotent=True)
    assert route.call_count == 2


@respx.mock
def test_429_retried_then_raised() -> None:
    route = respx.get(f"{EP}/").respond(429, json={"type": "x/rate-limit-exceeded"})
    client = SyncAPIClient(make_config(), retry=fast_retry(2))
    with pytest.raises(RateLimitError):
        client.request("GET", "/", cast_to=Hello)
    assert route.call_count == 3


@respx.mock
def test_server_frozen_is_not_retried() -> None:
    route = respx.get(f"{EP}/").respond(
        503, json={"type": "https://api.backend.ai/probs/server-frozen"}
    )
    client = SyncAPIClient(make_config(), retry=fast_retry(2))
    with pytest.raises(ServiceUnavailableError):
        client.request("GET", "/", cast_to=Hello)
    assert route.call_count == 1


@respx.mock
def test_failover_to_next_endpoint_resigns_for_its_host() -> None:
    down = respx.post("http://10.255.0.1:8091/").mock(side_effect=httpx.ConnectError("refused"))
    up = respx.post("http://127.0.0.2:8091/").respond(
        json={"version": "v8.20240915", "manager": "m"}
    )
    config = make_config(endpoint="http://10.255.0.1:8091,http://127.0.0.2:8091")
    client = SyncAPIClient(config, retry=fast_retry(0))
    client.request("POST", "/", cast_to=Hello)  # even non-idempotent: nothing reached the server
    assert down.call_count == 1 and up.call_count == 1
    assert config.endpoint == "http://127.0.0.2:8091", "the working endpoint stays active"
    assert up.calls.last.request.headers["Host"] == "127.0.0.2:8091"


@respx.mock
def test_all_endpoints_down_is_a_connection_error() -> None:
    respx.get(url__startswith="http://").mock(side_effect=httpx.ConnectError("refused"))
    client = SyncAPIClient(make_config(endpoint="http://a:1,http://b:2"), retry=fast_retry(1))
    with pytest.raises(BackendConnectionError, match="Request to the API endpoint has failed"):
        client.request("GET", "/", cast_to=Hello)


@respx.mock
def test_read_error_on_post_is_not_retried() -> None:
    route = respx.post(f"{EP}/session").mock(side_effect=httpx.ReadError("reset"))
    client = SyncAPIClient(make_config(), retry=fast_retry(3))
    with pytest.raises(BackendConnectionError):
        client.request("POST", "/session", cast_to=dict[str, Any], json={})
    assert route.call_count == 1


@respx.mock
def test_session_mode_prefixes_func_and_does_not_sign() -> None:
    route = respx.get(f"{EP}/func/folders/_/hosts").respond(json={"allowed": []})
    login = respx.post(f"{EP}/server/login").respond(json={"authenticated": True})
    client = SyncAPIClient(make_config(endpoint_type="session"))
    client.request("GET", "/folders/_/hosts", cast_to=dict[str, Any])
    client.request(
        "POST",
        "/server/login",
        cast_to=dict[str, Any],
        json={"username": "u", "password": "p"},
        authenticated=False,
    )
    assert "Authorization" not in route.calls.last.request.headers
    assert route.calls.last.request.headers["X-BackendAI-Version"]
    assert login.called


@respx.mock
def test_storage_proxy_calls_carry_no_backendai_headers() -> None:
    route = respx.patch("http://127.0.0.1:6021/upload").respond(204)
    client = SyncAPIClient(make_config())
    client.request(
        "PATCH",
        "/upload",
        cast_to=type(None),
        base_url="http://127.0.0.1:6021",
        params={"token": "jwt-secret"},
        content=b"abc",
        authenticated=False,
    )
    sent = route.calls.last.request
    assert "Authorization" not in sent.headers and "X-BackendAI-Version" not in sent.headers


def test_redact_url_masks_tokens() -> None:
    assert "jwt" not in redact_url("http://h/download?token=jwt&archive=true")
    assert "archive=true" in redact_url("http://h/download?token=jwt&archive=true")


@respx.mock
def test_storage_error_does_not_leak_token() -> None:
    respx.get("http://127.0.0.1:6021/download").respond(
        404, json={"type": "x/storage/file-not-found"}
    )
    client = SyncAPIClient(make_config(), retry=fast_retry(0))
    with pytest.raises(NotFoundError) as info:
        client.request(
            "GET",
            "/download",
            cast_to=bytes,
            base_url="http://127.0.0.1:6021",
            params={"token": "jwt-secret"},
            authenticated=False,
        )
    assert "jwt-secret" not in str(info.value)


@respx.mock
def test_stream_yields_open_response() -> None:
    respx.get(f"{EP}/session/_/logs").respond(200, content=b"line1\nline2\n")
    client = SyncAPIClient(make_config())
    with client.stream("GET", "/session/_/logs", params={"taskId": "x"}) as resp:
        assert b"".join(resp.iter_bytes()) == b"line1\nline2\n"


@respx.mock
async def test_async_client_same_behaviour() -> None:
    route = respx.get(f"{EP}/").mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, json={"version": "v8.20240915", "manager": "m"}),
        ]
    )
    client = AsyncAPIClient(make_config(), retry=fast_retry(2))
    try:
        assert (await client.request("GET", "/", cast_to=Hello)).manager == "m"
        assert route.call_count == 2
        respx.post(f"{EP}/session").respond(
            400,
            json={
                "type": "https://api.backend.ai/probs/invalid-api-params",
                "title": "Missing or invalid API parameters.",
                "data": {"image": "required"},
            },
        )
        with pytest.raises(BackendAPIError, match="image: required"):
            await client.request("POST", "/session", cast_to=dict[str, Any], json={})
        respx.get(f"{EP}/logs").respond(200, content=b"abc")
        async with client.stream("GET", "/logs") as resp:
            assert await resp.aread() == b"abc"
    finally:
        await client.close()


def test_default_timeouts_are_finite() -> None:
    client = SyncAPIClient(make_config())
    t = client.http.timeout
    assert t.connect == 10.0 and t.read is not None and t.read > 0


@respx.mock
def test_secret_key_never_logged_even_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    respx.get(f"{EP}/auth/role").respond(
        401, json={"type": "x/auth-failed", "title": "Signature mismatch"}
    )
    client = SyncAPIClient(make_config(), retry=fast_retry(0))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthenticationError) as info:
            client.request("GET", "/auth/role", cast_to=dict[str, Any])
    assert caplog.records, "the request was logged"
    assert SECRET not in caplog.text
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert SECRET not in repr(client.config) and SECRET not in repr(client.auth)


def test_redact_url_masks_a_user_info_password() -> None:
    assert (
        redact_url("http://alice:pw@h:80/x?token=t&a=1") == "http://alice:***@h:80/x?token=***&a=1"
    )
    assert redact_url("http://alice@h/x") == "http://alice@h/x"
    assert redact_url("http://h/x?a=1&b=2") == "http://h/x?a=1&b=2"


# -- API calls go to the transport, with what httpx.Client.send would have done ---------------
@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for scheme in ("http", "https", "all"):
        for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
            monkeypatch.delenv(name, raising=False)


@respx.mock
@pytest.mark.usefixtures("no_proxy")
def test_calls_skip_the_client_layer_but_keep_its_cookies_and_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    respx.get(f"{EP}/a").respond(
        json={"version": "1", "manager": "m"}, headers={"Set-Cookie": "lb=node2; Path=/"}
    )
    second = respx.get(f"{EP}/b").respond(json={"version": "1", "manager": "m"})
    client = SyncAPIClient(make_config(), retry=fast_retry(0))
    assert client._direct is not None
    sent: list[httpx.Request] = []
    client.http.event_hooks["request"].append(sent.append)  # client hooks are skipped
    with caplog.at_level(logging.INFO, logger="httpx"):
        client.request("GET", "/a", cast_to=Hello)
        client.request("GET", "/b", cast_to=Hello)
    assert second.calls.last.request.headers["Cookie"] == "lb=node2"
    assert client.http.cookies["lb"] == "node2"
    assert not sent
    assert [r.getMessage() for r in caplog.records if r.name == "httpx"] == [
        f'HTTP Request: GET {EP}/a "HTTP/1.1 200 OK"',
        f'HTTP Request: GET {EP}/b "HTTP/1.1 200 OK"',
    ]
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.request("GET", "/b", cast_to=Hello)


@pytest.mark.usefixtures("no_proxy")
async def test_async_calls_skip_the_client_layer_but_keep_its_cookies() -> None:
    with respx.mock:
        respx.get(f"{EP}/a").respond(
            json={"version": "1", "manager": "m"}, headers={"Set-Cookie": "lb=n1"}
        )
        second = respx.get(f"{EP}/b").respond(json={"version": "1", "manager": "m"})
        client = AsyncAPIClient(make_config(), retry=fast_retry(0))
        assert client._direct is not None
        await client.request("GET", "/a", cast_to=Hello)
        await client.request("GET", "/b", cast_to=Hello)
        assert second.calls.last.request.headers["Cookie"] == "lb=n1"
        await client.close()
        with pytest.raises(RuntimeError, match="closed"):
            await client.request("GET", "/b", cast_to=Hello)


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_proxy_in_the_environment_sends_through_the_client(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:3128")
    assert SyncAPIClient(make_config())._direct is None
    assert AsyncAPIClient(make_config())._direct is None


@respx.mock
def test_a_given_http_client_is_used_as_it_is() -> None:
    respx.get(f"{EP}/a").respond(json={"version": "1", "manager": "m"})
    sent: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [sent.append]}) as http:
        client = SyncAPIClient(make_config(), http_client=http)
        assert client._direct is None
        client.request("GET", "/a", cast_to=Hello)
    assert [str(r.url) for r in sent] == [f"{EP}/a"]
