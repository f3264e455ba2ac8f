"""``backend.ai admin etcd``."""

from __future__ import annotations

import json
from typing import Any, cast

import click

from .._output import current, emit_json
from ._common import mutation_done

__all__ = ["etcd"]


@click.group()
def etcd() -> None:
    """etcd query and manipulation commands."""


@etcd.command()
@click.argument("key")
@click.option("-p", "--prefix", is_flag=True, help="Get all keys under the prefix.")
def get(key: str, prefix: bool) -> None:
    """Get a ETCD value(s)."""
    with current().session() as api:
        value = api.EtcdConfig.get(key, prefix)
    if current().json:
        emit_json({"result": value})
    else:
        click.echo(json.dumps(value, indent=2, ensure_ascii=False) if prefix else str(value))


@etcd.command(name="set")
@click.argument("key")
@click.argument("value")
def set_(key: str, value: str) -> None:
    """Set new key and value on ETCD (a JSON object sets the keys under KEY)."""
    payload: str | dict[str, Any] = value
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        payload = cast(dict[str, Any], parsed)
    with current().session() as api:
        api.EtcdConfig.set(key, payload)
    mutation_done(None, f"{key} is set.")


@etcd.command()
@click.argument("key")
@click.option("-p", "--prefix", is_flag=True, help="Delete all keys under the prefix.")
def delete(key: str, prefix: bool) -> None:
    """Delete key(s) from ETCD."""
    with current().session() as api:
        api.EtcdConfig.delete(key, prefix)
    mutation_done(None, f"{key} is deleted.")
