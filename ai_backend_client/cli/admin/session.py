"""``backend.ai admin session``: the same ``list`` and ``info`` as ``session list`` (``ps``) and
``session info``, as in the 22.03 client, where the three are one command each."""

from __future__ import annotations

import click

from ..session import info, list_sessions

__all__ = ["session"]


@click.group()
def session() -> None:
    """Session administration commands."""


session.add_command(list_sessions, name="list")
session.add_command(info, name="info")
