"""Authentication: webserver login/logout (session mode) and password changes."""

from __future__ import annotations

from ..._cookies import clear_cookies, save_cookies
from ..._generated.latest import models
from ...exceptions import AuthenticationError, BackendClientError
from .base import AsyncFunction, coerce_model

__all__ = ["Auth"]


class Auth(AsyncFunction):
    """Log in and out of a webserver (``BACKEND_ENDPOINT_TYPE=session``) and change passwords."""

    @classmethod
    async def login(
        cls, user_id: str, password: str, *, persist: bool = False
    ) -> models.LoginResponse:
        """Log in with a user ID (email) and password; the session keeps the webserver's cookie.

        With ``persist=True`` the cookie is also saved for later processes (what ``backend.ai
        login`` does). Wrong credentials raise :class:`AuthenticationError`.
        """
        session = cls._session()
        if session.config.endpoint_type != "session":
            raise BackendClientError(
                "login needs a webserver endpoint: set BACKEND_ENDPOINT_TYPE=session "
                "(API-mode endpoints authenticate with the access/secret keypair instead)"
            )
        result = coerce_model(
            models.LoginResponse,
            await session.wire.server.login(username=user_id, password=password),
        )
        if not result.authenticated:
            details = result.data.details or result.data.title if result.data else None
            raise AuthenticationError(
                401,
                "Unauthorized",
                {
                    "type": (result.data.type if result.data else None)
                    or "https://api.backend.ai/probs/auth-failed",
                    "title": "Login failed",
                    "msg": details or "wrong user ID or password",
                },
                method="POST",
                url=session.core.build_url("/server/login"),
            )
        if persist:
            save_cookies(session.core.http.cookies)
        return result

    @classmethod
    async def logout(cls, *, persist: bool = False) -> None:
        """Log out of the webserver and forget the cookie (also the saved one with ``persist``)."""
        session = cls._session()
        try:
            await session.wire.server.logout()
        finally:
            session.core.http.cookies.clear()
            if persist:
                clear_cookies()

    @classmethod
    async def update_password(
        cls, old_password: str, new_password: str, new_password2: str
    ) -> None:
        """Change the current user's password (``new_password2`` must repeat ``new_password``)."""
        if new_password != new_password2:
            raise BackendClientError("the new password and its confirmation differ")
        await cls._session().wire.auth.update_password(
            old_password=old_password, new_password=new_password, new_password2=new_password2
        )

    @classmethod
    async def update_password_no_auth(
        cls, domain: str, user_id: str, current_password: str, new_password: str
    ) -> models.UpdatePasswordNoAuthResponse:
        """Change an *expired* password without logging in (24.09 and later; unsigned)."""
        if not new_password:
            raise BackendClientError("the new password must not be empty")
        return await cls._session().wire.auth.update_password_no_auth(
            domain=domain,
            username=user_id,
            current_password=current_password,
            new_password=new_password,
        )

    @classmethod
    async def get_my_ip(cls) -> models.MyIpResponse:
        """The client's IP address as the server sees it (for ``allowed_client_ip``; 26.09)."""
        return await cls._session().wire.auth.get_my_ip()
