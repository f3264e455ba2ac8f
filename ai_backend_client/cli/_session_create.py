"""What ``run`` and ``session create`` share: the session-creation options, the keyword arguments
of ``ComputeSession.get_or_create`` they make, and the report on the new session.

Its own module, so that ``backend.ai run`` does not import every ``session`` command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from ._output import as_dict, current, print_done, print_fail, print_info, print_table, print_warn
from ._params import (
    CommaList,
    default_session_name,
    parse_key_values,
    parse_mounts,
    parse_ports,
    read_bootstrap_script,
)

__all__ = [
    "NOT_STARTED",
    "create_kwargs",
    "print_stats",
    "report_created",
    "session_create_options",
    "session_summary",
]

F = TypeVar("F", bound=Callable[..., Any])

# Statuses after which `run`/`create` do not wait for the session.
NOT_STARTED = {"PENDING", "SCHEDULED", "TIMEOUT", "TERMINATED", "ERROR", "CANCELLED"}


def session_create_options(*, for_run: bool = False) -> Callable[[F], F]:
    """The session-creation options shared by ``run`` and ``session create``."""

    def decorator(f: F) -> F:
        opts: list[Callable[[F], F]] = [
            click.option(
                "-t",
                "--name",
                "--client-token",
                "name",
                metavar="NAME",
                help="Specify a human-readable session name. If not set, a random hex string is used.",
            ),
            click.option(
                "--type",
                "type_",
                type=click.Choice(["batch", "interactive"]),
                default="interactive",
                show_default=True,
                help="Either batch or interactive",
            ),
            click.option(
                "--starts-at",
                metavar="TIME",
                help="Let session to be started at a specific or relative time.",
            ),
            click.option(
                "--enqueue-only",
                is_flag=True,
                help="Enqueue the session and return immediately without waiting for its startup.",
            ),
            click.option(
                "--max-wait",
                type=click.IntRange(min=0),
                default=0,
                show_default=True,
                metavar="SECONDS",
                help="The maximum duration to wait until the session starts.",
            ),
            click.option(
                "--no-reuse",
                is_flag=True,
                help="Do not reuse existing sessions but return an error.",
            ),
            click.option(
                "--callback-url",
                metavar="URL",
                help="Callback URL which will be called upon session lifecycle events.",
            ),
            click.option(
                "-e",
                "--env",
                "envs",
                multiple=True,
                metavar="KEY=VAL",
                help="Environment variable (may appear multiple times)",
            ),
            click.option(
                "--bootstrap-script",
                type=click.File("r"),
                help="A user-defined script to execute on startup.",
            ),
            click.option("--tag", help="User-defined tag string to annotate sessions."),
            click.option(
                "-v",
                "--volume",
                "-m",
                "--mount",
                "mounts",
                multiple=True,
                metavar="NAME[=PATH]",
                help="User-owned virtual folder names to mount (NAME, NAME=PATH or NAME:PATH). "
                "Without a path the folder is mounted under /home/work; a relative path is "
                "placed under /home/work.",
            ),
            click.option(
                "--scaling-group",
                "--sgroup",
                "scaling_group",
                help="The scaling group to execute session. If not specified, all available "
                "scaling groups are included in the scheduling.",
            ),
            click.option(
                "-r",
                "--resources",
                *(["--resource"] if for_run else []),
                "resources",
                multiple=True,
                metavar="KEY=VAL",
                help="Set computation resources used by the session "
                "(e.g: -r cpu=2 -r mem=4g -r cuda.shares=1).",
            ),
            click.option(
                "--cluster-size",
                type=click.IntRange(min=1),
                default=1,
                show_default=True,
                help="The size of cluster in number of containers.",
            ),
            click.option(
                "--cluster-mode",
                type=click.Choice(["single-node", "multi-node"]),
                default="single-node",
                show_default=True,
                help="The mode of clustering.",
            ),
            click.option(
                "--resource-opts",
                multiple=True,
                metavar="KEY=VAL",
                help="Resource options for creating compute session (e.g: shmem=64m)",
            ),
            click.option("--preopen", type=CommaList(), help="Pre-open service ports (8080,8081)"),
            click.option(
                "-d",
                "--domain",
                help="Domain name where the session will be spawned. If not specified, "
                "config's domain name will be used.",
            ),
            click.option(
                "-g",
                "--group",
                help="Group name where the session is spawned. User should be a member of the "
                "group to execute the code.",
            ),
            click.option(
                "--assign-agent",
                type=CommaList(),
                help="Agents to place the containers on (superadmin only; "
                "e.g. --assign-agent agent_id_1,agent_id_2).",
            ),
        ]
        if not for_run:
            opts += [
                click.option(
                    "-o",
                    "--owner",
                    "--owner-access-key",
                    "owner_access_key",
                    metavar="ACCESS_KEY",
                    help="Set the owner of the target session explicitly.",
                ),
                click.option(
                    "-c",
                    "--startup-command",
                    help="Set the command to execute for batch-type sessions.",
                ),
                click.option(
                    "--depends",
                    multiple=True,
                    metavar="SESSION",
                    help="Session IDs or names the new session depends on; it is scheduled "
                    "after all of them successfully finish.",
                ),
            ]
        for opt in reversed(opts):
            f = opt(f)
        return f

    return decorator


def create_kwargs(
    *,
    name: str | None,
    type_: str,
    starts_at: str | None,
    enqueue_only: bool,
    max_wait: int,
    no_reuse: bool,
    callback_url: str | None,
    envs: dict[str, str],
    bootstrap_script: Any,
    tag: str | None,
    mounts: Sequence[str],
    scaling_group: str | None,
    resources: Sequence[str],
    cluster_size: int,
    cluster_mode: str,
    resource_opts: Sequence[str],
    preopen: Sequence[str] | None,
    domain: str | None,
    group: str | None,
    assign_agent: Sequence[str] | None,
    owner_access_key: str | None = None,
    startup_command: str | None = None,
    depends: Sequence[str] = (),
) -> dict[str, Any]:
    """Keyword arguments of ``ComputeSession.get_or_create`` from the CLI options."""
    mount_names, mount_map = parse_mounts(mounts)
    kwargs: dict[str, Any] = {
        "name": name or default_session_name(),
        "type_": type_,
        "enqueue_only": enqueue_only,
        "max_wait": max_wait,
        "no_reuse": no_reuse,
        "cluster_size": cluster_size,
        "cluster_mode": cluster_mode,
        "mounts": mount_names,
        "mount_map": mount_map,
        "envs": envs,
        "resources": parse_key_values(resources, "'-r' / '--resources'"),
        "resource_opts": parse_key_values(resource_opts, "'--resource-opts'"),
    }
    optional: dict[str, Any] = {
        "starts_at": starts_at,
        "callback_url": callback_url,
        "bootstrap_script": read_bootstrap_script(bootstrap_script),
        "tag": tag,
        "scaling_group": scaling_group,
        "preopen_ports": parse_ports(preopen),
        "domain_name": domain,
        "group_name": group,
        "assign_agent": list(assign_agent) if assign_agent else None,
        "owner_access_key": owner_access_key,
        "startup_command": startup_command,
        "dependencies": list(depends) if depends else None,
    }
    kwargs.update({k: v for k, v in optional.items() if v is not None})
    return kwargs


def session_summary(cs: Any) -> dict[str, Any]:
    return {
        "id": str(getattr(cs, "id", None) or "") or None,
        "name": getattr(cs, "name", None),
        "status": getattr(cs, "status", None),
        "created": getattr(cs, "created", None),
        "service_ports": as_dict({"p": getattr(cs, "service_ports", None) or []})["p"],
    }


def report_created(cs: Any) -> bool:
    """Tell what happened to a new session; ``True`` if it is running."""
    info = session_summary(cs)
    status = str(info["status"] or "RUNNING")
    ident = info["id"] or info["name"]
    running = status not in NOT_STARTED
    if current().json:
        return running
    if not info["created"]:
        print_info(f"Session {info['name']} is already running and will be reused.")
    elif status == "PENDING":
        print_info(f"Session ID {ident} is enqueued for scheduling.")
    elif status == "SCHEDULED":
        print_info(f"Session ID {ident} is scheduled and about to be started.")
    elif status == "TIMEOUT":
        print_warn(
            f"Session ID {ident} is still on the job queue after the wait limit; "
            "it may start later."
        )
    elif status in ("TERMINATED", "ERROR", "CANCELLED"):
        print_fail(f"Session ID {ident} has failed to start ({status}).")
    else:
        print_done(f"Session ID {ident} is created and ready.")
    ports: list[Any] = info["service_ports"]
    if running and ports:
        names = ", ".join(str(as_dict(p).get("name")) for p in ports)
        print_info(f"This session provides the following app services: {names}")
    return running


def print_stats(name: str, stats: Any) -> None:
    if not stats:
        print_info(f"{name}: no resource statistics are available.")
        return
    rows = [{"metric": k, "value": v} for k, v in as_dict(stats).items()]
    print_table(rows, [("metric", "Metric"), ("value", "Value")], title=f"Statistics of {name}")
