"""``backend.ai dotfile``: files placed in every new session's home (user, domain or group scope)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ._output import current, emit_item, emit_list, emit_mutation, fail

__all__ = ["dotfile"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _scope_options(func: _F) -> _F:
    func = click.option(
        "-g", "--group", help="Group name or id of group dotfiles (a group name needs -d DOMAIN)."
    )(func)
    func = click.option("-d", "--domain", help="Domain name of domain dotfiles.")(func)
    func = click.option(
        "-o",
        "--owner",
        "--owner-access-key",
        "owner_access_key",
        help="The owner of user dotfiles (admins).",
    )(func)
    return func


def _read_data(file: str | None) -> str:
    if file:
        try:
            with open(file, encoding="utf-8") as f:
                return f.read()
        except OSError as e:
            fail(f"Cannot read the dotfile: {e.strerror or e}: {file}")
        except UnicodeDecodeError:
            fail(f"The dotfile is not UTF-8 text: {file}")
    if sys.stdin.isatty():
        fail("Give the content with -f FILE or on the standard input (e.g. < ~/.vimrc).")
    return sys.stdin.read()


def _content_options(command: _F) -> _F:
    """PATH, --perm, -f/--file and the scope options of ``create`` and ``update``."""
    for option in reversed(
        (
            click.argument("path"),
            click.option(
                "--perm",
                "permission",
                default="755",
                show_default=True,
                help="Linux permission in octal (e.g. 755).",
            ),
            click.option(
                "-f",
                "--file",
                "file",
                help="Path to dotfile to upload (default: the standard input).",
            ),
            _scope_options,
        )
    ):
        command = option(command)
    return command


@click.group()
def dotfile() -> None:
    """Provides dotfile operations."""


@dotfile.command()
@_content_options
def create(
    path: str,
    permission: str,
    file: str | None,
    owner_access_key: str | None,
    domain: str | None,
    group: str | None,
) -> None:
    """Store dotfile to Backend.AI Manager."""
    data = _read_data(file)
    with current().session() as api:
        api.Dotfile.create(
            data, path, permission, owner_access_key=owner_access_key, domain=domain, group=group
        )
    emit_mutation(True, f"Dotfile {path!r} is created.", path=path)


@dotfile.command(name="list")
@_scope_options
def list_(owner_access_key: str | None, domain: str | None, group: str | None) -> None:
    """List available user/domain/group dotfiles."""
    with current().session() as api:
        items = api.Dotfile.list_dotfiles(
            owner_access_key=owner_access_key, domain=domain, group=group
        )
    emit_list(items, ["path", "permission", "data"])


@dotfile.command()
@click.argument("path")
@_scope_options
def get(path: str, owner_access_key: str | None, domain: str | None, group: str | None) -> None:
    """Print dotfile content."""
    with current().session() as api:
        item = api.Dotfile(
            path, owner_access_key=owner_access_key, group=group, domain=domain
        ).get()
    if current().json:
        emit_item(item)
    else:
        click.echo(item.data or "", nl=False)


@dotfile.command()
@_content_options
def update(
    path: str,
    permission: str,
    file: str | None,
    owner_access_key: str | None,
    domain: str | None,
    group: str | None,
) -> None:
    """Update dotfile stored in Backend.AI Manager."""
    data = _read_data(file)
    with current().session() as api:
        api.Dotfile(path, owner_access_key=owner_access_key, group=group, domain=domain).update(
            data, permission
        )
    emit_mutation(True, f"Dotfile {path!r} is updated.", path=path)


@dotfile.command()
@click.argument("path")
@click.option("-f", "--force", is_flag=True, help="Delete dotfile without confirmation.")
@_scope_options
def delete(
    path: str, force: bool, owner_access_key: str | None, domain: str | None, group: str | None
) -> None:
    """Delete dotfile from Backend.AI Manager."""
    if not force and sys.stdin.isatty() and not current().json:
        click.confirm(f"Delete the dotfile {path!r}?", abort=True)
    with current().session() as api:
        api.Dotfile(path, owner_access_key=owner_access_key, group=group, domain=domain).delete()
    emit_mutation(True, f"Dotfile {path!r} is deleted.", path=path)
