"""The default verifying context defers reading its trust store to the first handshake, and is
otherwise the context httpx would have made (so nothing about verification changes)."""

from __future__ import annotations

import ssl

import httpx
import pytest

from ai_backend_client._tls import default_ssl_context, ssl_verify
from ai_backend_client.config import APIConfig


def _settings(context: ssl.SSLContext) -> dict[str, object]:
    return {
        "protocol": context.protocol,
        "verify_mode": context.verify_mode,
        "check_hostname": context.check_hostname,
        "verify_flags": context.verify_flags,
        "options": context.options,
        "minimum_version": context.minimum_version,
        "maximum_version": context.maximum_version,
        "ciphers": [c["name"] for c in context.get_ciphers()],
        "keylog_filename": context.keylog_filename,
    }


def test_settings_are_httpx_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSLKEYLOGFILE", raising=False)
    assert _settings(default_ssl_context()) == _settings(httpx.create_ssl_context())


def test_the_store_is_empty_until_the_first_handshake_then_httpx_s(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    context = default_ssl_context()
    assert context.cert_store_stats()["x509_ca"] == 0
    # a handshake that is never completed: wrapping is where the store is read
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")
    assert context.cert_store_stats() == httpx.create_ssl_context().cert_store_stats()
    assert context.cert_store_stats()["x509_ca"] > 0


def test_verification_stays_on_unless_skipped() -> None:
    config = APIConfig(endpoint="https://cluster.example", access_key="AKIA", secret_key="s")
    verify = ssl_verify(config)
    assert isinstance(verify, ssl.SSLContext) and verify.verify_mode == ssl.CERT_REQUIRED
    skipped = APIConfig(
        endpoint="https://cluster.example",
        access_key="AKIA",
        secret_key="s",
        skip_sslcert_validation=True,
    )
    assert ssl_verify(skipped) is False
