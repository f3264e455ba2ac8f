"""Static types of the exceptions a user catches (type-checked only, never run)."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

from ai_backend_client import AsyncSession, BackendAPIError, BackendClientError, Session
from ai_backend_client.exceptions import NotFoundError


def check_api_error() -> None:
    with Session() as session:
        try:
            session.ComputeSession("missing").get_info()
        except NotFoundError as e:
            assert_type(e.status, int)
            assert_type(e, NotFoundError)
        except BackendAPIError as e:
            assert_type(e.status, int)
            assert_type(e.reason, str)
            assert_type(e.data, dict[str, Any])
            assert_type(e.type, str | None)
            assert_type(e.slug, str | None)
            assert_type(e.method, str | None)
            assert_type(e.url, str | None)
        except BackendClientError as e:
            assert_type(e, BackendClientError)


async def check_api_error_async() -> None:
    async with AsyncSession() as session:
        try:
            await session.VFolder("missing").info()
        except BackendAPIError as e:
            assert_type(e.status, int)
            assert_type(e.data, dict[str, Any])
