"""``update-password-no-auth`` and ``Auth.get_my_ip`` against the real servers.

The local stacks set no ``max_password_age``, so no password ever expires and both lines refuse
``update-password-no-auth`` with "Unsupported function" (checked; a wrong current password is
sent, so even a differently configured server would change nothing). ``get_my_ip`` exists on
26.09 only; 24.09 is refused locally."""

from __future__ import annotations

import pytest

from ai_backend_client import Session
from ai_backend_client.exceptions import BackendAPIVersionError
from tests.integration.test_cli import bai

pytestmark = pytest.mark.integration


def test_update_password_no_auth_is_refused_here(endpoint: str) -> None:
    p = bai("update-password-no-auth", "default", "user@lablup.com", "not-the-password", "N3w-x")
    assert p.returncode == 1 and "Unsupported function" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "not-the-password" not in p.stderr


def test_get_my_ip(server_line: str) -> None:
    with Session() as api:
        if server_line == "24.09":
            with pytest.raises(BackendAPIVersionError, match=r"v9\.20250722"):
                api.Auth.get_my_ip()
        else:
            assert api.Auth.get_my_ip().client_ip == "127.0.0.1"
