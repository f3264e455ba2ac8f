"""``backend.ai deployment``: 26.09's model deployments, with the official 26.9.6 names."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any, TypeVar, cast

import click

from ._output import as_dict, current, emit_item, emit_list, emit_mutation, fail, print_item

__all__ = ["deployment"]

_F = TypeVar("_F", bound=Callable[..., Any])

LIST_COLUMNS = [
    ("id", "Deployment ID"),
    ("name", "Name"),
    ("status", "Status"),
    ("replicas", "Replicas"),
    ("resource_group", "Resource Group"),
    ("created_at", "Created At"),
]
ROUTE_COLUMNS = [
    ("id", "Route ID"),
    ("session_id", "Session ID"),
    ("status", "Status"),
    ("health_status", "Health"),
    ("traffic_status", "Traffic"),
    ("traffic_ratio", "Traffic Ratio"),
]


def _row(node: object) -> dict[str, Any]:
    """A deployment as one flat table row (the metadata and replica counts lifted up)."""
    data = as_dict(node)
    meta: dict[str, Any] = data.get("metadata") or {}
    replicas: dict[str, Any] = data.get("replica_state") or {}
    return {
        **data,
        "name": meta.get("name"),
        "status": meta.get("status"),
        "resource_group": meta.get("resource_group_name"),
        "created_at": meta.get("created_at"),
        "replicas": replicas.get("desired_replica_count"),
    }


def _json_object(file: IO[str]) -> dict[str, Any]:
    try:
        loaded: object = json.load(file)
    except ValueError as e:
        fail(f"The configuration file is not JSON: {e}")
    if not isinstance(loaded, dict):
        fail("The configuration file must hold a JSON object.")
    return cast("dict[str, Any]", loaded)


def _changed(
    msg: str, item: object, columns: list[tuple[str, str]] | None = None, **extra: Any
) -> None:
    """A change and what it made: the mutation envelope with ``item``, or the ✔ line and the
    item's fields."""
    emit_mutation(True, msg, **extra, item=as_dict(item))
    if not current().json:
        print_item(item, columns)


def _deployment_and_revision(func: _F) -> _F:
    """The arguments ``DEPLOYMENT_ID REVISION_ID`` of the revision commands."""
    return click.argument("deployment_id")(click.argument("revision_id")(func))


@click.group()
def deployment() -> None:
    """Set of deployment operations (deployments, revisions, routes)"""


@deployment.command(name="list")
@click.option("--project-id", default=None, help="Filter by project ID")
@click.option("--limit", default=20, type=int, help="Maximum items to return")
@click.option("--offset", default=0, type=int, help="Number of items to skip")
def list_deployments(project_id: str | None, limit: int, offset: int) -> None:
    """List all deployments."""
    with current().session() as api:
        result = api.Deployment.list(project_id, limit=limit, offset=offset)
    emit_list([_row(i) for i in result.items], LIST_COLUMNS, total_count=result.total_count)


@deployment.command()
@click.argument("deployment_id")
def info(deployment_id: str) -> None:
    """Display detailed information of a deployment."""
    with current().session() as api:
        node = api.Deployment(deployment_id).info()
    emit_item(_row(node) if not current().json else node)


@deployment.command()
@click.option(
    "-f",
    "--file",
    "file",
    type=click.File("r"),
    required=True,
    help="Path to JSON configuration file for deployment",
)
def create(file: IO[str]) -> None:
    """Create a new deployment from a JSON configuration file.

    The file is the official client's: metadata, network_access,
    default_deployment_strategy, replica_count and, optionally, an initial_revision
    (as in "deployment revision add"), which is activated at once.
    """
    config = _json_object(file)
    with current().session() as api:
        result = api.Deployment.create(config)
    node = result.deployment
    emit_mutation(True, f"Deployment {node.id} is created.", id=str(node.id), item=as_dict(node))


@deployment.command()
@click.argument("deployment_id")
@click.option("--name", default=None, help="Update deployment name")
@click.option("--replicas", default=None, type=int, help="Update replica count")
def update(deployment_id: str, name: str | None, replicas: int | None) -> None:
    """Update a deployment."""
    with current().session() as api:
        result = api.Deployment(deployment_id).update(name=name, replicas=replicas)
    emit_mutation(True, f"Deployment {deployment_id} is updated.", item=as_dict(result.deployment))


