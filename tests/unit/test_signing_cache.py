"""The per-day signing key is derived once per day and host, and signatures stay exact."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from ai_backend_client import auth
from ai_backend_client.auth import BackendAIAuth, generate_signature

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def signed(a: BackendAIAuth, url: str) -> httpx.Request:
    request = httpx.Request("GET", url, headers={"X-BackendAI-Version": "v8.20240915"})
    a.sign(request)
    return request


def test_key_derived_once_per_day_and_host(monkeypatch: pytest.MonkeyPatch) -> None:
    derived: list[tuple[str, str]] = []
    real = auth.derive_signing_key

    def counting(secret: bytes, day: str, host: str, hash_type: str = "sha256") -> bytes:
        derived.append((day, host))
        return real(secret, day, host, hash_type)

    monkeypatch.setattr(auth, "derive_signing_key", counting)
    now = [datetime(2026, 12, 1, 23, 59, 59, 500_000, tzinfo=timezone.utc)]
    a = BackendAIAuth("AKIAIOSFODNN7EXAMPLE", SECRET, clock=lambda: now[0])
    requests = [signed(a, f"http://127.0.0.1:8091/folders?n={i}") for i in range(5)]
    requests.append(signed(a, "http://other.example:8091/folders"))
    now[0] += timedelta(seconds=1)  # past midnight UTC: a new day, a new key
    requests.append(signed(a, "http://127.0.0.1:8091/folders"))
    assert derived == [
        ("20261201", "127.0.0.1:8091"),
        ("20261201", "other.example:8091"),
        ("20261202", "127.0.0.1:8091"),
    ]
    for request in requests:  # every signature is the one computed from scratch
        date = datetime.fromisoformat(request.headers["Date"])
        expected = generate_signature(
            method="GET",
            version="v8.20240915",
            host=request.url.netloc.decode(),
            date=date,
            rel_url=request.url.raw_path.decode(),
            content_type="text/plain",
            secret_key=SECRET,
        )
        assert request.headers["Authorization"].endswith(f":{expected}")


def test_cache_is_bounded_and_holds_no_secret_in_repr() -> None:
    a = BackendAIAuth("AKIAIOSFODNN7EXAMPLE", SECRET)
    for i in range(50):
        signed(a, f"http://host{i}.example/folders")
    assert len(a._keys) <= 8
    assert SECRET[:6] not in repr(a)
