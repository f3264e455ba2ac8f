"""``backend.ai deployment``: 26.09's model deployments, with the official 26.9.6 names."""

from __future__ import annotations

import json
from typing import IO, Any, cast

import click

from ._output import as_dict, current, emit_item, emit_list, emit_mutation, fail

__all__ = ["deployment"]

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
    """Create a new deployment from a JSON configuration file."""
    try:
        loaded: object = json.load(file)
    except ValueError as e:
        fail(f"The configuration file is not JSON: {e}")
    if not isinstance(loaded, dict):
        fail("The configuration file must hold a JSON object.")
    config = cast("dict[str, Any]", loaded)
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
@click.argument("deployment_id")
@click.argument("revision_id")
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
