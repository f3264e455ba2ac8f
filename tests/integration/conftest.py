"""Fixtures for tests against a real Backend.AI server.

They read the client environment (``eval "$(python -m stack env)"`` for the local stack, which
``nox -s integration`` does by itself). Without BACKEND_ENDPOINT every test here is skipped with
one line saying so.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import httpx
import pytest

SKIP_REASON = "no Backend.AI server configured (set BACKEND_ENDPOINT, or run: nox -s integration)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.integration)
            if not os.environ.get("BACKEND_ENDPOINT"):
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
    _skip_other_lines(items)


@dataclass(frozen=True)
class Account:
    access_key: str
    secret_key: str
    email: str
    password: str


@pytest.fixture(scope="session")
def endpoint() -> str:
    value = os.environ.get("BACKEND_ENDPOINT")
    if not value:
        pytest.skip(SKIP_REASON)
    return value


@pytest.fixture(scope="session")
def admin(endpoint: str) -> Account:
    return Account(
        os.environ["BACKEND_ACCESS_KEY"],
        os.environ["BACKEND_SECRET_KEY"],
        os.environ.get("AIBC_ADMIN_EMAIL", "admin@lablup.com"),
        os.environ.get("AIBC_ADMIN_PASSWORD", ""),
    )


@pytest.fixture(scope="session")
def user(endpoint: str) -> Account:
    return Account(
        os.environ.get("AIBC_USER_ACCESS_KEY", ""),
        os.environ.get("AIBC_USER_SECRET_KEY", ""),
        os.environ.get("AIBC_USER_EMAIL", "user@lablup.com"),
        os.environ.get("AIBC_USER_PASSWORD", ""),
    )


@pytest.fixture(scope="session")
def webserver_endpoint(endpoint: str) -> str:
    value = os.environ.get("AIBC_WEBSERVER_ENDPOINT")
    if not value:
        pytest.skip("no webserver configured (AIBC_WEBSERVER_ENDPOINT) for session-mode tests")
    return value


# ---- which server line (24.09, 26.09) the tests talk to --------------------------------------

LINE_ENV = "AIBC_STACK_LINE"  # exported by `python -m stack env`


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "server_line(*lines, reason=...): run only against these server lines (e.g. '24.09'); "
        "skipped, with the reason, against others",
    )


def _line_of(manager_version: str) -> str:
    """``26.9.6`` -> ``26.09`` (Backend.AI's release lines are year.month)."""
    year, month = manager_version.split(".")[:2]
    return f"{int(year):02d}.{int(month):02d}"


@functools.cache
def detect_server_line() -> str | None:
    """$AIBC_STACK_LINE, else the manager version from the server's ``GET /`` (``/func/`` through
    a webserver); None if neither says."""
    if os.environ.get(LINE_ENV):
        return os.environ[LINE_ENV]
    endpoint = os.environ.get("BACKEND_ENDPOINT", "").split(",")[0].rstrip("/")
    if not endpoint:
        return None
    path = "/func/" if os.environ.get("BACKEND_ENDPOINT_TYPE") == "session" else "/"
    try:
        version = httpx.get(endpoint + path, timeout=10).json()["manager"]
        return _line_of(str(version))
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None


def _skip_other_lines(items: list[pytest.Item]) -> None:
    marked = [(item, m) for item in items for m in item.iter_markers("server_line")]
    if not marked or not os.environ.get("BACKEND_ENDPOINT"):
        return
    line = detect_server_line()
    for item, mark in marked:
        if line is not None and line not in mark.args:
            why = mark.kwargs.get("reason", "differs on this line")
            item.add_marker(pytest.mark.skip(reason=f"server line {line}: {why}"))


#: The API version this client negotiates with each server line (the newest both speak).
NEGOTIATED: dict[str, str] = {"24.09": "v8.20240915", "26.09": "v9.20250722"}


@pytest.fixture(scope="session")
def negotiated(server_line: str) -> str:
    """The API version the client must agree on with the server under test."""
    if server_line not in NEGOTIATED:
        pytest.skip(f"no expected API version known for server line {server_line!r}")
    return NEGOTIATED[server_line]


@pytest.fixture(scope="session")
def server_line(endpoint: str) -> str:
    """The release line of the server under test, e.g. ``"24.09"`` (``"unknown"`` if unknown)."""
    return detect_server_line() or "unknown"
