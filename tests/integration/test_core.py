"""The core against a real manager: negotiation, signing, errors, session-mode login."""

from __future__ import annotations

from typing import Any

import pytest

from ai_backend_client import APIConfig, AsyncSession, Session
from ai_backend_client.exceptions import AuthenticationError
from ai_backend_client.request import Request

from .conftest import Account


def api_config(endpoint: str, account: Account, **kw: Any) -> APIConfig:
    return APIConfig(
        endpoint=endpoint,
        endpoint_type="api",
        access_key=account.access_key,
        secret_key=account.secret_key,
        **kw,
    )


def test_negotiates_the_newest_common_version(
    endpoint: str, admin: Account, negotiated: str, server_line: str
) -> None:
    """v8 with a 24.09 manager, v9 with 26.09; no APIVersionWarning (the suite makes it an
    error), since the client knows both."""
    with Session(config=api_config(endpoint, admin)) as session:
        assert str(session.negotiated_version) == negotiated
        assert str(session.api_version) == negotiated
        major, minor = session.server_info["manager"].split(".")[:2]
        assert f"{int(major):02d}.{int(minor):02d}" == server_line


def test_client_pinned_to_v6_talks_v6(endpoint: str, admin: Account) -> None:
    with Session(config=api_config(endpoint, admin, version="v6.20220315")) as session:
        assert str(session.api_version) == "v6.20220315"
        with Request("GET", "/auth/role").fetch() as resp:
            assert resp.json()["global_role"] == "superadmin"


def test_signed_rest_and_graphql(endpoint: str, admin: Account) -> None:
    with Session(config=api_config(endpoint, admin)) as session:
        role = session.core.request("GET", "/auth/role", cast_to=dict[str, Any])
        assert role["global_role"] == "superadmin"
        gql = session.core.request(
            "POST",
            "/admin/gql",
            cast_to=dict[str, Any],
            json={"query": "query { keypair { access_key is_admin } }", "variables": {}},
        )
        assert not gql.get("errors")  # 26.09 sends "errors": null
        assert gql["data"]["keypair"]["access_key"] == admin.access_key


async def test_async_signed_call(endpoint: str, user: Account) -> None:
    async with AsyncSession(config=api_config(endpoint, user)) as session:
        role = await session.core.request("GET", "/auth/role", cast_to=dict[str, Any])
        assert role["global_role"] == "user"


def test_wrong_secret_key_is_a_typed_401(endpoint: str, admin: Account) -> None:
    bad = Account(admin.access_key, "x" * 40, admin.email, admin.password)
    with Session(config=api_config(endpoint, bad)) as session:
        with pytest.raises(AuthenticationError) as info:
            session.core.request("GET", "/auth/role", cast_to=dict[str, Any])
    assert info.value.status == 401
    assert "x" * 40 not in str(info.value)


def test_session_mode_login_and_logout(
    webserver_endpoint: str, admin: Account, negotiated: str
) -> None:
    config = APIConfig(endpoint=webserver_endpoint, endpoint_type="session")
    with Session(config=config) as session:
        assert str(session.api_version) == negotiated, "the probe goes through /func/"
        with pytest.raises(AuthenticationError):
            session.core.request("GET", "/auth/role", cast_to=dict[str, Any])
        result = session.Auth.login(admin.email, admin.password)
        assert result["authenticated"] is True
        assert session.core.http.cookies, "the webserver set a session cookie"
        role = session.core.request("GET", "/auth/role", cast_to=dict[str, Any])
        assert role["global_role"] == "superadmin"
        session.Auth.logout()
        assert not session.core.http.cookies, "logout clears the cookie"
        with pytest.raises(AuthenticationError):
            session.core.request("GET", "/auth/role", cast_to=dict[str, Any])
