"""Known-answer tests: every vector of the 22.03 signing reference is reproduced."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import pytest

from ai_backend_client._types import NOT_GIVEN
from ai_backend_client.auth import (
    STREAM_EXTENSION,
    BackendAIAuth,
    authorization_header,
    generate_signature,
    string_to_sign,
)
from tests.conftest import SHARED

VECTORS = json.loads((SHARED / "reference" / "signing-vectors-22.03.json").read_text())
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DATE = datetime.fromisoformat("2022-03-15T12:34:56.789012+00:00")


@pytest.mark.parametrize(
    "vector",
    VECTORS["direct"],
    ids=lambda v: f"{v['inputs']['method']} {v['inputs']['rel_url']} {v['inputs']['hash_type']}",
)
def test_direct_vectors(vector: dict) -> None:
    inp = vector["inputs"]
    host = httpx.URL(inp["endpoint"]).netloc.decode()
    assert (
        string_to_sign(
            method=inp["method"],
            rel_url=inp["rel_url"],
            date=inp["date"],
            host=host,
            content_type=inp["content_type"],
            version=inp["version"],
            hash_type=inp["hash_type"],
        )
        == vector["sign_str"]
    )
    sig = generate_signature(
        method=inp["method"],
        version=inp["version"],
        host=host,
        date=datetime.fromisoformat(inp["date"]),
        rel_url=inp["rel_url"],
        content_type=inp["content_type"],
        secret_key=inp["secret_key"],
        hash_type=inp["hash_type"],
    )
    assert sig == vector["signature"]
    assert authorization_header(inp["access_key"], sig, inp["hash_type"]) == vector["authorization"]


@pytest.mark.parametrize("vector", VECTORS["wire"], ids=lambda v: v["label"])
def test_wire_vectors_through_httpx_auth(vector: dict) -> None:
    """The httpx.Auth signs exactly what goes on the wire and yields the recorded header."""
    sent = vector["headers"]
    url = f"http://{sent['Host']}{vector['raw_path']}"
    headers = {"X-BackendAI-Version": sent["X-BackendAI-Version"]}
    extensions = {}
    if "Content-Type" in sent:
        headers["Content-Type"] = sent["Content-Type"]
    else:
        extensions[STREAM_EXTENSION] = True
    body = (
        vector["body"].encode()
        if vector["body"] and "multipart" not in sent.get("Content-Type", "")
        else None
    )
    request = httpx.Request(
        vector["method"], httpx.URL(url), headers=headers, content=body, extensions=extensions
    )
    assert request.url.raw_path.decode() == vector["raw_path"]
    BackendAIAuth(ACCESS_KEY, SECRET_KEY, clock=lambda: DATE).sign(request)
    assert request.headers["Authorization"] == sent["Authorization"]
    assert request.headers["Date"] == sent["Date"]
    if "Content-Type" not in sent:
        assert "Content-Type" not in request.headers


def test_bodiless_request_sends_and_signs_text_plain() -> None:
    request = httpx.Request(
        "GET", "https://api.backend.ai/", headers={"X-BackendAI-Version": "v6.20220315"}
    )
    BackendAIAuth(ACCESS_KEY, SECRET_KEY, clock=lambda: DATE).sign(request)
    assert request.headers["Content-Type"] == "text/plain"
    assert request.headers["Authorization"].endswith(
        "e02342c2ecce1bba7243e1c97b501944f942092fd110b4e8868613f9a4c44756"
    )


def test_anonymous_mode_sends_no_authorization() -> None:
    request = httpx.Request(
        "GET", "https://api.backend.ai/", headers={"X-BackendAI-Version": "v6.20220315"}
    )
    BackendAIAuth("", "", clock=lambda: DATE).sign(request)
    assert "Authorization" not in request.headers
    assert request.headers["Date"] == "2022-03-15T12:34:56.789012+00:00"


def test_multipart_signs_mimetype_without_boundary() -> None:
    request = httpx.Request(
        "POST",
        "https://api.backend.ai/session/mysess/upload",
        headers={"X-BackendAI-Version": "v6.20220315"},
        files=[("src", ("a.txt", b"x", "application/octet-stream"))],
    )
    assert "boundary=" in request.headers["Content-Type"]
    BackendAIAuth(ACCESS_KEY, SECRET_KEY, clock=lambda: DATE).sign(request)
    assert request.headers["Authorization"].endswith(
        "e3266c201fc67957f84949f146060e5f53db5d819cfa4574b8f78e828cfd1855"
    )


def test_auth_repr_hides_the_secret() -> None:
    assert SECRET_KEY not in repr(BackendAIAuth(ACCESS_KEY, SECRET_KEY))


def _client(endpoint: str, version: str = "v6.20220315", access_key: str = ACCESS_KEY) -> Any:
    from ai_backend_client._base_client import SyncAPIClient
    from ai_backend_client.config import APIConfig

    config = APIConfig(
        endpoint=endpoint, access_key=access_key, secret_key=SECRET_KEY, shuffle_endpoints=False
    )
    client = SyncAPIClient(config, api_version=version)
    client.auth = BackendAIAuth(access_key, SECRET_KEY, clock=lambda: DATE)
    return client


def _built(client: Any, method: str, path: str, **kw: Any) -> httpx.Request:
    args: dict[str, Any] = dict(
        params=None,
        json=NOT_GIVEN,
        files=None,
        content=None,
        headers=None,
        base_url=None,
        authenticated=True,
        timeout=NOT_GIVEN,
    )
    args.update(kw)
    request: httpx.Request = client._build_request(client.http, method, path, **args)
    return request


@pytest.mark.parametrize("vector", VECTORS["wire"], ids=lambda v: v["label"])
def test_wire_vectors_through_the_client(vector: dict) -> None:
    """The client signs API calls before it builds them; the headers are the recorded ones."""
    sent = vector["headers"]
    client = _client(f"http://{sent['Host']}", sent["X-BackendAI-Version"])
    kw: dict[str, Any] = {}
    if "Content-Type" not in sent:
        kw["stream_extension"] = True
    elif sent["Content-Type"] == "application/json":
        kw["json"] = json.loads(vector["body"])
    request = _built(client, vector["method"], vector["raw_path"], **kw)
    assert request.url.raw_path.decode() == vector["raw_path"]
    assert request.headers["Authorization"] == sent["Authorization"]
    assert request.headers["Date"] == sent["Date"]
    assert request.headers.get("Content-Type") == sent.get("Content-Type")


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"params": {"page_size": 20, "q": "a b/c&d=é", "skip": NOT_GIVEN}},
        {"json": {"a": [1, "é"]}},
        {"files": [("src", ("a.txt", b"x", "application/octet-stream"))]},
        {"content": b"raw", "headers": {"content-type": "text/csv; charset=utf-8"}},
        {"headers": {"Host": "api.example.com"}},
        {"stream_extension": True},
        {"authenticated": False},
    ],
    ids=["bodiless", "query", "json", "multipart", "typed-content", "host", "stream", "unsigned"],
)
def test_the_client_signs_as_the_httpx_auth_would(kw: dict[str, Any]) -> None:
    """Whatever the request carries, signing before building equals signing the built request."""
    client = _client("http://127.0.0.1:8091/")
    request = _built(client, "POST", "/folders/x/request-upload", **kw)
    again = httpx.Request(
        request.method,
        request.url,
        headers=[
            (k, v) for k, v in request.headers.raw if k.lower() not in (b"authorization", b"date")
        ],
        content=request.read(),
        extensions=request.extensions,
    )
    if kw.get("authenticated", True):
        client.auth.sign(again)
        assert request.headers["Authorization"] == again.headers["Authorization"]
        assert request.headers["Date"] == again.headers["Date"]
    else:
        assert "Authorization" not in request.headers and "Date" not in request.headers
    assert request.headers.get("Content-Type") == again.headers.get("Content-Type")
    assert request.headers["X-BackendAI-Version"] == "v6.20220315"


def test_anonymous_client_dates_but_does_not_sign() -> None:
    request = _built(_client("http://127.0.0.1:8091", access_key=""), "GET", "/")
    assert "Authorization" not in request.headers
    assert request.headers["Date"] == DATE.isoformat()
    assert request.headers["Content-Type"] == "text/plain"