@deployment.command()
@click.argument("deployment_id")
@click.option("--yes", is_flag=True, help="Confirm the action without prompting.")
def destroy(deployment_id: str, yes: bool) -> None:
    """Destroy a deployment."""
    if not yes and not current().json:
        click.confirm(f"Destroy deployment {deployment_id}?", abort=True)
    with current().session() as api:
        api.Deployment(deployment_id).destroy()
    emit_mutation(True, f"Deployment {deployment_id} is destroyed.", id=deployment_id)


@deployment.group()
def route() -> None:
    """Manage deployment routes"""


@route.command(name="list")
@click.argument("deployment_id")
@click.option("--limit", default=20, type=int, help="Maximum items to return")
@click.option("--offset", default=0, type=int, help="Number of items to skip")
def list_routes(deployment_id: str, limit: int, offset: int) -> None:
    """List routes for a deployment."""
    with current().session() as api:
        result = api.Deployment(deployment_id).routes(limit=limit, offset=offset)
    emit_list([as_dict(r) for r in result.items], ROUTE_COLUMNS, total_count=result.total_count)


REVISION_COLUMNS = [
    ("id", "Revision ID"),
    ("revision_number", "Number"),
    ("image_id", "Image ID"),
    ("created_at", "Created At"),
]


@deployment.group()
def revision() -> None:
    """Manage deployment revisions"""


@revision.command(name="list")
@click.argument("deployment_id")
@click.option("--limit", default=20, type=int, help="Maximum items to return")
@click.option("--offset", default=0, type=int, help="Number of items to skip")
def list_revisions(deployment_id: str, limit: int, offset: int) -> None:
    """List revisions for a deployment."""
    with current().session() as api:
        result = api.Deployment(deployment_id).revisions(limit=limit, offset=offset)
    emit_list([as_dict(r) for r in result.items], REVISION_COLUMNS, total_count=result.total_count)


@revision.command(name="info")
@_deployment_and_revision
def revision_info(deployment_id: str, revision_id: str) -> None:
    """Display detailed information of a revision."""
    with current().session() as api:
        found = api.Deployment(deployment_id).revision(revision_id)
    emit_item(found)


@deployment.group()
def policy() -> None:
    """Manage deployment policies."""


@policy.command(name="info")
@click.argument("deployment_id")
def policy_info(deployment_id: str) -> None:
    """Display the deployment policy."""
    with current().session() as api:
        found = api.Deployment(deployment_id).policy()
    emit_item(found.policy)


@route.command(name="traffic")
@click.argument("deployment_id")
@click.argument("route_id")
@click.option("--activate", "traffic_status", flag_value="active", help="Enable traffic")
@click.option("--deactivate", "traffic_status", flag_value="inactive", help="Disable traffic")
def route_traffic(deployment_id: str, route_id: str, traffic_status: str | None) -> None:
    """Update route traffic status."""
    if traffic_status is None:
        fail("Must specify either --activate or --deactivate", exit_code=2)
    with current().session() as api:
        found = api.Deployment(deployment_id).set_route_traffic(
            route_id, cast("Any", traffic_status)
        )
    _changed(f"Route traffic status updated: {route_id}", found, ROUTE_COLUMNS)


ADDED_REVISION_COLUMNS = [
    ("id", "Revision ID"),
    ("image_id", "Image ID"),
    ("cluster_config", "Cluster"),
    ("resource_config", "Resources"),
    ("model_mount_config", "Model Mount"),
    ("created_at", "Created At"),
]


@revision.command(name="add")
@click.argument("deployment_id")
@click.option(
    "-f",
    "--file",
    "file",
    type=click.File("r"),
    required=True,
    help="Path to JSON configuration file for the revision",
)
def revision_add(deployment_id: str, file: IO[str]) -> None:
    """Add a new revision to an existing deployment.

    The configuration file should contain the following structure: {"revision": {"name":
    "optional string", "cluster_config": {"mode": "single-node", "size": 1},
    "resource_config": {"resource_slots": {}}, "image": {"id": "uuid"},
    "model_runtime_config": {"runtime_variant": "CUSTOM"}, "model_mount_config":
    {"vfolder_id": "uuid", "definition_path": "string"}, "extra_mounts": [{"vfolder_id":
    "uuid", "mount_destination": "/path"}]}}, optionally with "options": {"auto_activate":
    true}.
    """
    config = _json_object(file)
    revision_config = config.get("revision")
    if not isinstance(revision_config, dict):
        fail('The configuration file must hold a "revision" object.')
    options: object = config.get("options")
    auto_activate: object = None
    if isinstance(options, dict):
        auto_activate = cast("dict[str, Any]", options).get("auto_activate")
    if auto_activate is not None and not isinstance(auto_activate, bool):
        fail('"options": {"auto_activate": ...} must be true or false.')
    with current().session() as api:
        result = api.Deployment(deployment_id).add_revision(
            cast("dict[str, Any]", revision_config), auto_activate=auto_activate
        )
    _changed(f"Revision added: {result.revision.id}", result.revision, ADDED_REVISION_COLUMNS)


