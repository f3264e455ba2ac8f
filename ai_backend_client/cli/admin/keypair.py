"""``backend.ai admin keypair`` and ``keypair-resource-policy``."""

from __future__ import annotations

from typing import Any

import click

from .._output import current, emit_item, emit_list
from ._common import list_options, mutation_done, parse_json_option, show_page

__all__ = ["keypair", "keypair_resource_policy"]

KEYPAIR_COLUMNS = [
    ("user_id", "User ID"),
    ("access_key", "Access Key"),
    ("secret_key", "Secret Key"),
    ("is_active", "Active?"),
    ("is_admin", "Admin?"),
    ("created_at", "Created At"),
    ("last_used", "Last Used"),
    ("resource_policy", "Res.Policy"),
    ("rate_limit", "Rate Limit"),
    ("concurrency_used", "Concur.Used"),
]


@click.group()
def keypair() -> None:
    """KeyPair administration commands."""


@keypair.command(name="list")
@click.option("-u", "--user-id", default=None, help="Only this user's keypairs (email).")
@click.option("--is-active", type=bool, default=None, help="Filter by the active state.")
@list_options
def list_keypairs(
    user_id: str | None,
    is_active: bool | None,
    filter_: str | None,
    order: str | None,
    offset: int,
    limit: int,
    all_: bool,
) -> None:
    """List keypairs."""
    with current().session() as api:
        show_page(
            lambda off, lim: api.KeyPair.paginated_list(
                is_active,
                user_id=user_id,
                page_offset=off,
                page_size=lim,
                filter=filter_,
                order=order,
            ),
            lambda: api.KeyPair.iter_all(is_active, user_id=user_id, filter=filter_, order=order),
            KEYPAIR_COLUMNS,
            offset=offset,
            limit=limit,
            all_=all_,
        )


@keypair.command()
@click.option("-a", "--access-key", default=None, help="Another keypair than the configured one.")
def info(access_key: str | None) -> None:
    """Show the server-side information of the currently configured access key."""
    with current().session() as api:
        emit_item(api.KeyPair(access_key or api.config.access_key).info(), KEYPAIR_COLUMNS)


@keypair.command()
@click.argument("user_id")
@click.argument("resource_policy")
@click.option("-a", "--admin", "is_admin", is_flag=True, help="Give the keypair admin privileges.")
@click.option("-i", "--inactive", is_flag=True, help="Create it inactive.")
@click.option(
    "-r", "--rate-limit", type=int, default=5000, show_default=True, help="Requests per 15 minutes."
)
def add(
    user_id: str, resource_policy: str, is_admin: bool, inactive: bool, rate_limit: int
) -> None:
    """Add a new keypair."""
    with current().session() as api:
        result = api.KeyPair.create(user_id, not inactive, is_admin, resource_policy, rate_limit)
    keys = result.keypair
    mutation_done(
        result,
        f"Keypair created: access key {keys.access_key if keys else '?'}",
        access_key=keys.access_key if keys else None,
        secret_key=keys.secret_key if keys else None,
    )


@keypair.command()
@click.argument("access_key")
@click.option("--resource-policy", default=None)
@click.option("--is-admin", type=bool, default=None)
@click.option("--is-active", type=bool, default=None)
@click.option("-r", "--rate-limit", type=int, default=None, help="Set the API query rate limit.")
def update(
    access_key: str,
    resource_policy: str | None,
    is_admin: bool | None,
    is_active: bool | None,
    rate_limit: int | None,
) -> None:
    """Update an existing keypair."""
    with current().session() as api:
        api.KeyPair.update(access_key, is_active, is_admin, resource_policy, rate_limit)
    mutation_done(None, f"Keypair {access_key} updated.")


@keypair.command()
@click.argument("access_key")
def delete(access_key: str) -> None:
    """Delete an existing keypair."""
    with current().session() as api:
        api.KeyPair.delete(access_key)
    mutation_done(None, f"Keypair {access_key} deleted.")


@keypair.command()
@click.argument("access_key")
def activate(access_key: str) -> None:
    """Activate an inactivated keypair."""
    with current().session() as api:
        api.KeyPair.activate(access_key)
    mutation_done(None, f"Keypair {access_key} activated.")


