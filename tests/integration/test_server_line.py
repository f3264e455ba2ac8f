"""The server line the tests are told about (``AIBC_STACK_LINE``, ``server_line``) is the one
that answers: a stack environment for one line must not point at the other line's servers."""

from __future__ import annotations

import os

import httpx
import pytest

from .conftest import _line_of


def test_server_line_matches_the_manager(endpoint: str, server_line: str) -> None:
    if "AIBC_STACK_LINE" not in os.environ:
        pytest.skip("AIBC_STACK_LINE is not set (not the local stack's environment)")
    base = endpoint.split(",")[0].rstrip("/")
    path = "/func/" if os.environ.get("BACKEND_ENDPOINT_TYPE") == "session" else "/"
    info = httpx.get(base + path, timeout=10).json()
    assert _line_of(info["manager"]) == server_line
    expected = os.environ.get("AIBC_MANAGER_VERSION")
    if expected:
        assert info["manager"] == expected
    webserver = os.environ.get("AIBC_WEBSERVER_ENDPOINT")
    if webserver:
        assert httpx.get(webserver + "/func/", timeout=10).json()["manager"] == info["manager"]
