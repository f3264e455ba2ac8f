"""``backend.ai app`` (local proxy to a session's service) and ``backend.ai apps``."""

from __future__ import annotations

import asyncio
import shlex
from typing import Any

import click

from ._output import (
    as_dict,
    current,
    emit_json,
    emit_list,
    fail,
    print_done,
    print_info,
    print_warn,
)
from ._params import parse_key_values

__all__ = ["app", "apps", "parse_app_arguments"]


def parse_app_arguments(items: tuple[str, ...]) -> dict[str, Any]:
    """``--arg`` values as the 22.03 client sends them: ``"-P 123"`` -> ``{"-P": "123"}``, one
    token -> ``{tok: None}``, more tokens -> ``{first: [rest...]}``."""
    result: dict[str, Any] = {}
    for item in items:
        tokens = shlex.split(item)
        if not tokens:
            continue
        if len(tokens) == 1:
            result[tokens[0]] = None
        elif len(tokens) == 2:
            result[tokens[0]] = tokens[1]
        else:
            result[tokens[0]] = tokens[1:]
    return result


def _parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", bind
    try:
        number = int(port)
    except ValueError:
        raise click.BadParameter(
            f"{bind!r} is not HOST:PORT or PORT", param_hint="'-b' / '--bind'"
        ) from None
    if not 0 < number < 65536:
        raise click.BadParameter(f"port {number} is out of range", param_hint="'-b' / '--bind'")
    return host.strip("[]") or "127.0.0.1", number


@click.command()
@click.argument("session_name")
@click.argument("app_name", metavar="APP")
@click.option(
    "-b",
    "--bind",
    default="127.0.0.1:8080",
    show_default=True,
    help="The IP/host address and the port number to bind this proxy.",
)
@click.option("--arg", "args", multiple=True, help="Add additional argument when starting service.")
@click.option(
    "-e",
    "--env",
    "envs",
    multiple=True,
    metavar="KEY=VAL",
    help="Add additional environment variable when starting service.",
)
def app(
    session_name: str, app_name: str, bind: str, args: tuple[str, ...], envs: tuple[str, ...]
) -> None:
    """Run a local proxy to a service provided by Backend.AI compute sessions.

    Each connection to the local address opens a new tunnel to APP (e.g. jupyter, ttyd, sshd) of
    the session. Stop it with Ctrl+C.
    """
    host, port = _parse_bind(bind)
    env_map = parse_key_values(envs, "'-e' / '--env'")
    arguments = parse_app_arguments(args)

    async def serve() -> None:
        async with current().async_session() as api:
            cs = api.ComputeSession(session_name)
            services = {str(as_dict(s).get("name")): as_dict(s) for s in await cs.stream_app_info()}
            if app_name not in services:
                fail(
                    f"The session {session_name} has no app {app_name!r}"
                    + (f" (available: {', '.join(sorted(services))})." if services else ".")
                )
            protocol = str(services[app_name].get("protocol") or "tcp")
            if protocol == "preopen":
                protocol = "http"
            if protocol not in ("http", "tcp"):
                fail(f"The app {app_name!r} uses the {protocol} protocol, which cannot be proxied.")
            proxy = cs.stream_proxy(
                app_name,
                host=host,
                port=port,
                protocol="http" if protocol == "http" else "tcp",
                envs=env_map or None,
                arguments=arguments or None,
            )
            async with proxy:
                scheme = "http" if protocol == "http" else "tcp"
                print_done(
                    f'A local proxy to the application "{app_name}" provided by the session '
                    f'"{session_name}" is available at: {scheme}://{host}:{port}'
                )
                if host == "0.0.0.0":
                    print_warn("The proxy listens on every network interface.")
                print_info("Press Ctrl+C to stop.")
                await proxy.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        print_info("Shutting down the proxy.")


@click.command()
@click.argument("session_name")
@click.argument("app_names", nargs=-1, metavar="[APP_NAME]...")
@click.option("-l", "--list-names", is_flag=True, help="Just print all available services.")
def apps(session_name: str, app_names: tuple[str, ...], list_names: bool) -> None:
    """List available additional arguments and environment variables when starting service."""
    with current().session() as api:
        services = [as_dict(s) for s in api.ComputeSession(session_name).stream_app_info()]
    if app_names:
        services = [s for s in services if s.get("name") in app_names]
        missing = set(app_names) - {str(s.get("name")) for s in services}
        if missing:
            fail(f"No such app(s) in {session_name}: {', '.join(sorted(missing))}")
    if list_names and not current().json:
        for s in services:
            click.echo(s.get("name"))
        return
    if current().json:
        emit_json({"count": len(services), "total_count": len(services), "items": services})
        return
    emit_list(
        services,
        [
            ("name", "Name"),
            ("protocol", "Protocol"),
            ("ports", "Ports"),
            ("allowed_arguments", "Allowed arguments"),
            ("allowed_envs", "Allowed envs"),
        ],
    )
