"""When a call is tried again: the backoff policy and the decisions of one call's retries and
failovers, shared by the blocking and the async loop of :mod:`._base_client`.

Only what cannot do harm is repeated: a request that never reached the server (a refused
connection, tried on the next endpoint first), and idempotent requests after a dropped
connection or a transient status (429, 5xx that the problem type does not call lasting).
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import random
import time
from typing import TYPE_CHECKING, Any, Final, cast

import httpx

from ._tls import tls_verification_failure

if TYPE_CHECKING:
    from ._base_client import BaseClient
    from .config import APIConfig

__all__ = ["RetryPlan", "RetryPolicy"]

_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
# Problem types that will not go away by asking again soon.
_NON_TRANSIENT_PROBLEMS: Final = frozenset({"server-frozen", "not-implemented"})


class RetryPolicy:
    """Exponential backoff with full jitter, capped; ``Retry-After`` wins when it is sane."""

    def __init__(
        self, max_retries: int = 2, initial_delay: float = 0.5, max_delay: float = 8.0
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.max_retries = max_retries
        self.initial_delay = initial_delay
        self.max_delay = max_delay

    def delay(
        self, attempt: int, response: httpx.Response | None = None, max_retry_after: float = 60.0
    ) -> float:
        """Seconds to wait before retry number *attempt* (0-based).

        A ``Retry-After`` of at most *max_retry_after* seconds is obeyed as given; otherwise the
        wait is ``initial_delay * 2**attempt`` capped at ``max_delay``, scaled by a random
        factor in [0.5, 1) so that many clients do not retry in step.
        """
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and 0 <= retry_after <= max_retry_after:
                return retry_after
        base = min(self.max_delay, self.initial_delay * (2.0**attempt))
        return float(base * (0.5 + random.random() / 2))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date (a past date gives
    0); ``None`` when absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, dt.timestamp() - time.time())


def is_retryable(method: str, idempotent: bool | None) -> bool:
    """Whether a call may be sent again after it may have reached the server: *idempotent* when
    the operation says so, else only for GET, HEAD and OPTIONS."""
    return idempotent if idempotent is not None else method.upper() in _IDEMPOTENT_METHODS


def should_retry_status(response: httpx.Response, body: bytes) -> bool:
    """Whether an error status is transient: 429, 500, 502, 503 or 504, unless the body is a
    problem whose type will not change soon (``server-frozen``, ``not-implemented``)."""
    if response.status_code not in _RETRY_STATUSES:
        return False
    try:
        data = jsonlib.loads(body) if body else None
    except ValueError:
        return True
    if isinstance(data, dict):
        ptype = str(cast(dict[str, Any], data).get("type", ""))
        if ptype.rsplit("/", 1)[-1] in _NON_TRANSIENT_PROBLEMS:
            return False
    return True


class RetryPlan:
    """The retry and failover decisions of one call, shared by the sync and async loops.

    Each ``after_*`` method returns how long to wait before the next attempt, or raises the
    error the caller should see when there is no attempt left.
    """

    def __init__(
        self,
        client: BaseClient,
        method: str,
        idempotent: bool | None,
        base_url: str | None,
        deadline: float | None = None,
    ) -> None:
        self.client = client
        self.retryable = is_retryable(method, idempotent)
        self.base_url = base_url
        self.deadline = deadline
        self.attempt = 0
        self.failovers = 0

    def _next_attempt(self, response: httpx.Response | None = None) -> float:
        delay = self.client.retry.delay(
            self.attempt, response, max_retry_after=self.client.config.max_retry_after
        )
        self.attempt += 1
        return delay

    def _fits(self, delay: float) -> bool:
        """Whether waiting *delay* seconds leaves time for another attempt."""
        return self.deadline is None or time.monotonic() + delay < self.deadline

    def after_transport_error(self, exc: httpx.TransportError, request: httpx.Request) -> float:
        config = self.client.config
        if (
            self.deadline is not None
            and isinstance(exc, httpx.TimeoutException)
            and time.monotonic() >= self.deadline
        ):
            raise self.client.deadline_error(request) from exc
        tls = tls_verification_failure(exc)
        if tls is not None:
            raise self.client.tls_error(tls, request.url) from exc
        delay = self._after_transport_error(exc, config)
        if not self._fits(delay):
            raise self.client.connection_error(exc, self.base_url) from exc
        return delay

    def _after_transport_error(self, exc: httpx.TransportError, config: APIConfig) -> float:
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            # Nothing reached the server: trying the next endpoint (or again) is always safe.
            if self.base_url is None and self.failovers + 1 < len(config.endpoints):
                self.failovers += 1
                config.rotate_endpoints()
                return 0.0
            if self.attempt < self.client.retry.max_retries:
                self.failovers = 0
                return self._next_attempt()
        elif self.retryable and self.attempt < self.client.retry.max_retries:
            return self._next_attempt()
        raise self.client.connection_error(exc, self.base_url) from exc

    def after_error_status(self, response: httpx.Response, body: bytes) -> float:
        if (
            self.retryable
            and self.attempt < self.client.retry.max_retries
            and should_retry_status(response, body)
        ):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            # A wait longer than we are willing to (or than the deadline allows) ends the call
            # now; the error shows the wait the server asked for.
            if retry_after is None or retry_after <= self.client.config.max_retry_after:
                delay = self._next_attempt(response)
                if self._fits(delay):
                    return delay
        raise self.client.make_api_error(response, body)
