"""``backend.ai admin storage``; ``admin vfolder`` (list, hosts, fstab, mounts, perf-metric)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import click

from .._output import as_dict, current, emit_item, emit_json, emit_list, emit_mutation
from ._common import list_options, show_page

if TYPE_CHECKING:
    from ..._graphql import PaginatedResult

__all__ = ["storage", "vfolder"]

COLUMNS = [("id", "ID"), ("backend", "Backend"), ("capabilities", "Capabilities")]
INFO_COLUMNS = [
    *COLUMNS,
    ("path", "Path"),
    ("fsprefix", "FS Prefix"),
    ("hardware_metadata", "Hardware Metadata"),
    ("performance_metric", "Performance Metric"),
]


@click.group()
def storage() -> None:
    """Storage proxy administration commands."""


@storage.command(name="list")
@list_options
def list_volumes(
    filter_: str | None, order: str | None, offset: int, limit: int, all_: bool
) -> None:
    """List storage volumes."""
    with current().session() as api:
        show_page(
            lambda off, lim: api.Storage.paginated_list(
                page_offset=off, page_size=lim, filter=filter_, order=order
            ),
            lambda: api.Storage.iter_all(filter=filter_, order=order),
            COLUMNS,
            offset=offset,
            limit=limit,
            all_=all_,
        )


@storage.command()
@click.argument("vfolder_host")
def info(vfolder_host: str) -> None:
    """Show the information about the given storage volume."""
    with current().session() as api:
        emit_item(api.Storage.detail(vfolder_host), INFO_COLUMNS)


@click.group()
def vfolder() -> None:
    """VFolder administration commands."""


@vfolder.command(name="list")
@click.option("-g", "--group", default=None, help="Only folders of this group (project) ID.")
@list_options
def list_vfolders(
    group: str | None, filter_: str | None, order: str | None, offset: int, limit: int, all_: bool
) -> None:
    """List virtual folders (all of them for an admin)."""
    from ...func._sync._gql import page

    columns = [
        ("name", "Name"),
        ("id", "ID"),
        ("host", "Host"),
        ("user_email", "Owner"),
        ("group_name", "Group"),
        ("ownership_type", "Ownership"),
        ("permission", "Permission"),
    ]
    with current().session() as api:

        def fetch(off: int, lim: int) -> PaginatedResult[Any]:
            listing = api.graphql.v_folder_list(
                limit=lim, offset=off, group_id=group, filter=filter_, order=order
            ).vfolder_list
            return page(listing.items if listing else None, listing.total_count if listing else 0)

        def every() -> Iterator[Any]:
            off = 0
            while True:
                chunk = fetch(off, 100)
                yield from chunk.items
                off += 100
                if not chunk.items or off >= chunk.total_count:
                    return

        show_page(fetch, every, columns, offset=offset, limit=limit, all_=all_)


@vfolder.command(name="list-hosts")
def list_hosts() -> None:
    """List all mounted hosts from virtual folder root (every host, not only the allowed ones)."""
    with current().session() as api:
        hosts = api.VFolder.list_all_hosts()
    if current().json:
        data = as_dict(hosts)
        emit_json({"default": data.get("default"), "allowed": data.get("allowed")})
        return
    click.echo(f"Default vfolder host: {hosts.default}")
    click.echo(f"Mounted hosts: {', '.join(hosts.allowed or [])}")


@vfolder.command(name="get-fstab-contents")
@click.option("-a", "--agent-id", default=None, help="Target agent to fetch fstab contents.")
def get_fstab_contents(agent_id: str | None) -> None:
    """Get contents of fstab file from a node (the manager's unless --agent-id)."""
    with current().session() as api:
        result = api.VFolder.get_fstab_contents(agent_id)
    if current().json:
        emit_item(result)
        return
    click.echo(f"# fstab of {result.node or '?'} {result.node_id or ''}".rstrip())
    click.echo(result.content or "")


MOUNT_COLUMNS = [
    ("node", "Node"),
    ("success", "Success"),
    ("mounts", "Mounts"),
    ("message", "Message"),
]


def _mount_rows(result: Any) -> list[dict[str, Any]]:
    """One row per node of a mounts reply (``manager``, ``storage-proxy``, ``agent:<id>``)."""
    data = as_dict(result)
    rows: list[dict[str, Any]] = []
    for key, node in (("manager", "manager"), ("storage_proxy", "storage-proxy")):
        info = data.get(key)
        if isinstance(info, dict):
            rows.append({"node": node, **cast("dict[str, Any]", info)})
    agents = data.get("agents")
    if isinstance(agents, dict):
        for agent_id, info in sorted(cast("dict[str, Any]", agents).items()):
            row = cast("dict[str, Any]", info) if isinstance(info, dict) else {"message": info}
            rows.append({"node": f"agent:{agent_id}", **row})
    return rows


@vfolder.command(name="list-mounts")
def list_mounts() -> None:
    """List all mounted hosts in virtual folder root, per node."""
    with current().session() as api:
        result = api.VFolder.list_mounts()
    emit_list(_mount_rows(result), MOUNT_COLUMNS)


_EDIT_FSTAB = click.option(
    "--edit-fstab", is_flag=True, help="Edit fstab file to mount permanently."
)


@vfolder.command(name="mount-host")
@click.argument("fs_location")
@click.argument("name")
@click.option("-o", "--options", default=None, help="Mount options.")
@_EDIT_FSTAB
def mount_host(fs_location: str, name: str, options: str | None, edit_fstab: bool) -> None:
    """Mount a host (FS_LOCATION) as NAME in virtual folder root."""
    with current().session() as api:
        result = api.VFolder.mount_host(name, fs_location, options, edit_fstab)
    _report_mounts(result, f"Mounted {fs_location} as {name}.")


@vfolder.command(name="umount-host")
@click.argument("name")
@_EDIT_FSTAB
def umount_host(name: str, edit_fstab: bool) -> None:
    """Unmount a host from virtual folder root."""
    with current().session() as api:
        result = api.VFolder.umount_host(name, edit_fstab)
    _report_mounts(result, f"Unmounted {name}.")


def _report_mounts(result: Any, message: str) -> None:
    """The per-node table (or the mutation envelope); exit 1 when a node reports a failure."""
    rows = _mount_rows(result)
    failed = [str(r["node"]) for r in rows if r.get("success") is False]
    if failed:
        message = (
            "Failed on "
            + ", ".join(failed)
            + ": "
            + "; ".join(str(r.get("message") or "-") for r in rows if r.get("success") is False)
        )
    if current().json:
        emit_mutation(not failed, message, nodes=rows)
    else:
        emit_list(rows, MOUNT_COLUMNS)
        emit_mutation(not failed, message)
    if failed:
        raise click.exceptions.Exit(1)


@vfolder.command(name="perf-metric")
@click.argument("vfolder_host")
def perf_metric(vfolder_host: str) -> None:
    """Show the performance statistics of a vfolder host (e.g. local:volume1)."""
    with current().session() as api:
        result = api.VFolder.get_performance_metric(vfolder_host)
    data = as_dict(result)
    metric = data.get("metric")
    emit_item(cast("dict[str, Any]", metric) if isinstance(metric, dict) and metric else data)
