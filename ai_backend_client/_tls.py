"""TLS for every connection the client opens: httpx's verifying context with its trust store
read at the first handshake, a configured CA bundle, or no verification when the config says so.

The REST transport (:mod:`._base_client`) and the WebSocket client both take their ``verify``
from :func:`ssl_verify`, so one setting governs both.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from typing import Any

from .config import APIConfig, ConfigError

__all__ = ["default_ssl_context", "ssl_verify", "tls_verification_failure"]


class _DeferredTrustContext(ssl.SSLContext):
    """httpx's default verifying context, but its trust store is read at the first TLS
    handshake: reading the CA bundle costs 15-20 ms, which a plain-``http`` endpoint never
    needs. Protocol, verification mode, hostname check and flags are those of
    ``ssl.create_default_context`` (a unit test compares them on every Python version); the
    store is the one httpx reads (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's bundle)."""

    _trust_lock: threading.Lock
    _trust_loaded: bool

    def defer_trust(self) -> None:
        """Start with an empty store, read at the first handshake."""
        self._trust_lock = threading.Lock()
        self._trust_loaded = False

    def _load_trust(self) -> None:
        if self._trust_loaded:
            return
        with self._trust_lock:
            if not self._trust_loaded:
                if os.environ.get("SSL_CERT_FILE"):
                    self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
                elif os.environ.get("SSL_CERT_DIR"):
                    self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
                else:
                    import certifi

                    self.load_verify_locations(cafile=certifi.where())
                self._trust_loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:  # blocking clients
        self._load_trust()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:  # asyncio, anyio
        self._load_trust()
        return super().wrap_bio(*args, **kwargs)


def default_ssl_context() -> ssl.SSLContext:
    """A verifying client context (see :class:`_DeferredTrustContext`)."""
    context = _DeferredTrustContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    if sys.version_info >= (3, 13):  # as ssl.create_default_context does from 3.13 on
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:
        context.keylog_filename = keylog
    context.defer_trust()
    return context


def ssl_verify(config: APIConfig) -> ssl.SSLContext | bool:
    """What httpx (and the WebSocket client) get as ``verify`` for *config*."""
    if config.skip_sslcert_validation:
        return False
    if config.ca_bundle is None:
        return default_ssl_context()
    import httpx  # its default context: certifi's bundle, then the configured one

    context = httpx.create_ssl_context()
    try:
        context.load_verify_locations(cafile=config.ca_bundle)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot load the CA bundle {config.ca_bundle!r}: {e}") from None
    return context


def tls_verification_failure(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The refused certificate somewhere in *exc*'s chain of causes, if that is what failed."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