@keypair.command()
@click.argument("access_key")
def deactivate(access_key: str) -> None:
    """Deactivate an active keypair."""
    with current().session() as api:
        api.KeyPair.deactivate(access_key)
    mutation_done(None, f"Keypair {access_key} deactivated.")


POLICY_COLUMNS = [
    ("name", "Name"),
    ("created_at", "Created At"),
    ("default_for_unspecified", "Default for Unspecified"),
    ("total_resource_slots", "Total Resource Slot"),
    ("max_concurrent_sessions", "Max Concurrent Sessions"),
    ("max_containers_per_session", "Max Containers per Session"),
    ("max_vfolder_count", "Max vfolder count"),
    ("max_vfolder_size", "Max vfolder size"),
    ("idle_timeout", "Idle Timeout"),
    ("allowed_vfolder_hosts", "Allowed vfolder hosts"),
]


@click.group(name="keypair-resource-policy")
def keypair_resource_policy() -> None:
    """KeyPair resource policy administration commands."""


@keypair_resource_policy.command(name="list")
def list_policies() -> None:
    """List and manage keypair resource policies."""
    with current().session() as api:
        emit_list(api.KeyPairResourcePolicy.list(), POLICY_COLUMNS)


@keypair_resource_policy.command(name="info")
@click.argument("name", required=False)
def policy_info(name: str | None) -> None:
    """Show details about a keypair resource policy (the requester's without NAME)."""
    with current().session() as api:
        emit_item(api.KeyPairResourcePolicy(api.config.access_key).info(name), POLICY_COLUMNS)


def _policy_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option(
                "--default-for-unspecified",
                type=click.Choice(["LIMITED", "UNLIMITED"]),
                default=None,
            ),
            click.option(
                "--total-resource-slots", default=None, help='JSON, e.g. \'{"cpu": "4"}\'.'
            ),
            click.option("--max-concurrent-sessions", type=int, default=None),
            click.option("--max-containers-per-session", type=int, default=None),
            click.option("--max-vfolder-count", type=int, default=None),
            click.option("--max-vfolder-size", type=int, default=None),
            click.option("--idle-timeout", type=int, default=None),
            click.option(
                "--allowed-vfolder-hosts",
                default=None,
                help="JSON list (22.03) or mapping (24.09).",
            ),
        ]
    ):
        func = option(func)
    return func


@keypair_resource_policy.command(name="add")
@click.argument("name")
@_policy_options
def add_policy(name: str, **opts: Any) -> None:
    """Add a new keypair resource policy."""
    slots = parse_json_option(opts.pop("total_resource_slots"), "--total-resource-slots")
    hosts = parse_json_option(opts.pop("allowed_vfolder_hosts"), "--allowed-vfolder-hosts")
    given = {k: v for k, v in opts.items() if v is not None}
    with current().session() as api:
        api.KeyPairResourcePolicy.create(
            name, total_resource_slots=slots, allowed_vfolder_hosts=hosts, **given
        )
    mutation_done(None, f"Keypair resource policy {name} created.")


@keypair_resource_policy.command(name="update")
@click.argument("name")
@_policy_options
def update_policy(name: str, **opts: Any) -> None:
    """Update an existing keypair resource policy."""
    slots = parse_json_option(opts.pop("total_resource_slots"), "--total-resource-slots")
    hosts = parse_json_option(opts.pop("allowed_vfolder_hosts"), "--allowed-vfolder-hosts")
    with current().session() as api:
        api.KeyPairResourcePolicy.update(
            name, total_resource_slots=slots, allowed_vfolder_hosts=hosts, **opts
        )
    mutation_done(None, f"Keypair resource policy {name} updated.")


@keypair_resource_policy.command(name="delete")
@click.argument("name")
def delete_policy(name: str) -> None:
    """Delete a keypair resource policy."""
    with current().session() as api:
        api.KeyPairResourcePolicy.delete(name)
    mutation_done(None, f"Keypair resource policy {name} deleted.")
