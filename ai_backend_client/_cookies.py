"""Session-mode cookie persistence (a small JSON file in the user state dir, mode 0600)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, cast

import httpx

from .config import user_state_dir

__all__ = ["clear_cookies", "cookie_file", "load_cookies", "save_cookies"]


def cookie_file() -> Path:
    return user_state_dir() / "cookies.json"


def load_cookies(jar: httpx.Cookies, path: Path | None = None) -> int:
    """Load saved cookies into *jar*; returns how many were loaded (0 when there is no file)."""
    path = path or cookie_file()
    try:
        items: object = json.loads(path.read_text())
    except (OSError, ValueError):
        return 0
    if not isinstance(items, list):
        return 0
    count = 0
    for raw in cast(list[object], items):
        if not isinstance(raw, dict):
            continue
        item = cast(dict[str, Any], raw)
        if "name" not in item or "value" not in item:
            continue
        jar.set(
            str(item["name"]),
            str(item["value"]),
            domain=str(item.get("domain", "")),
            path=str(item.get("path", "/")),
        )
        count += 1
    return count


def save_cookies(jar: httpx.Cookies, path: Path | None = None) -> None:
    """Write the cookies of *jar* atomically, readable only by the user."""
    path = path or cookie_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    items = [
        {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path}
        for c in jar.jar
        if c.value is not None
    ]
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(items, f)
    os.replace(tmp, path)


def clear_cookies(path: Path | None = None) -> None:
    path = path or cookie_file()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
