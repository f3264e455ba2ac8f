"""``update-password-no-auth`` and ``Auth.get_my_ip``: what is sent (unsigned, for the first),
and the local refusal where a version lacks the operation."""

from __future__ import annotations

import json

import pytest
import respx
from click.testing import CliRunner

from ai_backend_client.cli.main import cli
from ai_backend_client.config import APIConfig
from ai_backend_client.exceptions import BackendAPIVersionError, BackendClientError
from ai_backend_client.session import Session

EP = "http://manager.test"


def session(version: str) -> Session:
    respx.get(f"{EP}/").respond(json={"version": version, "manager": "x"})
    return Session(
        config=APIConfig(endpoint=EP, access_key="AKIATEST", secret_key="s"), max_retries=0
    )


@pytest.mark.parametrize("version", ["v8.20240915", "v9.20250722"])
@respx.mock
def test_update_password_no_auth_is_unsigned(version: str) -> None:
    route = respx.post(f"{EP}/auth/update-password-no-auth").respond(
        json={"password_changed_at": "2026-12-01T00:00:00+00:00"}
    )
    with session(version) as s:
        s.Auth.update_password_no_auth("default", "u@x", "old", "new")
        with pytest.raises(BackendClientError):
            s.Auth.update_password_no_auth("default", "u@x", "old", "")
    request = route.calls[0].request
    assert json.loads(request.content) == {
        "domain": "default",
        "username": "u@x",
        "current_password": "old",
        "new_password": "new",
    }
    assert "Authorization" not in request.headers  # no login: the request is not signed
    assert route.call_count == 1


@respx.mock
def test_update_password_no_auth_cli_prompts_for_missing_passwords(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", EP)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIATEST")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "secret")
    respx.get(f"{EP}/").respond(json={"version": "v9.20250722", "manager": "x"})
    route = respx.post(f"{EP}/auth/update-password-no-auth").respond(
        json={"password_changed_at": "2026-12-01T00:00:00+00:00"}
    )
    result = CliRunner().invoke(
        cli, ["update-password-no-auth", "default", "u@x"], input="old\nnew\nnew\n"
    )
    assert result.exit_code == 0, result.output
    sent = json.loads(route.calls[0].request.content)
    assert (sent["current_password"], sent["new_password"]) == ("old", "new")
    assert "old" not in result.stdout and "Password updated" in result.stderr


@respx.mock
def test_get_my_ip_on_26_09_and_refused_before() -> None:
    route = respx.get(f"{EP}/auth/my-ip").respond(json={"client_ip": "10.0.0.7"})
    with session("v9.20250722") as s:
        assert s.Auth.get_my_ip().client_ip == "10.0.0.7"
    for version in ("v6.20220315", "v8.20240915"):
        with session(version) as s, pytest.raises(BackendAPIVersionError, match=r"v9\.20250722"):
            s.Auth.get_my_ip()
    assert route.call_count == 1
