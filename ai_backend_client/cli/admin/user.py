"""``backend.ai admin user``."""

from __future__ import annotations

import click

from .._output import current, emit_item
from ._common import list_options, mutation_done, show_page

__all__ = ["user"]

COLUMNS = [
    ("uuid", "UUID"),
    ("username", "Username"),
    ("role", "Role"),
    ("email", "Email"),
    ("full_name", "Full Name"),
    ("need_password_change", "Need Password Change"),
    ("status", "Status"),
    ("status_info", "Status Info"),
    ("created_at", "Created At"),
    ("domain_name", "Domain Name"),
    ("groups", "Groups"),
]


@click.group()
def user() -> None:
    """User administration commands."""


@user.command(name="list")
@click.option("-s", "--status", default=None, help="active, inactive, deleted, before-verification")
@click.option("-g", "--group", default=None, help="Only members of this group (project) ID.")
@list_options
def list_users(
    status: str | None,
    group: str | None,
    filter_: str | None,
    order: str | None,
    offset: int,
    limit: int,
    all_: bool,
) -> None:
    """List users."""
    with current().session() as api:
        show_page(
            lambda off, lim: api.User.paginated_list(
                status, group, page_offset=off, page_size=lim, filter=filter_, order=order
            ),
            lambda: api.User.iter_all(status, group, filter=filter_, order=order),
            COLUMNS,
            offset=offset,
            limit=limit,
            all_=all_,
        )


@user.command()
@click.option("-e", "--email", default=None, help="Another user than the requester.")
def info(email: str | None) -> None:
    """Show the information about the given user by email (the requester by default)."""
    with current().session() as api:
        emit_item(api.User.detail(email), COLUMNS)


@user.command()
@click.argument("domain_name")
@click.argument("email")
@click.argument("password")
@click.option("-u", "--username", default=None)
@click.option("-n", "--full-name", default=None)
@click.option("-r", "--role", default="user", show_default=True)
@click.option("-s", "--status", default="active", show_default=True)
@click.option("--need-password-change", is_flag=True)
@click.option("--description", default="")
@click.option("-g", "--group", "groups", multiple=True, help="Group (project) IDs to join.")
def add(
    domain_name: str,
    email: str,
    password: str,
    username: str | None,
    full_name: str | None,
    role: str,
    status: str,
    need_password_change: bool,
    description: str,
    groups: tuple[str, ...],
) -> None:
    """Add new user."""
    with current().session() as api:
        result = api.User.create(
            domain_name,
            email,
            password,
            username,
            full_name,
            role,
            status,
            need_password_change,
            description,
            list(groups) or None,
        )
    created = result.user
    mutation_done(result, f"User {email} created.", uuid=str(created.uuid) if created else None)


@user.command()
@click.argument("email")
@click.option("-p", "--password", default=None)
@click.option("-u", "--username", default=None)
@click.option("-n", "--full-name", default=None)
@click.option("-d", "--domain-name", default=None)
@click.option("-r", "--role", default=None)
@click.option("-s", "--status", default=None)
@click.option(
    "--need-password-change/--no-need-password-change",
    default=None,
    help="Make the user change the password at the next login (or not).",
)
@click.option("--description", default=None)
def update(
    email: str,
    password: str | None,
    username: str | None,
    full_name: str | None,
    domain_name: str | None,
    role: str | None,
    status: str | None,
    need_password_change: bool | None,
    description: str | None,
) -> None:
    """Update an existing user (only the given properties change)."""
    with current().session() as api:
        api.User.update(
            email,
            password,
            username,
            full_name,
            domain_name,
            role,
            status,
            need_password_change,
            description,
        )
    mutation_done(None, f"User {email} updated.")


@user.command()
@click.argument("email")
def delete(email: str) -> None:
    """Inactivate an existing user."""
    with current().session() as api:
        api.User.delete(email)
    mutation_done(None, f"User {email} deleted.")


@user.command()
@click.argument("email")
@click.option("--purge-shared-vfolders", is_flag=True)
def purge(email: str, purge_shared_vfolders: bool) -> None:
    """Delete an existing user. This action cannot be undone."""
    with current().session() as api:
        api.User.purge(email, purge_shared_vfolders)
    mutation_done(None, f"User {email} purged.")