@revision.command(name="activate")
@_deployment_and_revision
def revision_activate(deployment_id: str, revision_id: str) -> None:
    """Activate a revision."""
    with current().session() as api:
        result = api.Deployment(deployment_id).activate_revision(revision_id)
    previous = result.previous_revision_id
    emit_mutation(
        True,
        f"Revision activated: {result.activated_revision_id}"
        + (f" (was {previous})" if previous else ""),
        id=str(result.activated_revision_id),
        previous_revision_id=str(previous) if previous else None,
    )


@revision.command(name="deactivate")
@_deployment_and_revision
def revision_deactivate(deployment_id: str, revision_id: str) -> None:
    """Deactivate a revision."""
    with current().session() as api:
        result = api.Deployment(deployment_id).deactivate_revision(revision_id)
    if not result.success:
        fail(f"Failed to deactivate revision: {revision_id}")
    emit_mutation(True, f"Revision deactivated: {revision_id}", id=revision_id)


POLICY_COLUMNS = [
    ("id", "Policy ID"),
    ("deployment_id", "Deployment ID"),
    ("strategy", "Strategy"),
    ("strategy_spec", "Strategy Spec"),
    ("updated_at", "Updated At"),
]


@policy.command(name="update")
@click.argument("deployment_id")
@click.option(
    "--strategy",
    type=click.Choice(["ROLLING", "BLUE_GREEN"], case_sensitive=False),
    metavar="DEPLOYMENT_STRATEGY",
    required=True,
    help="Rollout strategy for new revisions. ROLLING replaces replicas gradually with "
    "configurable concurrency limits. BLUE_GREEN runs two parallel environments and switches "
    "traffic atomically.",
)
@click.option(
    "--max-surge",
    type=int,
    default=None,
    help="Maximum number of extra replicas that can be created beyond the desired count during "
    "a rolling update. Only applicable when --strategy is ROLLING. [default: 1]",
)
@click.option(
    "--max-unavailable",
    type=int,
    default=None,
    help="Maximum number of replicas that can be unavailable during a rolling update. Only "
    "applicable when --strategy is ROLLING. [default: 0]",
)
@click.option(
    "--auto-promote/--no-auto-promote",
    default=None,
    help="Automatically promote the new (green) environment to receive production traffic "
    "after the promote delay. Only applicable when --strategy is BLUE_GREEN.",
)
@click.option(
    "--promote-delay",
    type=int,
    default=None,
    help="Number of seconds to wait before auto-promoting the new environment. Only applicable "
    "when --strategy is BLUE_GREEN and --auto-promote is set.",
)
def policy_update(
    deployment_id: str,
    strategy: str,
    max_surge: int | None,
    max_unavailable: int | None,
    auto_promote: bool | None,
    promote_delay: int | None,
) -> None:
    """Update the deployment policy. Creates one if it does not exist yet."""
    strategy = strategy.upper()
    if strategy == "ROLLING":
        if auto_promote is not None or promote_delay is not None:
            raise click.UsageError("--auto-promote and --promote-delay are for BLUE_GREEN")
        # the official client's defaults for the rolling update
        options: dict[str, Any] = {
            "max_surge": 1 if max_surge is None else max_surge,
            "max_unavailable": 0 if max_unavailable is None else max_unavailable,
        }
    else:
        if max_surge is not None or max_unavailable is not None:
            raise click.UsageError("--max-surge and --max-unavailable are for ROLLING")
        if auto_promote is None or promote_delay is None:
            raise click.UsageError(
                "--auto-promote/--no-auto-promote and --promote-delay are required "
                "when --strategy is BLUE_GREEN"
            )
        options = {"auto_promote": auto_promote, "promote_delay_seconds": promote_delay}
    with current().session() as api:
        result = api.Deployment(deployment_id).update_policy(cast("Any", strategy), **options)
    done = "created" if result.created else "updated"
    _changed(
        f"Deployment policy {done} for: {deployment_id}",
        result.deployment_policy,
        POLICY_COLUMNS,
        created=result.created,
    )
