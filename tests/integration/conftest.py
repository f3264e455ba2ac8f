"""Fixtures for tests against a real Backend.AI server.

They read the client environment (``eval "$(python -m stack env)"`` for the local stack, which
``nox -s integration`` does by itself). Without BACKEND_ENDPOINT every test here is skipped with
one line saying so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

SKIP_REASON = "no Backend.AI server configured (set BACKEND_ENDPOINT, or run: nox -s integration)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.integration)
            if not os.environ.get("BACKEND_ENDPOINT"):
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


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
