"""The httpx transport of the blocking client: a call's total deadline on every socket wait, and
API requests handed straight to the transport.

The blocking client cannot be interrupted from outside, so each socket operation of a call waits
at most for the time left before the call's deadline (:data:`DEADLINE`, a contextvar, so that
threads and nested calls keep their own). The async client cancels at the deadline instead.
"""

from __future__ import annotations

import contextvars
import logging
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

__all__ = ["DEADLINE", "deadline_transport", "received", "skips_client_middleware"]

#: The monotonic deadline of the blocking call under way in this context (``None``: no limit).
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "ai_backend_client_deadline", default=None
)


def _capped(timeout: float | None) -> float | None:
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = max(deadline - time.monotonic(), 0.001)
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _capped(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _capped(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _capped(timeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.connect_tcp(host, port, _capped(timeout), local_address, socket_options)
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.connect_unix_socket(path, _capped(timeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def skips_client_middleware() -> bool:
    """Whether a client we make may hand requests straight to its transport.

    ``httpx.Client.send`` adds what an API call here does not use: auth flows (requests are
    signed when built), redirects (off), event hooks (none) and proxy routing. Sending to the
    transport saves a third of a call's client CPU. Cookies are kept as the client keeps them;
    with a proxy in the environment every request takes the client's way.
    """
    import urllib.request

    proxies = urllib.request.getproxies()
    return not any(proxies.get(scheme) for scheme in ("http", "https", "all"))


_HTTPX_LOG = logging.getLogger("httpx")


def received(
    cookies: httpx.Cookies, request: httpx.Request, response: httpx.Response
) -> httpx.Response:
    """What ``httpx.Client.send`` does with a response besides the parts we skip: it names its
    request, the client keeps its cookies, and httpx's INFO line is logged."""
    response.request = request
    if "set-cookie" in response.headers:
        cookies.extract_cookies(response)
    if _HTTPX_LOG.isEnabledFor(logging.INFO):
        _HTTPX_LOG.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )
    return response


def deadline_transport(verify: ssl.SSLContext | bool) -> httpx.HTTPTransport:
    """An httpx transport whose every socket wait ends at the :data:`DEADLINE` of its call."""
    transport = httpx.HTTPTransport(verify=verify)
    # httpx offers no public hook for the network backend of its connection pool.
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        setattr(pool, "_network_backend", _DeadlineBackend(backend))  # noqa: B010
    return transport
