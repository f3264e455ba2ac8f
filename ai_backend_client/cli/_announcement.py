"""The manager's announcement: shown once per command on stderr until dismissed.

Opening the first API session of a console-mode command fetches ``GET /manager/announcement``
(``APIConfig.announcement_handler``, see :meth:`CLIContext.api_config`). An enabled announcement
is printed on stderr unless ``backend.ai admin announcement dismiss`` recorded its hash in
``<user_state_dir>/announcement.json`` as ``{"hash": <sha256 of the message>, "dismissed": true}``.
Nothing here may fail a command: every problem is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import click

__all__ = ["announcement_hash", "dismiss", "is_dismissed", "show_announcement", "state_path"]


def state_path() -> Path:
    from ..config import user_state_dir

    return user_state_dir() / "announcement.json"


def announcement_hash(message: str) -> str:
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


def _load_state() -> dict[str, Any]:
    try:
        data = json.loads(state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}  # pyright: ignore[reportUnknownVariableType]


def is_dismissed(message: str) -> bool:
    state = _load_state()
    return state.get("hash") == announcement_hash(message) and state.get("dismissed") is True


def dismiss(message: str) -> Path:
    """Record *message* as dismissed (atomically replaces the state file); return its path."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps({"hash": announcement_hash(message), "dismissed": True}), encoding="utf-8"
    )
    os.replace(tmp, path)
    return path


def show_announcement(message: str) -> None:
    """The ``announcement_handler`` of CLI sessions: print *message* unless it was dismissed."""
    try:
        if not message.strip() or is_dismissed(message):
            return
        click.secho("Announcement:", err=True, fg="yellow", bold=True)
        for line in message.strip().splitlines():
            click.secho(f"  {line}", err=True, fg="yellow")
        click.secho(
            '  (hide it with "backend.ai admin announcement dismiss")', err=True, fg="bright_black"
        )
    except Exception:  # an announcement must never break a command
        pass
