"""``backend.ai session ...`` and its top-level aliases (``ps``, ``create``/``start``,
``destroy``/``rm``/``kill``, ``restart``, ``info``, ``events``, ``logs``, ``task-logs``,
``upload``, ``download``, ``ls``, ``create-from-template``/``start-template``).

The SDK is imported inside the commands, so ``backend.ai session --help`` stays cheap.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from ._group import LazyGroup
from ._output import (
    as_dict,
    as_text,
    current,
    describe_error,
    emit_item,
    emit_json,
    emit_list,
    emit_mutation,
    fail,
    format_value,
    partial_failure,
    print_done,
    print_fail,
    print_info,
    print_item,
    print_wait,
    print_warn,
)
from ._params import (
    parse_env,
    parse_key_values,
    parse_mounts,
)
from ._session_create import (
    create_kwargs,
    print_stats,
    report_created,
    session_create_options,
    session_summary,
)
from ._transfers import max_parallel_option

if TYPE_CHECKING:
    from ..session import Session

__all__ = [
    "create",
    "create_from_template",
    "destroy",
    "download",
    "events",
    "info",
    "list_sessions",
    "logs",
    "ls",
    "rename",
    "restart",
    "session",
    "session_create_options",
    "task_logs",
    "upload",
]

F = TypeVar("F", bound=Callable[..., Any])

# Statuses of `ps` filters: the 22.03 sets and those the 24.09 manager accepts
# (API v8: RESIZING and SUSPENDED are gone, RUNNING_DEGRADED is new; checked against 24.09.6).
ALL_STATUSES_V6 = (
    "PENDING",
    "SCHEDULED",
    "PREPARING",
    "PULLING",
    "RUNNING",
    "RESTARTING",
    "RESIZING",
    "SUSPENDED",
    "TERMINATING",
    "TERMINATED",
    "ERROR",
    "CANCELLED",
)
ALL_STATUSES_V8 = (
    "PENDING",
    "SCHEDULED",
    "PREPARING",
    "PULLING",
    "RUNNING",
    "RESTARTING",
    "RUNNING_DEGRADED",
    "TERMINATING",
    "TERMINATED",
    "ERROR",
    "CANCELLED",
)
ALL_STATUSES = ALL_STATUSES_V6
DEFAULT_STATUSES = (
    "PENDING,SCHEDULED,PREPARING,PULLING,RUNNING,RESTARTING,TERMINATING,RESIZING,SUSPENDED,ERROR"
)
RUNNING_STATUSES = "PREPARING,PULLING,RUNNING"
DEAD_STATUSES = "CANCELLED,TERMINATED"


def status_filter(api_major: int, status: str | None, *, dead: bool, running: bool) -> str:
    """The ``status`` variable of ``compute_session_list`` for the chosen filter options."""
    if dead:
        return DEAD_STATUSES
    known = ALL_STATUSES_V8 if api_major >= 8 else ALL_STATUSES_V6
    if running:
        if api_major >= 8:
            return "PREPARING,PULLING,RUNNING,RUNNING_DEGRADED"
        return RUNNING_STATUSES
    if status is None:
        if api_major >= 8:
            return ",".join(s for s in known if s not in ("TERMINATED", "CANCELLED"))
        return DEFAULT_STATUSES
    if status.upper() == "ALL":
        return ",".join(known)
    if status.upper() not in known:
        raise click.BadParameter(
            f"the server (API v{api_major}) has no session status {status.upper()}; "
            f"choose from {', '.join(known)}",
            param_hint="'-s' / '--status'",
        )
    return status.upper()


#: ``ps -f`` keys -> column headers (the official client's field keys).
SESSION_FIELDS: dict[str, str] = {
    "name": "Name",
    "session_id": "Session ID",
    "id": "Kernel ID",
    "access_key": "Owner",
    "group_name": "Project/Group",
    "image": "Image",
    "type": "Type",
    "status": "Status",
    "status_info": "Status Info",
    "status_changed": "Last Updated",
    "result": "Result",
    "tag": "Tag",
    "created_at": "Created At",
    "terminated_at": "Terminated At",
    "occupied_slots": "Occupied Resource",
    "starts_at": "Starts At",
    "cluster_size": "Cluster Size",
    "cluster_mode": "Cluster Mode",
    "scaling_group": "Scaling Group",
    "domain_name": "Domain",
}
DEFAULT_PS_FIELDS = (
    "name",
    "session_id",
    "group_name",
    "image",
    "type",
    "status",
    "status_info",
    "status_changed",
    "result",
)
DETAIL_PS_FIELDS = (*DEFAULT_PS_FIELDS, "tag", "created_at", "occupied_slots")


_HISTORY = "ai_backend_client.cli.session_history"


@click.group(
    cls=LazyGroup,
    aliases={"rm": "destroy", "kill": "destroy", "ps": "list", "start": "create"},
    # in their own modules, imported only when run: ssh/scp (also top-level commands), and the
    # history, dependency, image and priority commands of 24.09 and later
    lazy_subcommands={
        "ssh": (
            "ai_backend_client.cli.ssh:ssh",
            "Execute the ssh command against the target compute session.",
        ),
        "scp": (
            "ai_backend_client.cli.ssh:scp",
            "Execute the scp command against the target compute session.",
        ),
        "status-history": (
            f"{_HISTORY}:status_history",
            "Shows the status transition history of the compute session.",
        ),
        "show-graph": (
            f"{_HISTORY}:show_graph",
            "Shows the dependency graph of a compute session.",
        ),
        "watch": (f"{_HISTORY}:watch", "Monitor the lifecycle events of a compute session."),
        "commit": (f"{_HISTORY}:commit", "Commits a running session to tar file."),
        "convert-to-image": (
            f"{_HISTORY}:convert_to_image",
            "Commits running session to new image and uploads it to a container registry.",
        ),
        "set-priority": (
            f"{_HISTORY}:set_priority",
            "Sets the scheduling priority of the session.",
        ),
    },
)
def session() -> None:
    """Set of compute session operations"""


def _cs(api: Session, name: str, owner_access_key: str | None = None) -> Any:
    """The SDK object of one session (by name or ID)."""
    if owner_access_key:
        return api.ComputeSession(name, owner_access_key=owner_access_key)
    return api.ComputeSession(name)


@session.command()
@click.argument("image")
@session_create_options()
def create(image: str, **opts: Any) -> None:
    """Prepare and start a single compute session without executing codes.

    IMAGE is the kernel image name or alias (e.g. python, python:3.9-ubuntu20.04).
    """
    kwargs = create_kwargs(envs=parse_env(opts.pop("envs")), **opts)
    with current().session() as api:
        cs = api.ComputeSession.get_or_create(image, **kwargs)
    running = report_created(cs)
    info = session_summary(cs)
    if current().json:
        emit_mutation(
            info["status"] not in ("TERMINATED", "ERROR", "CANCELLED"),
            f"Session {info['name']} is {str(info['status'] or 'RUNNING').lower()}.",
            session=info,
        )
    elif not running and info["status"] in ("TERMINATED", "ERROR", "CANCELLED"):
        sys.exit(1)


_UNSET_HELP = " (default: the template's value)"


@session.command(name="create-from-template")
@click.argument("template_id")
@click.option("-t", "--name", "--client-token", "name", help="Session name" + _UNSET_HELP)
@click.option("-o", "--owner", "--owner-access-key", "owner_access_key", help="Session owner.")
@click.option("--type", "type_", type=click.Choice(["batch", "interactive"]), help="Session type.")
@click.option(
    "--starts-at", "--starts_at", "starts_at", help="Start at a specific or relative time."
)
@click.option("-i", "--image", help="Kernel image" + _UNSET_HELP)
@click.option("-c", "--startup-command", help="Command of batch sessions" + _UNSET_HELP)
@click.option("--enqueue-only", is_flag=True, help="Return right after enqueueing the session.")
@click.option("--max-wait", type=click.IntRange(min=0), help="Seconds to wait for the start.")
@click.option("--no-reuse", is_flag=True, help="Do not reuse existing sessions but fail.")
@click.option("--depends", multiple=True, help="Sessions (IDs or names) to wait for.")
@click.option("--callback-url", help="Called upon session lifecycle events.")
@click.option("-e", "--env", "envs", multiple=True, metavar="KEY=VAL", help="Environment variable.")
@click.option("--tag", help="Tag" + _UNSET_HELP)
@click.option(
    "-m", "--mount", "mounts", multiple=True, metavar="NAME[=PATH]", help="Vfolder to mount."
)
@click.option("--scaling-group", "--sgroup", "scaling_group", help="Scaling group" + _UNSET_HELP)
@click.option("-r", "--resources", multiple=True, metavar="KEY=VAL", help="Resource slot.")
@click.option("--cluster-size", type=click.IntRange(min=1), help="Containers in the cluster.")
@click.option("--resource-opts", multiple=True, metavar="KEY=VAL", help="Resource option.")
@click.option("-d", "--domain", help="Domain name" + _UNSET_HELP)
@click.option("-g", "--group", help="Group name" + _UNSET_HELP)
@click.option("--no-mount", is_flag=True, help="Mount none of the template's vfolders.")
@click.option("--no-env", is_flag=True, help="Add none of the template's environment variables.")
@click.option("--no-resource", is_flag=True, help="Use none of the template's resource slots.")
def create_from_template(
    template_id: str,
    envs: tuple[str, ...],
    mounts: tuple[str, ...],
    resources: tuple[str, ...],
    resource_opts: tuple[str, ...],
    depends: tuple[str, ...],
    no_mount: bool,
    no_env: bool,
    no_resource: bool,
    **opts: Any,
) -> None:
    """Prepare and start a single compute session from a session template.

    Only the options you give override the template's values.
    """
    kwargs: dict[str, Any] = {k: v for k, v in opts.items() if v not in (None, False)}
    names, mount_map = parse_mounts(mounts)
    if no_mount or names:
        kwargs["mounts"] = names
        kwargs["mount_map"] = mount_map
    env_map = parse_env(envs)
    if no_env or env_map:
        kwargs["envs"] = env_map
    res = parse_key_values(resources, "'-r' / '--resources'")
    if no_resource or res:
        kwargs["resources"] = res
    ropts = parse_key_values(resource_opts, "'--resource-opts'")
    if ropts:
        kwargs["resource_opts"] = ropts
    if depends:
        kwargs["dependencies"] = list(depends)
    if "domain" in kwargs:
        kwargs["domain_name"] = kwargs.pop("domain")
    if "group" in kwargs:
        kwargs["group_name"] = kwargs.pop("group")
    with current().session() as api:
        cs = api.ComputeSession.create_from_template(template_id, **kwargs)
    report_created(cs)
    info = session_summary(cs)
    if current().json:
        emit_mutation(
            info["status"] not in ("TERMINATED", "ERROR", "CANCELLED"),
            f"Session {info['name']} is {str(info['status'] or 'RUNNING').lower()}.",
            session=info,
        )


# -- destroy / restart -----------------------------------------------------------------------
@session.command()
@click.argument("session_names", nargs=-1, required=True, metavar="SESSION_NAMES...")
@click.option(
    "-f", "--forced", is_flag=True, help="Force-terminate the errored sessions (admins only)"
)
@click.option(
    "-o",
    "--owner",
    "--owner-access-key",
    "owner_access_key",
    help="Specify the owner of the target session explicitly.",
)
@click.option(
    "-s", "--stats", is_flag=True, help="Show resource usage statistics after termination"
)
def destroy(
    session_names: tuple[str, ...], forced: bool, owner_access_key: str | None, stats: bool
) -> None:
    """Terminate and destroy the given sessions (names or IDs)."""
    failed: list[str] = []
    results: list[dict[str, Any]] = []
    with current().session() as api:
        for name in session_names:
            try:
                ret = _cs(api, name, owner_access_key).destroy(forced=forced)
            except Exception as e:
                failed.append(name)
                results.append({"name": name, "ok": False, "error": describe_error(e)})
                if not current().json:
                    print_fail(f"Could not destroy {name}: {describe_error(e)}")
                continue
            data = as_dict(ret) if ret is not None else {}
            results.append({"name": name, "ok": True, "stats": data.get("stats")})
            if not current().json:
                print_done(f"Session {name} is destroyed.")
                if stats:
                    print_stats(name, data.get("stats"))
    if current().json:
        emit_mutation(
            not failed,
            f"Destroyed {len(session_names) - len(failed)} of {len(session_names)} session(s).",
            sessions=results,
        )
    if failed:
        sys.exit(1)


@session.command()
@click.argument("session_refs", nargs=-1, required=True, metavar="SESSION_REFS...")
@click.option(
    "-o", "--owner", "--owner-access-key", "owner_access_key", help="The owner of the sessions."
)
def restart(session_refs: tuple[str, ...], owner_access_key: str | None) -> None:
    """Restart the compute sessions (names or IDs)."""
    failed: list[str] = []
    with current().session() as api:
        for ref in session_refs:
            try:
                _cs(api, ref, owner_access_key).restart()
            except Exception as e:
                failed.append(ref)
                if not current().json:
                    print_fail(f"Could not restart {ref}: {describe_error(e)}")
                continue
            if not current().json:
                print_done(f"Session {ref} is restarted.")
    if current().json:
        emit_mutation(not failed, f"Restarted {len(session_refs) - len(failed)} session(s).")
    if failed:
        sys.exit(1)


# -- list / info -----------------------------------------------------------------------------
def _fields(
    format_: str | None, detail: bool, name_only: bool, access_key: str | None
) -> list[str]:
    if name_only:
        return ["name"]
    if format_:
        keys = [k.strip() for k in format_.split(",") if k.strip()]
        unknown = [k for k in keys if k not in SESSION_FIELDS]
        if unknown:
            raise click.BadParameter(
                f"There is no such format option: {', '.join(unknown)} "
                f"(choose from {', '.join(SESSION_FIELDS)})",
                param_hint="'-f' / '--format'",
            )
        return keys
    fields: list[str] = list(DETAIL_PS_FIELDS if detail else DEFAULT_PS_FIELDS)
    if access_key:
        fields.insert(1, "access_key")
    return fields


@session.command(name="list")
@click.option(
    "-s",
    "--status",
    type=click.Choice([*sorted({*ALL_STATUSES_V6, *ALL_STATUSES_V8}), "ALL"], case_sensitive=False),
    help="Filter by the given status (ALL for every status).",
)
@click.option("--access-key", help="Sessions of this access key (superadmins only).")
@click.option("--name-only", is_flag=True, help="Display session names only.")
@click.option("--dead", is_flag=True, help="Filter only dead sessions. Ignores --status option.")
@click.option(
    "--running", is_flag=True, help="Filter only scheduled and running sessions. Ignores --status."
)
@click.option("--detail", is_flag=True, help="Show more details using more columns.")
@click.option(
    "-f", "--format", "format_", metavar="FIELDS", help="Comma-separated fields to display."
)
@click.option("--plain", is_flag=True, help="Display without decorative lines and the header.")
@click.option("--filter", "filter_", help="Set the query filter expression.")
@click.option("--order", help="Set the query ordering expression.")
@click.option(
    "--offset",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Index of the page start.",
)
@click.option(
    "--limit", type=click.IntRange(1, 100), default=20, show_default=True, help="The page size."
)
@click.option("--all", "all_", is_flag=True, help="Fetch every page, not only the first.")
def list_sessions(
    status: str | None,
    access_key: str | None,
    name_only: bool,
    dead: bool,
    running: bool,
    detail: bool,
    format_: str | None,
    plain: bool,
    filter_: str | None,
    order: str | None,
    offset: int,
    limit: int,
    all_: bool,
) -> None:
    """List compute sessions (the most recently changed first).

    An admin's list holds other keypairs' sessions too: then an Owner column shows whose.
    """
    fields = _fields(format_, detail, name_only, access_key)
    owners = not (format_ or name_only or access_key)
    if owners:
        fields.insert(1, "access_key")  # shown when the list holds someone else's session
    items: list[Any] = []
    total: int | None = None
    with current().session() as api:
        own_key = api.config.access_key
        statuses = status_filter(api.negotiated_version.major, status, dead=dead, running=running)
        page_offset = offset
        while True:
            result = api.ComputeSession.paginated_list(
                status=statuses,
                access_key=access_key,
                fields=fields,
                page_offset=page_offset,
                page_size=limit,
                filter=filter_,
                order=order,
            )
            page = list(getattr(result, "items", []) or [])
            total = getattr(result, "total_count", None)
            items.extend(page)
            page_offset += len(page)
            if not all_ or not page or (total is not None and page_offset >= total):
                break
    if name_only and not current().json:
        for item in items:
            click.echo(as_dict(item).get("name"))
        return
    if owners and not current().json and all(_owner(i) in (None, own_key) for i in items):
        fields.remove("access_key")  # only the caller's own sessions: no Owner column
    emit_list(items, [(f, SESSION_FIELDS[f]) for f in fields], total_count=total, plain=plain)


def _owner(item: Any) -> object:
    return as_dict(item).get("access_key")


#: ``info`` fields (attribute, header), as the 22.03 client shows them, then the containers
INFO_FIELDS = [
    ("name", "Session Name"),
    ("session_id", "Session ID"),
    ("id", "Kernel ID"),
    ("image", "Image"),
    ("tag", "Tag"),
    ("created_at", "Created At"),
    ("terminated_at", "Terminated At"),
    ("status", "Status"),
    ("status_info", "Status Info"),
    ("status_data", "Status Data"),
    ("occupied_slots", "Occupied Resource"),
]
CONTAINER_FIELDS = [
    ("cluster_role", "Role"),
    ("cluster_idx", "Index"),
    ("cluster_hostname", "Hostname"),
    ("agent", "Agent"),
    ("container_id", "Container ID"),
    ("image", "Image"),
    ("status", "Status"),
    ("status_info", "Status Info"),
    ("status_changed", "Last Updated"),
    ("occupied_slots", "Occupied Resource"),
    ("live_stat", "Live Stat"),
    ("last_stat", "Last Stat"),
]


def _session_uuid(api: Session, ref: str, owner_access_key: str | None) -> str:
    """The UUID of the session *ref* (a UUID, or the name of the owner's newest session)."""
    if _is_uuid(ref):
        return ref
    from ..func._sync import _session_queries as q

    page = q.paginated_list(
        api,
        access_key=owner_access_key,
        fields=["session_id", "name"],
        filter=f'name == "{ref}"',
        order="-created_at",
    )
    for item in page.items:
        if item.name == ref and item.session_id is not None:
            return str(item.session_id)
    fail(f"There is no such compute session: {ref}")


def show_session_detail(detail: Any) -> None:
    """A session with its containers (the 22.03 ``info`` layout); the JSON item in JSON mode."""
    if current().json:
        emit_item(detail)
        return
    print_item(detail, INFO_FIELDS)
    row = as_dict(detail)
    containers = _entries(row.get("containers"), "id")
    click.echo("Containers:")
    if not containers:
        click.echo("  (no containers belonging to the session)")
    for container in containers:
        click.echo(f"  + {format_value(container.get('id'))}")
        for key, header in CONTAINER_FIELDS:
            if key in container:
                click.echo(f"    - {header}: {format_value(container[key])}")
    dependencies = _entries(row.get("dependencies"), "name")
    if dependencies:
        click.echo("Dependencies:")
        for dep in dependencies:
            click.echo(f"  + {format_value(dep.get('name'))} ({format_value(dep.get('id'))})")


def _entries(value: Any, key: str) -> list[dict[str, Any]]:
    """The objects of a list field; a value of another shape becomes one entry under *key*."""
    if value is None:
        return []
    items: list[Any] = cast("list[Any]", value) if isinstance(value, list) else [value]  # type: ignore[redundant-cast]
    return [cast("dict[str, Any]", v) if isinstance(v, dict) else {key: v} for v in items]


@session.command()
@click.argument("session_id", metavar="SESSION")
@click.option(
    "-o", "--owner", "--owner-access-key", "owner_access_key", help="The owner of the session."
)
def info(session_id: str, owner_access_key: str | None) -> None:
    """Show detailed information for a compute session (by name or ID), with its containers."""
    from ..func._sync import _session_queries as q

    with current().session() as api:
        detail = q.detail(api, _session_uuid(api, session_id, owner_access_key))
    show_session_detail(detail)


# -- events / logs ---------------------------------------------------------------------------
def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@session.command()
@click.argument("session_name_or_id")
@click.option(
    "-o", "--owner", "--owner-access-key", "owner_access_key", help="The owner of the session."
)
@click.option(
    "--scope",
    type=click.Choice(["*", "session", "kernel"]),
    default="*",
    show_default=True,
    help="Filter the events by kernel-specific ones or session-specific ones.",
)
def events(session_name_or_id: str, owner_access_key: str | None, scope: str) -> None:
    """Monitor the lifecycle events of a compute session (until Ctrl+C)."""
    from ..streams import listen_session_events_sync

    by_id = _is_uuid(session_name_or_id)
    try:
        with current().session() as api:
            stream = listen_session_events_sync(
                api,
                session_id=session_name_or_id if by_id else None,
                session_name=None if by_id else session_name_or_id,
                owner_access_key=owner_access_key,
                scope=scope,  # type: ignore[arg-type]
            )
            with stream:
                for ev in stream:
                    if current().json:
                        click.echo(json.dumps(as_dict(ev), ensure_ascii=False), nl=True)
                    else:
                        data = ev.model_dump(by_alias=True, exclude_none=True)
                        data.pop("event", None)
                        click.echo(f"{ev.event} {json.dumps(data, ensure_ascii=False)}")
                    sys.stdout.flush()
    except KeyboardInterrupt:
        return


@session.command()
@click.argument("session_id")
@click.option(
    "-o", "--owner", "--owner-access-key", "owner_access_key", help="The owner of the session."
)
def logs(session_id: str, owner_access_key: str | None) -> None:
    """Shows the full console log of a compute session."""
    with current().session() as api:
        result = _cs(api, session_id, owner_access_key).get_logs()
    data = as_dict(result)
    inner: Any = data.get("result", data)
    raw: Any = cast("dict[str, Any]", inner).get("logs") if isinstance(inner, dict) else None
    text = as_text(raw)
    if current().json:
        emit_json({"session": session_id, "logs": raw})
        return
    if text is None:
        fail("The server returned no logs.")
    print_info(f"Showing the console logs of {session_id}:")
    click.echo(text, nl=not text.endswith("\n"))


@click.command(name="task-logs")
@click.argument("task_id")
def task_logs(task_id: str) -> None:
    """Shows the output logs of a batch task."""
    if not _is_uuid(task_id):
        raise click.BadParameter("the task ID must be a UUID", param_hint="TASK_ID")
    out = sys.stdout.buffer
    with current().session() as api:
        for chunk in api.ComputeSession.get_task_logs(task_id):
            out.write(chunk)
            out.flush()


session.add_command(task_logs)


# -- files -----------------------------------------------------------------------------------
_MAX_PARALLEL = max_parallel_option(
    "How many requests run at once (the server takes 20 files per upload, 5 per download)."
)


@session.command()
@click.argument("session_id")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--basedir", type=click.Path(file_okay=False, path_type=Path), help="Base directory.")
@_MAX_PARALLEL
def upload(
    session_id: str, files: tuple[Path, ...], basedir: Path | None, max_parallel: int
) -> None:
    """Upload the files to a compute session's home directory.

    Paths keep their location relative to --basedir (the current directory by default). Each
    file must be smaller than 1 MiB; use a virtual folder for large files.
    """
    with partial_failure("Uploaded", session_id), current().session() as api:
        _cs(api, session_id).upload(list(files), basedir=basedir, max_parallel=max_parallel)
    emit_mutation(
        True, f"Uploaded {len(files)} file(s) to {session_id}.", files=[str(f) for f in files]
    )


@session.command()
@click.argument("session_id")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Destination path to store downloaded file(s)",
)
@click.option("--overwrite", is_flag=True, help="Replace local files that already exist.")
@_MAX_PARALLEL
def download(
    session_id: str, files: tuple[str, ...], dest: Path, overwrite: bool, max_parallel: int
) -> None:
    """Download files from a compute session's home directory.

    Existing local files are kept (the download fails, writing nothing) unless --overwrite.
    """
    with partial_failure("Downloaded", session_id), current().session() as api:
        _cs(api, session_id).download(
            list(files), dest=dest, overwrite=overwrite, max_parallel=max_parallel
        )
    emit_mutation(True, f"Downloaded {len(files)} file(s) to {dest}.", files=list(files))


@session.command()
@click.argument("session_id")
@click.argument("path", required=False, default="/home/work")
def ls(session_id: str, path: str) -> None:
    """List files in a path of a running compute session."""
    with current().session() as api:
        result = as_dict(_cs(api, session_id).list_files(path))
    files: Any = result.get("files", [])
    if isinstance(files, str):
        try:
            files = json.loads(files)
        except ValueError:
            fail(f"The server sent an unreadable file list: {files[:80]!r}")
    if result.get("errors"):
        print_warn(f"{result['errors']}")
    entries: list[Any] = files or []
    rows = [as_dict(f) for f in entries]
    if not current().json:
        print_wait(f"Files in {result.get('abspath') or path}:")
    emit_list(
        rows,
        [("filename", "File name"), ("size", "Size"), ("mtime", "Modified"), ("mode", "Mode")],
    )


@session.command()
@click.argument("session_id")
@click.argument("new_id")
def rename(session_id: str, new_id: str) -> None:
    """Renames session name of running session."""
    with current().session() as api:
        _cs(api, session_id).rename(new_id)
    emit_mutation(True, f"Session {session_id} is renamed to {new_id}.")
