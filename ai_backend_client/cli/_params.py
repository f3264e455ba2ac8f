"""Option parsing shared by ``run``, ``session create`` and ``create-from-template``."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import click

__all__ = [
    "CommaList",
    "ParamTypeBase",
    "default_session_name",
    "parse_env",
    "parse_key_values",
    "parse_mounts",
    "parse_ports",
    "read_bootstrap_script",
]


if TYPE_CHECKING:
    # click.ParamType is generic (value, input) only from click 8.2 on; the runtime floor is 8.1.
    ParamTypeBase = click.ParamType[Any, Any]
else:
    ParamTypeBase = click.ParamType


class CommaList(ParamTypeBase):
    """``a,b,c`` -> ``["a", "b", "c"]`` (the official client's "List Expression")."""

    name = "List Expression"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (list, tuple)):
            return [str(v) for v in cast("Sequence[Any]", value)]
        return [v.strip() for v in str(value).split(",") if v.strip()]


def default_session_name() -> str:
    """``pysdk-`` and 10 hex digits, as the official client names unnamed sessions."""
    return "pysdk-" + secrets.token_hex(5)


def parse_key_values(items: Iterable[str], option: str) -> dict[str, str]:
    """``KEY=VALUE`` items -> mapping (values stay strings, as the official client sends them)."""
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not of the form KEY=VALUE", param_hint=option)
        result[key.strip()] = value
    return result


def parse_env(items: Iterable[str]) -> dict[str, str]:
    return parse_key_values(items, "'-e' / '--env'")


def parse_mounts(items: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """``NAME``, ``NAME:PATH`` or ``NAME=PATH`` -> (vfolder names, name -> mount path)."""
    names: list[str] = []
    mount_map: dict[str, str] = {}
    for item in items:
        for sep in ("=", ":"):
            if sep in item:
                name, _, path = item.partition(sep)
                break
        else:
            name, path = item, ""
        name = name.strip()
        if not name:
            raise click.BadParameter(f"{item!r} names no vfolder", param_hint="'-m' / '--mount'")
        if name not in names:
            names.append(name)
        if path:
            mount_map[name] = path
    return names, mount_map


def parse_ports(values: Sequence[str] | None) -> list[int] | None:
    if not values:
        return None
    ports: list[int] = []
    for v in values:
        try:
            port = int(v)
        except ValueError:
            raise click.BadParameter(
                f"{v!r} is not a port number", param_hint="'--preopen'"
            ) from None
        if not 1024 <= port <= 65535:
            raise click.BadParameter(f"port {port} is outside 1024-65535", param_hint="'--preopen'")
        ports.append(port)
    return ports


def read_bootstrap_script(file: Any) -> str | None:
    """A ``--bootstrap-script`` file, base64-encoded as the server wants it."""
    if file is None:
        return None
    data = file.read()
    raw = data if isinstance(data, bytes) else str(data).encode("utf-8")
    if not raw.strip():
        raise click.BadParameter("the bootstrap script is empty", param_hint="'--bootstrap-script'")
    return base64.b64encode(raw).decode("ascii")
