"""API version strings (``v6.20220315``) and the negotiation rule."""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "CLIENT_API_VERSION",
    "MIN_API_VERSION",
    "SUPPORTED_API_VERSIONS",
    "APIVersion",
    "choose_generated_version",
    "negotiate",
    "parse_version",
]

_VERSION_RE = re.compile(r"^v(\d+)\.(\d{8})$")


class APIVersion(NamedTuple):
    """``(major, 'YYYYMMDD')``; tuples compare as the server and the official client do."""

    major: int
    date: str

    def __str__(self) -> str:
        return f"v{self.major}.{self.date}"


def parse_version(value: str | APIVersion) -> APIVersion:
    """Parse ``v6.20220315``; raise ``ValueError`` on anything else."""
    if isinstance(value, APIVersion):
        return value
    m = _VERSION_RE.match(value.strip())
    if m is None:
        raise ValueError(f"not an API version string (expected like 'v6.20220315'): {value!r}")
    return APIVersion(int(m.group(1)), m.group(2))


# The newest API version this client speaks, and the oldest it still talks to.
CLIENT_API_VERSION = APIVersion(8, "20240915")
MIN_API_VERSION = APIVersion(5, "20191215")

# The versions we have generated wire clients for, oldest first.
SUPPORTED_API_VERSIONS: tuple[APIVersion, ...] = (
    APIVersion(6, "20220315"),
    APIVersion(8, "20240915"),
)


def negotiate(server: APIVersion, client: APIVersion = CLIENT_API_VERSION) -> APIVersion:
    """The version both sides speak: ``min(server, client)``."""
    return min(server, client)


def choose_generated_version(negotiated: APIVersion) -> APIVersion:
    """The generated wire client to use for a negotiated version.

    The newest generated version not newer than the negotiated one; servers older than the oldest
    generated version get the oldest (and a warning from the session).
    """
    candidates = [v for v in SUPPORTED_API_VERSIONS if v <= negotiated]
    return candidates[-1] if candidates else SUPPORTED_API_VERSIONS[0]
