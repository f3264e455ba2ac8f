"""API version strings (``v6.20220315``) and the negotiation rule.

The versions this client speaks are the ones codegen generated (``_generated.VERSIONS``); nothing
here lists them by hand, so adding ``spec/<version>/`` and regenerating is all it takes.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ._generated import LATEST_VERSION, VERSIONS

__all__ = [
    "CLIENT_API_VERSION",
    "MIN_API_VERSION",
    "SUPPORTED_API_VERSIONS",
    "APIVersion",
    "Negotiated",
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


#: The versions we have generated wire clients for, oldest first.
SUPPORTED_API_VERSIONS: tuple[APIVersion, ...] = tuple(parse_version(v) for v in VERSIONS)
#: The newest API version this client speaks.
CLIENT_API_VERSION = parse_version(LATEST_VERSION)
#: The oldest server API this client still tries to talk to (with a warning below the oldest
#: generated version).
MIN_API_VERSION = APIVersion(5, "20191215")


class Negotiated(NamedTuple):
    """The outcome of negotiation: the generated version to speak, and what to warn about."""

    version: APIVersion
    warning: str | None


def negotiate(server: APIVersion, client: APIVersion = CLIENT_API_VERSION) -> Negotiated:
    """The newest generated version that both the server and the configured client version
    accept (a manager accepts every version up to its own, not newer ones).

    A server between two generated versions (23.09 speaks v7, we generate v6 and v8) gets the
    older one; a server newer than the newest generated version gets the newest, and one
    older than the oldest gets the oldest; both with a warning.
    """
    ceiling = min(server, client)
    spoken = [v for v in SUPPORTED_API_VERSIONS if v <= ceiling]
    chosen = spoken[-1] if spoken else SUPPORTED_API_VERSIONS[0]
    warning = None
    if server > CLIENT_API_VERSION and client == CLIENT_API_VERSION:
        warning = (
            f"The server speaks API {server}, newer than this client's {chosen}; using "
            f"{chosen}. Upgrade ai-backend-client for the newer features."
        )
    elif not spoken:
        warning = (
            f"The server speaks API {server}, older than the oldest version this client "
            f"supports ({chosen}); requests use {chosen} and may fail."
        )
    return Negotiated(chosen, warning)
