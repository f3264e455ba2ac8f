"""``backend.ai service``: model services (inference endpoints), with the official 26.9.6 names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from ._output import (
    as_dict,
    current,
    emit_item,
    emit_json,
    emit_list,
    emit_mutation,
    item_envelope,
)
from ._params import parse_env, parse_key_values, parse_mounts

if TYPE_CHECKING:
    from ..func._async.service import ServiceOptions

__all__ = ["service"]

_F = TypeVar("_F", bound=Callable[..., Any])

LIST_COLUMNS = [
    ("endpoint_id", "Service ID"),
    ("name", "Name"),
    ("status", "Status"),
    ("desired_session_count", "Sessions"),
    ("active_routes", "Healthy"),
    ("url", "Endpoint"),
    ("open_to_public", "Public"),
]
INFO_COLUMNS = [
    ("endpoint_id", "Service ID"),
    ("name", "Name"),
    ("model_id", "Model"),
    ("model_definition_path", "Model Definition"),
    ("desired_session_count", "Sessions"),
    ("active_routes", "Healthy Routes"),
    ("service_endpoint", "Endpoint"),
    ("is_public", "Public"),
    ("runtime_variant", "Runtime"),
]
ROUTE_COLUMNS = [
    ("routing_id", "Route ID"),
    ("session", "Session ID"),
    ("status", "Status"),
    ("traffic_ratio", "Traffic Ratio"),
    ("created_at", "Created At"),
]


@click.group()
def service() -> None:
    """Set of service operations"""


def _session_options(func: _F) -> _F:
    """The options ``create`` and ``try-start`` share (the official client's names)."""
    options = [
        click.option("-t", "--name", metavar="NAME", default=None),
        click.option("--model-version", metavar="VERSION", type=int, default=None),
        click.option("--model-mount-destination", metavar="PATH", default="/models"),
        click.option(
            "-e",
            "--env",
            "envs",
            metavar="KEY=VAL",
            multiple=True,
            help="Environment variable (may appear multiple times)",
        ),
        click.option(
            "--bootstrap-script",
            type=click.File("r"),
            default=None,
            metavar="PATH",
            help="A user-defined script to execute on startup.",
        ),
        click.option(
            "-c",
            "--startup-command",
            metavar="COMMAND",
            default=None,
            help="Set the command to execute for batch-type sessions.",
        ),
        click.option(
            "-r",
            "--resources",
            metavar="KEY=VAL",
            multiple=True,
            help="Set computation resources used by the session (e.g: -r cpu=2 -r mem=256m).",
        ),
        click.option(
            "--resource-opts",
            metavar="KEY=VAL",
            multiple=True,
            help="Resource options for creating compute session (e.g: shmem=64m)",
        ),
        click.option("--cluster-size", metavar="NUMBER", type=int, default=1),
        click.option(
            "--cluster-mode",
            metavar="MODE",
            type=click.Choice(["single-node", "multi-node"]),
            default="single-node",
        ),
        click.option("-d", "--domain", default=None),
        click.option("-p", "--project", default=None),
        click.option("--tag", default=None, help="User-defined tag string to annotate sessions."),
        click.option("--arch", "--architecture", "architecture", metavar="ARCH_NAME", default=None),
        click.option(
            "--scaling-group",
            "--sgroup",
            "scaling_group",
            default=None,
            help="The resource group to run the inference sessions in.",
        ),
        click.option(
            "-o", "--owner", "--owner-access-key", "owner_access_key", metavar="ACCESS_KEY"
        ),
        click.option(
            "--public",
            "--expose-to-public",
            "expose_to_public",
            is_flag=True,
            help="No authentication is required to use the service's API endpoint.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(
    *,
    name: str | None,
    model_version: int | None,
    model_mount_destination: str | None,
    envs: Sequence[str],
    bootstrap_script: IO[str] | None,
    startup_command: str | None,
    resources: Sequence[str],
    resource_opts: Sequence[str],
    cluster_size: int,
    cluster_mode: str,
    domain: str | None,
    project: str | None,
    tag: str | None,
    architecture: str | None,
    scaling_group: str | None,
    owner_access_key: str | None,
    expose_to_public: bool,
    mounts: Sequence[str] = (),
    model_definition_path: str | None = None,
    runtime_variant: str | None = None,
) -> ServiceOptions:
    if scaling_group is None:
        raise click.UsageError("a model service needs a resource group: give --scaling-group")
    names, mount_map = parse_mounts(mounts)
    found: dict[str, Any] = {
        "name": name,
        "model_version": model_version,
        "model_mount_destination": model_mount_destination,
        "model_definition_path": model_definition_path,
        "extra_mounts": {n: mount_map.get(n, "") for n in names} or None,
        "envs": parse_env(envs) or None,
        "bootstrap_script": bootstrap_script.read() if bootstrap_script else None,
        "startup_command": startup_command,
        "resources": parse_key_values(resources, "'-r' / '--resources'") or None,
        "resource_opts": parse_key_values(resource_opts, "'--resource-opts'") or None,
        "cluster_size": cluster_size,
        "cluster_mode": cluster_mode,
        "domain_name": domain,
        "group_name": project,
        "tag": tag,
        "architecture": architecture,
        "scaling_group": scaling_group,
        "owner_access_key": owner_access_key,
        "expose_to_public": expose_to_public,
        "runtime_variant": runtime_variant,
    }
    options: ServiceOptions = {k: v for k, v in found.items() if v is not None}  # type: ignore[assignment]
    return options


@service.command(name="list")
@click.option("--filter", "filter_", default=None, help="Set the query filter expression.")
@click.option("--order", default=None, help="Set the query ordering expression.")
@click.option("--offset", default=0, type=int, help="The index of the current page start.")
@click.option("--limit", default=20, type=int, help="The page size for pagination.")
def list_services(filter_: str | None, order: str | None, offset: int, limit: int) -> None:
    """List the service endpoints."""
    with current().session() as api:
        result = api.Service.paginated_list(
            page_offset=offset, page_size=limit, filter=filter_, order=order
        )
    rows: list[dict[str, Any]] = []
    for item in result.items:
        row = as_dict(item)
        row["active_routes"] = sum(
            1 for r in item.routings or () if r is not None and r.status == "HEALTHY"
        )
        rows.append(row)
    emit_list(rows, LIST_COLUMNS, total_count=result.total_count)


@service.command()
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
def info(service_name_or_id: str) -> None:
    """Display the detail of a service endpoint with its backing inference session."""
    with current().session() as api:
        svc = api.Service(service_name_or_id)
        detail = svc.info()
        routes = svc.routes()
    if current().json:
        emit_json(item_envelope({**as_dict(detail), "routings": [as_dict(r) for r in routes]}))
        return
    row = as_dict(detail)
    row["active_routes"] = len(detail.active_routes)
    emit_item(row, INFO_COLUMNS)
    if routes:
        click.echo()
        emit_list([as_dict(r) for r in routes], ROUTE_COLUMNS)


@service.command()
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
def routes(service_name_or_id: str) -> None:
    """List the routes (inference sessions) of a service, with their status."""
    with current().session() as api:
        found = api.Service(service_name_or_id).routes()
    emit_list([as_dict(r) for r in found], ROUTE_COLUMNS)


@service.command()
@click.argument("image")
@click.argument("model_name_or_id", metavar="MODEL_NAME_OR_ID")
@click.argument("initial_session_count", metavar="COUNT", type=int)
@_session_options
@click.option(
    "-v",
    "-m",
    "--volume",
    "--mount",
    "mounts",
    multiple=True,
    metavar="NAME[=PATH] or NAME[:PATH]",
    help="Name or ID of virtual folders to mount (under /home/work unless PATH is given).",
)
@click.option(
    "--model-definition-path",
    metavar="PATH",
    default=None,
    help="Relative path to model definition file. Defaults to `model-definition.yaml`.",
)
@click.option(
    "--runtime-variant",
    metavar="RUNTIME_VARIANT",
    type=click.Choice(["custom", "vllm", "nim", "cmd"]),
    default="custom",
    help="Runtime variant of the service. Default is `custom`.",
)
def create(image: str, model_name_or_id: str, initial_session_count: int, **kwargs: Any) -> None:
    """Create a service endpoint with a backing inference session."""
    options = _options(**kwargs)
    with current().session() as api:
        result = api.Service.create(image, model_name_or_id, initial_session_count, **options)
    emit_mutation(
        True,
        f"Service {result.name} ({result.endpoint_id}) is created.",
        id=str(result.endpoint_id),
        item=as_dict(result),
    )


@service.command(name="try-start")
@click.argument("image")
@click.argument("model_name_or_id", metavar="MODEL_NAME_OR_ID")
@_session_options
def try_start(image: str, model_name_or_id: str, **kwargs: Any) -> None:
    """Tries to create a model service session and return whether the server has
    successfully started or not."""
    options = _options(**kwargs)
    with current().session() as api:
        result = api.Service.try_start(image, model_name_or_id, **options)
    emit_mutation(True, f"Trial session started as task {result.task_id}.", task_id=result.task_id)


@service.command()
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
def rm(service_name_or_id: str) -> None:
    """Remove the service endpoint."""
    with current().session() as api:
        result = api.Service(service_name_or_id).delete()
    emit_mutation(result.success, f"Service {service_name_or_id} is deleted.")


@service.command()
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
@click.argument("count", type=int)
def scale(service_name_or_id: str, count: int) -> None:
    """Start or resume the service endpoint to handle the incoming traffic."""
    with current().session() as api:
        result = api.Service(service_name_or_id).scale(count)
    emit_mutation(
        True,
        f"Service {service_name_or_id} is scaling from {result.current_route_count}"
        f" to {result.target_count} sessions.",
        current_route_count=result.current_route_count,
        target_count=result.target_count,
    )


@service.command()
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
def sync(service_name_or_id: str) -> None:
    """Sync route status with AppProxy."""
    with current().session() as api:
        result = api.Service(service_name_or_id).sync()
    emit_mutation(result.success, f"Service {service_name_or_id} is synced with the app proxy.")


@service.command(name="generate-token")
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
@click.argument("duration")
@click.option("-q", "--quiet", is_flag=True, help="Print only the token.")
def generate_token(service_name_or_id: str, duration: str, quiet: bool) -> None:
    """Generate an API token to communicate with inference endpoint."""
    with current().session() as api:
        result = api.Service(service_name_or_id).generate_api_token(duration)
    if quiet and not current().json:
        click.echo(result.token)
        return
    emit_mutation(True, f"API token: {result.token}", token=result.token)


@service.command(name="get-endpoint")
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
def get_endpoint(service_name_or_id: str) -> None:
    """Returns API Endpoint URL of the service."""
    with current().session() as api:
        url = api.Service(service_name_or_id).get_endpoint()
    if current().json:
        emit_json(item_envelope({"url": url}))
    elif url is None:
        raise click.ClickException("the service has no endpoint yet (no app proxy answered)")
    else:
        click.echo(url)


@service.command(name="update-traffic-ratio")
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
@click.argument("route_id")
@click.argument("ratio", type=float)
def update_traffic_ratio(service_name_or_id: str, route_id: str, ratio: float) -> None:
    """Update traffic ratio of single route."""
    with current().session() as api:
        result = api.Service(service_name_or_id).update_traffic_ratio(route_id, ratio)
    emit_mutation(result.success, f"Route {route_id} takes a traffic ratio of {ratio}.")


@service.command(name="downscale-route")
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
@click.argument("route_id")
@click.argument("ratio", required=False)  # in the official usage line, unused there too
def downscale_route(service_name_or_id: str, route_id: str, ratio: str | None) -> None:
    """Destroy route and its associated session and decrement desired session count of
    endpoint"""
    with current().session() as api:
        result = api.Service(service_name_or_id).downscale_single_route(route_id)
    emit_mutation(result.success, f"Route {route_id} is removed.")


# -- auto-scaling rules (26.09 and newer) -------------------------------------------------------

RULE_COLUMNS = [
    ("id", "Rule ID"),
    ("metric_source", "Source"),
    ("metric_name", "Metric"),
    ("comparator", "Comparator"),
    ("threshold", "Threshold"),
    ("step_size", "Step"),
    ("cooldown_seconds", "Cooldown (s)"),
    ("min_replicas", "Min"),
    ("max_replicas", "Max"),
    ("last_triggered_at", "Last Triggered"),
]
_SOURCES = ["kernel", "inference_framework", "prometheus"]
_COMPARATORS = ["less_than", "less_than_or_equal", "greater_than", "greater_than_or_equal"]


def _upper(value: str | None) -> Any:
    return value.upper() if value is not None else None


def _replicas(value: int | None, option: str, *, update: bool) -> Any:
    """A replica limit as given: ``-1`` is "no limit" (the official CLI's spelling), which an
    update sends as removing the rule's limit and a new rule as not setting one."""
    if value == -1:
        from .._serving import NO_LIMIT

        return NO_LIMIT if update else None
    if value is not None and value < 0:
        raise click.BadParameter(
            "give a replica count, or -1 to remove the restriction", param_hint=option
        )
    return value


def _rule_fields(func: _F) -> _F:
    """The fields of a rule, as options (``required`` only where ``create`` needs them)."""
    required = func.__name__ == "create_rule"
    options = [
        click.option(
            "--metric-source",
            type=click.Choice(_SOURCES, case_sensitive=False),
            required=required,
        ),
        click.option("--metric-name", required=required),
        click.option("--threshold", required=required),
        click.option(
            "--comparator",
            type=click.Choice(_COMPARATORS, case_sensitive=False),
            required=required,
        ),
        click.option("--step-size", type=int, required=required),
        click.option("--cooldown-seconds", type=int, required=required),
        click.option(
            "--min-replicas",
            type=int,
            default=None,
            help=None if required else "Set as -1 to remove min_replicas restriction.",
        ),
        click.option(
            "--max-replicas",
            type=int,
            default=None,
            help=None if required else "Set as -1 to remove max_replicas restriction.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _rule_changes(kwargs: dict[str, Any], *, update: bool = False) -> dict[str, Any]:
    return {
        "metric_source": _upper(kwargs["metric_source"]),
        "metric_name": kwargs["metric_name"],
        "threshold": kwargs["threshold"],
        "comparator": _upper(kwargs["comparator"]),
        "step_size": kwargs["step_size"],
        "cooldown_seconds": kwargs["cooldown_seconds"],
        "min_replicas": _replicas(kwargs["min_replicas"], "'--min-replicas'", update=update),
        "max_replicas": _replicas(kwargs["max_replicas"], "'--max-replicas'", update=update),
    }


@service.group(name="auto-scaling-rule")
def auto_scaling_rule() -> None:
    """Set of model service auto-scaling rule operations"""


@auto_scaling_rule.command(name="create")
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
@_rule_fields
def create_rule(service_name_or_id: str, **kwargs: Any) -> None:
    """Create a new auto-scaling rule."""
    with current().session() as api:
        rule = api.Service(service_name_or_id).create_auto_scaling_rule(**_rule_changes(kwargs))
    emit_mutation(True, f"Auto-scaling rule {rule.id} is created.", id=rule.id, item=as_dict(rule))


@auto_scaling_rule.command(name="list")
@click.argument("service_name_or_id", metavar="SERVICE_NAME_OR_ID")
@click.option("-f", "--format", "format_", default=None, help="Display only specified fields.")
@click.option("--filter", "filter_", default=None, help="Set the query filter expression.")
@click.option("--order", default=None, help="Set the query ordering expression.")
@click.option("--offset", default=0, type=int, help="The index of the current page start.")
@click.option("--limit", default=20, type=int, help="The page size for pagination.")
def list_rules(
    service_name_or_id: str,
    format_: str | None,
    filter_: str | None,
    order: str | None,
    offset: int,
    limit: int,
) -> None:
    """List all set auto-scaling rules for given model service."""
    with current().session() as api:
        result = api.Service(service_name_or_id).list_auto_scaling_rules(
            filter=filter_, order=order, offset=offset, limit=limit
        )
    columns = [c for c in RULE_COLUMNS if format_ is None or c[0] in format_.split(",")]
    emit_list([as_dict(r) for r in result.items], columns, total_count=result.total_count)


@auto_scaling_rule.command(name="get")
@click.argument("rule_id")
@click.option("-f", "--format", "format_", default=None, help="Display only specified fields.")
def get_rule(rule_id: str, format_: str | None) -> None:
    """Prints attributes of the given auto-scaling rule."""
    with current().session() as api:
        rule = api.Service.get_auto_scaling_rule(rule_id)
    columns = [c for c in RULE_COLUMNS if format_ is None or c[0] in format_.split(",")]
    emit_item(as_dict(rule), columns)


@auto_scaling_rule.command(name="update")
@click.argument("rule_id")
@_rule_fields
def update_rule(rule_id: str, **kwargs: Any) -> None:
    """Update attributes of the given auto-scaling rule."""
    with current().session() as api:
        rule = api.Service.update_auto_scaling_rule(rule_id, **_rule_changes(kwargs, update=True))
    emit_mutation(True, f"Auto-scaling rule {rule.id} is updated.", id=rule.id, item=as_dict(rule))


@auto_scaling_rule.command(name="delete")
@click.argument("rule_id")
def delete_rule(rule_id: str) -> None:
    """Remove the given auto-scaling rule."""
    with current().session() as api:
        api.Service.delete_auto_scaling_rule(rule_id)
    emit_mutation(True, f"Auto-scaling rule {rule_id} is deleted.", id=rule_id)
