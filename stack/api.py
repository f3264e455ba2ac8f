"""A minimal signed request to the manager (stdlib only), for the driver's own housekeeping."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import datetime, timezone

from . import settings as S
from .settings import Layout


def request(
    lay: Layout, method: str, path_qs: str, *, access_key: str, secret_key: str, timeout: float = 30
) -> tuple[int, object]:
    """Send ``method path_qs`` to the line's manager with the Backend.AI HMAC-SHA256 signature
    (the line's API version); returns (status, body)."""
    host = f"{S.HOST}:{lay.ports.manager}"
    api_version = lay.line.api_version
    now = datetime.now(timezone.utc)
    date = now.isoformat()
    content_type = "application/json"
    body_hash = hashlib.sha256(b"").hexdigest()  # API versions >= v4.20181215 sign an empty body
    to_sign = (
        f"{method}\n{path_qs}\n{date}\nhost:{host}\ncontent-type:{content_type}\n"
        f"x-backendai-version:{api_version}\n{body_hash}"
    ).encode()
    key = hmac.new(secret_key.encode(), now.strftime("%Y%m%d").encode(), hashlib.sha256).digest()
    key = hmac.new(key, host.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign, hashlib.sha256).hexdigest()
    req = urllib.request.Request(
        f"http://{host}{path_qs}",
        method=method,
        headers={
            "Date": date,
            "Content-Type": content_type,
            "X-BackendAI-Version": api_version,
            "Authorization": f"BackendAI signMethod=HMAC-SHA256, credential={access_key}:{signature}",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")
