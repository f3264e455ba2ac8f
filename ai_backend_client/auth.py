"""Backend.AI request signing (HMAC over method, path+query, date, host, content type, version).

The signature covers exactly the bytes httpx sends (``request.url.raw_path`` and the ``Host``
header), so a signed request always verifies on the server. Bodies are never hashed: the last line
of the string to sign is always the hash of the empty string.

The signing key is derived from the secret key, the UTC day and the host
(``HMAC(HMAC(secret, YYYYMMDD), host)``); :class:`BackendAIAuth` derives it once per day and host
and keeps it, so a call computes one HMAC instead of three.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import threading
from collections.abc import Callable, Generator
from datetime import datetime, timezone

import httpx

__all__ = [
    "STREAM_EXTENSION",
    "BackendAIAuth",
    "authorization_header",
    "derive_signing_key",
    "generate_signature",
    "string_to_sign",
]

# Request extension set by the stream code: WebSocket/SSE requests send no Content-Type but are
# signed with application/octet-stream (what the server assumes for them).
STREAM_EXTENSION = "backendai_stream"


#: Derived keys a :class:`BackendAIAuth` keeps (one per UTC day and host; a day change adds one).
_KEY_CACHE_SIZE = 8


def _now() -> datetime:
    return datetime.now(timezone.utc)


@functools.lru_cache(maxsize=8)
def _empty_body_hash(hash_type: str) -> str:
    return hashlib.new(hash_type, b"").hexdigest()


def derive_signing_key(secret_key: bytes, day: str, host: str, hash_type: str = "sha256") -> bytes:
    """The per-day, per-host signing key: ``HMAC(HMAC(secret, day), host)`` (*day*: ``YYYYMMDD``)."""
    k1 = hmac.digest(secret_key, day.encode(), hash_type)
    return hmac.digest(k1, host.encode(), hash_type)


def string_to_sign(
    *,
    method: str,
    rel_url: str,
    date: str,
    host: str,
    content_type: str,
    version: str,
    hash_type: str = "sha256",
) -> str:
    body_hash = _empty_body_hash(hash_type)
    return "\n".join(
        [
            method.upper(),
            rel_url,
            date,
            f"host:{host}",
            f"content-type:{content_type.lower()}",
            f"x-backendai-version:{version}",
            body_hash,
        ]
    )


def generate_signature(
    *,
    method: str,
    version: str,
    host: str,
    date: datetime,
    rel_url: str,
    content_type: str,
    secret_key: str,
    hash_type: str = "sha256",
) -> str:
    """The lowercase hex signature; ``date`` is the same instant whose ``isoformat()`` is sent."""
    sign_str = string_to_sign(
        method=method,
        rel_url=rel_url,
        date=date.isoformat(),
        host=host,
        content_type=content_type,
        version=version,
        hash_type=hash_type,
    )

    key = derive_signing_key(secret_key.encode(), date.strftime("%Y%m%d"), host, hash_type)
    return hmac.new(key, sign_str.encode(), hash_type).hexdigest()


def authorization_header(access_key: str, signature: str, hash_type: str = "sha256") -> str:
    return f"BackendAI signMethod=HMAC-{hash_type.upper()}, credential={access_key}:{signature}"


def _content_type_for_signing(request: httpx.Request) -> str:
    if request.extensions.get(STREAM_EXTENSION):
        return "application/octet-stream"
    ctype = request.headers.get("Content-Type")
    if ctype is None:
        # A bodiless request sends and signs text/plain, as the server expects.
        request.headers["Content-Type"] = "text/plain"
        return "text/plain"
    # The server signs the mimetype without parameters (no multipart boundary, no charset).
    return str(ctype).split(";", 1)[0].strip()


class BackendAIAuth(httpx.Auth):
    """An ``httpx.Auth`` that adds ``Date`` and the ``Authorization`` signature.

    The version header must already be on the request (the session sets it). With an empty
    access key the request goes out unsigned (anonymous mode). ``clock`` exists for tests.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        hash_type: str = "sha256",
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._access_key = access_key
        self._secret_key = secret_key.encode()
        self._hash_type = hash_type
        self._clock = clock
        self._keys: dict[tuple[str, str], bytes] = {}  # (day, host) -> derived signing key
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<BackendAIAuth access_key={self._access_key!r} hash_type={self._hash_type!r}>"

    def _signing_key(self, day: str, host: str) -> bytes:
        key = self._keys.get((day, host))
        if key is None:
            key = derive_signing_key(self._secret_key, day, host, self._hash_type)
            with self._lock:
                if len(self._keys) >= _KEY_CACHE_SIZE:
                    self._keys.clear()
                self._keys[(day, host)] = key
        return key

    def signature_headers(
        self, method: str, url: httpx.URL, *, content_type: str, version: str, host: str = ""
    ) -> dict[str, str]:
        """``Date`` and (unless anonymous) ``Authorization`` for a request not built yet.

        *content_type* is the mimetype that is signed (no parameters); *host* defaults to the
        URL's, as the ``Host`` header httpx sends.
        """
        now = self._clock()
        date = now.isoformat()
        if not self._access_key:
            return {"Date": date}
        host = host or url.netloc.decode("ascii")
        sign_str = string_to_sign(
            method=method,
            rel_url=url.raw_path.decode("ascii"),
            date=date,
            host=host,
            content_type=content_type,
            version=version,
            hash_type=self._hash_type,
        )
        key = self._signing_key(now.strftime("%Y%m%d"), host)
        signature = hmac.new(key, sign_str.encode(), self._hash_type).hexdigest()
        authorization = authorization_header(self._access_key, signature, self._hash_type)
        return {"Date": date, "Authorization": authorization}

    def sign(self, request: httpx.Request) -> None:
        headers = request.headers
        content_type = _content_type_for_signing(request)
        headers.update(
            self.signature_headers(
                request.method,
                request.url,
                content_type=content_type,
                version=headers.get("X-BackendAI-Version", ""),
                host=headers.get("Host", ""),
            )
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request
