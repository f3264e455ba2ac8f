"""Base classes of the generated per-tag resources: they only hold the core client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .exceptions import BackendAPIVersionError

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, SyncAPIClient

__all__ = ["AsyncAPIResource", "SyncAPIResource", "unavailable"]


class SyncAPIResource:
    __slots__ = ("_client",)

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client


class AsyncAPIResource:
    __slots__ = ("_client",)

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client


def unavailable(api_version: str, operation: str, available: str) -> BackendAPIVersionError:
    """The error of a generated stub: *operation* exists in other API versions, not this one."""
    return BackendAPIVersionError(
        f"{operation} is not available with API {api_version} (it needs {available}); "
        "the server is too old or too new for it"
    )
