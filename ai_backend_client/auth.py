"""Backend.AI request signing (HMAC over method, path+query, date, host, content type, version).

The signature covers exactly the bytes httpx sends (``request.url.raw_path`` and the ``Host``
header), so a signed request always verifies on the server. Bodies are never hashed: the last line
of the string to sign is always the hash of the empty string.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Generator
from datetime import datetime, timezone
from typing import Any

import httpx

__all__ = [
    "STREAM_EXTENSION",
    "BackendAIAuth",
    "authorization_header",
    "generate_signature",
    "string_to_sign",
]

# Request extension set by the stream code: WebSocket/SSE requests send no Content-Type but are
# signed with application/octet-stream (what the server assumes for them).
STREAM_EXTENSION = "backendai_stream"


def _now() -> datetime:
    return datetime.now(timezone.utc)


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
    body_hash = hashlib.new(hash_type, b"").hexdigest()
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

    def digestmod(data: bytes = b"") -> Any:
        return hashlib.new(hash_type, data)

    k1 = hmac.new(secret_key.encode(), date.strftime("%Y%m%d").encode(), digestmod).digest()
    k2 = hmac.new(k1, host.encode(), digestmod).digest()
    signature: str = hmac.new(k2, sign_str.encode(), digestmod).hexdigest()
    return signature


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
        self._secret_key = secret_key
        self._hash_type = hash_type
        self._clock = clock

    def __repr__(self) -> str:
        return f"<BackendAIAuth access_key={self._access_key!r} hash_type={self._hash_type!r}>"

    def sign(self, request: httpx.Request) -> None:
        now = self._clock()
        request.headers["Date"] = now.isoformat()
        content_type = _content_type_for_signing(request)
        if not self._access_key:
            return
        version = request.headers.get("X-BackendAI-Version", "")
        host = request.headers.get("Host") or request.url.netloc.decode("ascii")
        signature = generate_signature(
            method=request.method,
            version=version,
            host=host,
            date=now,
            rel_url=request.url.raw_path.decode("ascii"),
            content_type=content_type,
            secret_key=self._secret_key,
            hash_type=self._hash_type,
        )
        request.headers["Authorization"] = authorization_header(
            self._access_key, signature, self._hash_type
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request
