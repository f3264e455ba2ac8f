"""``backend.ai vfolder``: folders, their files, sharing and transfers (the 22.03 command tree)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._output import (
    as_dict,
    current,
    emit_item,
    emit_json,
    emit_list,
    emit_mutation,
    fail,
    format_list,
    partial_failure,
    print_done,
    print_info,
    print_table,
)
from ._transfers import address_map as _address_map
from ._transfers import basedir_option as _basedir_option
from ._transfers import chunk_option as _chunk_option
from ._transfers import override_option as _override_option
from ._transfers import parallel_option as _parallel_option
from ._transfers import progress_bars as _progress_bars

if TYPE_CHECKING:
    from ..func._sync._transfer import Transfer
    from ..func._sync.vfolder import VFolder
    from ..transfer import ProgressCallback

__all__ = ["vfolder"]


@click.group()
def vfolder() -> None:
    """Set of vfolder operations"""


_FOLDER_COLUMNS = [
    "name",
    "id",
    "host",
    "status",
    "usage_mode",
    "permission",
    "ownership_type",
    "is_owner",
    "cloneable",
    "user_email",
    "group_name",
]


@vfolder.command(name="list")
@click.option("-g", "--group", help="Filter by group ID.")
@click.option("--filter", "filter_", help="Set the query filter expression.")
@click.option("--order", help="Set the query ordering expression.")
@click.option(
    "--offset",
    type=int,
    default=0,
    show_default=True,
    help="The index of the current page start for pagination.",
)
@click.option("--limit", type=int, help="The page size for pagination.")
def list_(
    group: str | None, filter_: str | None, order: str | None, offset: int, limit: int | None
) -> None:
    """List virtual folders."""
    with current().session() as api:
        if group or filter_ or order or offset or limit:
            page = api.VFolder.paginated_list(
                group, page_offset=offset, page_size=limit or 20, filter=filter_, order=order
            )
            emit_list(
                page.items,
                [
                    "name",
                    "id",
                    "host",
                    "status",
                    "usage_mode",
                    "permission",
                    "ownership_type",
                    "cloneable",
                ],
                total_count=page.total_count,
            )
            return
        emit_list(api.VFolder.list(), _FOLDER_COLUMNS)


@vfolder.command(name="list-hosts")
def list_hosts() -> None:
    """List the hosts of virtual folders that is accessible to the current user."""
    with current().session() as api:
        hosts = api.VFolder.list_hosts()
    if current().json:
        data = as_dict(hosts)
        # volume_info: host -> {"backend", "capabilities", "usage", "sftp_scaling_groups"}
        emit_json(
            {
                "default": data.get("default"),
                "allowed": data.get("allowed"),
                "volume_info": data.get("volume_info"),
            }
        )
        return
    click.echo(f"Default vfolder host: {hosts.default}")
    click.echo(f"Usable hosts: {format_list(hosts.allowed)}")


@vfolder.command(name="list-allowed-types")
def list_allowed_types() -> None:
    """List allowed vfolder types."""
    with current().session() as api:
        types = api.VFolder.list_allowed_types()
    if current().json:
        emit_json({"count": len(types), "total_count": len(types), "items": types})
        return
    click.echo("Allowed vfolder types: " + format_list(types))


@vfolder.command()
@click.argument("name")
@click.argument("host", required=False)
@click.option(
    "-g",
    "--group",
    help="Group ID or NAME. Specify this option if you want to create a group folder.",
)
@click.option(
    "--unmanaged",
    is_flag=True,
    help="Treats HOST as a mount point of unmanaged virtual folder (admins).",
)
@click.option(
    "-m",
    "--usage-mode",
    default="general",
    show_default=True,
    type=click.Choice(["general", "data", "model"]),
)
@click.option(
    "-p", "--permission", default="rw", show_default=True, type=click.Choice(["ro", "rw", "wd"])
)
@click.option(
    "-q",
    "--quota",
    default="0",
    show_default=True,
    help="Quota of the virtual folder (22.03 servers).",
)
@click.option(
    "--cloneable",
    "--allow-clone",
    "cloneable",
    is_flag=True,
    help="Allows the virtual folder to be cloned by users.",
)
def create(
    name: str,
    host: str | None,
    group: str | None,
    unmanaged: bool,
    usage_mode: Any,
    permission: Any,
    quota: str,
    cloneable: bool,
) -> None:
    """Create a new virtual folder."""
    with current().session() as api:
        result = api.VFolder.create(
            name,
            host=None if unmanaged else host,
            unmanaged_path=host if unmanaged else None,
            group=group,
            usage_mode=usage_mode,
            permission=permission,
            quota=quota,
            cloneable=cloneable,
        )
    emit_mutation(
        True, f"Virtual folder {result.name!r} is created ({result.host}).", item=as_dict(result)
    )


@vfolder.command()
@click.argument("name")
def delete(name: str) -> None:
    """Delete the given virtual folder. The virtual folder will be under `delete-pending`
    status, which means trash-bin. This operation can be retracted by calling `restore`.
    (22.03 servers have no trash bin: there the folder is deleted for good.)

    NAME: Name of a virtual folder.
    """
    from ..exceptions import BackendAPIVersionError

    with current().session() as api:
        folder = api.VFolder(name)
        try:
            folder.move_to_trash()
        except BackendAPIVersionError:  # no trash bin on this server
            folder.delete()
            emit_mutation(True, f"Deleted virtual folder {name!r}.")
            return
    emit_mutation(
        True,
        f"Moved virtual folder {name!r} to the trash bin "
        f"(`backend.ai vfolder restore {name}` brings it back).",
    )


@vfolder.command()
@click.argument("old_name")
@click.argument("new_name")
def rename(old_name: str, new_name: str) -> None:
    """Rename the given virtual folder. This operation is irreversible!"""
    with current().session() as api:
        api.VFolder(old_name).rename(new_name)
    emit_mutation(True, f"Renamed virtual folder {old_name!r} to {new_name!r}.")


@vfolder.command()
@click.argument("name")
def info(name: str) -> None:
    """Show the information of the given virtual folder."""
    with current().session() as api:
        result = api.VFolder(name).info()
    emit_item(
        result,
        [
            "name",
            "id",
            "host",
            "status",
            "usage_mode",
            "permission",
            "num_files",
            "used_bytes",
            "created_at",
            "is_owner",
            "cloneable",
            "type",
        ],
    )


@vfolder.command()
@click.argument("name")
@click.argument("filenames", nargs=-1, required=True, type=click.Path(path_type=Path))
@_basedir_option
@_chunk_option
@_override_option
@_parallel_option
def upload(
    name: str,
    filenames: Sequence[Path],
    basedir: Path | None,
    chunk_size: int,
    override: str | None,
    max_parallel: int,
) -> None:
    """TUS Upload files (and directories, recursively) to the virtual folder.

    Each file goes to its path relative to the base directory. Several files move at once; if
    some fail, the others still complete, the failed ones are listed and the exit code is 1.
    """
    from ..transfer import plan_uploads

    items = plan_uploads(filenames, basedir)  # check every local path before sending anything
    total = sum(i.size for i in items)
    with (
        partial_failure("Uploaded", name),
        current().session() as api,
        _progress_bars(total, f"Uploading to {name}") as progress,
    ):
        written = api.VFolder(name).upload(
            filenames,
            basedir=basedir,
            chunk_size=chunk_size,
            address_map=_address_map(override),
            progress=progress,
            max_parallel=max_parallel,
        )
    emit_mutation(
        True, f"Uploaded {len(written)} file(s) ({total} bytes) to {name!r}.", files=written
    )


@vfolder.command()
@click.argument("name")
@click.argument("filenames", nargs=-1, required=True)
@_basedir_option
@_chunk_option
@_override_option
@click.option("--overwrite", is_flag=True, help="Replace local files that already exist.")
@click.option(
    "--archive", is_flag=True, help="Download each path (e.g. a directory) as one zip file."
)
@_parallel_option
def download(
    name: str,
    filenames: Sequence[str],
    basedir: Path | None,
    chunk_size: int,
    override: str | None,
    overwrite: bool,
    archive: bool,
    max_parallel: int,
) -> None:
    """Download files and directories from the virtual folder to the current directory (or -b).

    A directory comes down with everything in it, at the same paths under the base directory.

    Several files move at once; if some fail, the others still complete, the failed ones are
    listed and the exit code is 1.
    """
    with (
        partial_failure("Downloaded", name),
        current().session() as api,
        _progress_bars(None, f"Downloading from {name}") as progress,
    ):
        paths = api.VFolder(name).download(
            filenames,
            basedir=basedir,
            chunk_size=chunk_size,
            address_map=_address_map(override),
            overwrite=overwrite,
            archive=archive,
            progress=progress,
            max_parallel=max_parallel,
        )
    emit_mutation(
        True, f"Downloaded {len(paths)} file(s) from {name!r}.", files=[str(p) for p in paths]
    )


@vfolder.command()
@click.argument("filenames", nargs=-1, required=True)
@_chunk_option
@_override_option
@click.option("--overwrite", is_flag=True, help="Replace local files that already exist.")
@_parallel_option
def cp(
    filenames: Sequence[str],
    chunk_size: int,
    override: str | None,
    overwrite: bool,
    max_parallel: int,
) -> None:
    """An scp-like shortcut for download/upload commands.

    \b
    Upload:   backend.ai vfolder cp LOCAL... VFOLDER:[DIR]
    Download: backend.ai vfolder cp VFOLDER:PATH... LOCAL_DIR
    """
    if len(filenames) < 2:
        fail("Give at least one source and a destination.")
    *sources, dest = filenames
    address_map = _address_map(override)

    def transfer(vf: VFolder, progress: ProgressCallback | None) -> Transfer:
        from ..func._sync._transfer import Transfer

        return Transfer(
            vf.session,
            vf.name,
            chunk_size=chunk_size,
            address_map=address_map,
            progress=progress,
            max_parallel=max_parallel,
        )

    if ":" in dest and not Path(dest).exists():
        folder, _, remote_dir = dest.partition(":")
        if any(":" in s and not Path(s).exists() for s in sources):
            fail("Copying between two virtual folders is not supported.")
        import dataclasses
        import os

        from ..transfer import plan_uploads, remote_path

        remote_dir = remote_path(remote_dir or ".")
        # scp semantics: each source lands under REMOTE_DIR by its own name (the remote paths
        # say where, on every server version). Its base directory is its parent as typed, so a
        # symlink keeps its own name; every source is checked before the first byte moves.
        planned = [(src, plan_uploads([src], Path(os.path.abspath(src)).parent)) for src in sources]
        if remote_dir != ".":
            planned = [
                (src, [dataclasses.replace(i, remote=f"{remote_dir}/{i.remote}") for i in items])
                for src, items in planned
            ]
        with partial_failure("Uploaded", folder), current().session() as api:
            vf = api.VFolder(folder)
            written: list[str] = []
            for src, items in planned:
                with _progress_bars(sum(i.size for i in items), f"Uploading {src}") as progress:
                    transfer(vf, progress).upload(items)
                written += [i.remote for i in items]
        emit_mutation(True, f"Uploaded {len(written)} file(s) to {folder!r}.", files=written)
        return
    folders = {s.partition(":")[0] for s in sources}
    if any(":" not in s for s in sources) or len(folders) != 1:
        fail(
            "Use VFOLDER:PATH sources (one folder) to download, or a VFOLDER:[DIR] destination to upload."
        )
    folder = folders.pop()
    remotes = [s.partition(":")[2] for s in sources]
    with (
        partial_failure("Downloaded", folder),
        current().session() as api,
        _progress_bars(None, f"Downloading from {folder}") as progress,
    ):
        from ..transfer import remote_path

        # scp semantics: the destination is a directory, each source lands there by its name
        # (a remote directory with its tree).
        targets = [(remote_path(r), Path(dest) / Path(r).name) for r in remotes]
        paths = transfer(api.VFolder(folder), progress).download_many(targets, overwrite=overwrite)
    emit_mutation(True, f"Downloaded {len(paths)} file(s).", files=[str(p) for p in paths])


@vfolder.command(name="request-download")
@click.argument("name")
@click.argument("filename")
def request_download(name: str, filename: str) -> None:
    """Request JWT-formated download token for later use."""
    with current().session() as api:
        ticket = api.VFolder(name).request_download(filename)
    if current().json:
        emit_json(as_dict(ticket))
        return
    click.echo(f"{ticket.url}?token={ticket.token}")


@vfolder.command()
@click.argument("name")
@click.argument("path")
@click.option(
    "-p", "--parents", is_flag=True, default=True, help="Create parent directories (default)."
)
@click.option("--exist-ok", is_flag=True, help="Do not fail if the directory exists.")
def mkdir(name: str, path: str, parents: bool, exist_ok: bool) -> None:
    """Create an empty directory in the virtual folder."""
    with current().session() as api:
        api.VFolder(name).mkdir(path, parents=parents, exist_ok=exist_ok)
    emit_mutation(True, f"Created directory {path!r} in {name!r}.")


@vfolder.command(name="rename-file")
@click.argument("name")
@click.argument("target_path")
@click.argument("new_name")
def rename_file(name: str, target_path: str, new_name: str) -> None:
    """Rename a file or a directory in a virtual folder."""
    with current().session() as api:
        api.VFolder(name).rename_file(target_path, new_name)
    emit_mutation(True, f"Renamed {target_path!r} to {new_name!r}.")


@vfolder.command()
@click.argument("name")
@click.argument("src")
@click.argument("dst")
def mv(name: str, src: str, dst: str) -> None:
    """Move a file or a directory within a virtual folder."""
    with current().session() as api:
        api.VFolder(name).move_file(src, dst)
    emit_mutation(True, f"Moved {src!r} to {dst!r}.")


@vfolder.command()
@click.argument("name")
@click.argument("filenames", nargs=-1, required=True)
@click.option("-r", "--recursive", is_flag=True, help="Enable recursive deletion of directories.")
def rm(name: str, filenames: Sequence[str], recursive: bool) -> None:
    """Delete files in a virtual folder."""
    with current().session() as api:
        api.VFolder(name).delete_files(list(filenames), recursive=recursive)
    emit_mutation(True, f"Deleted {len(filenames)} path(s) in {name!r}.")


@vfolder.command()
@click.argument("name")
@click.argument("path", default=".")
def ls(name: str, path: str) -> None:
    """List files in a path of a virtual folder."""
    with current().session() as api:
        listing = api.VFolder(name).list_files(path)
    emit_list(listing.items or [], ["name", "type", "size", "mode", "modified"])


@vfolder.command()
@click.argument("name")
@click.argument("emails", nargs=-1, required=True)
@click.option(
    "-p", "--perm", default="rw", show_default=True, type=click.Choice(["ro", "rw", "wd"])
)
def invite(name: str, emails: Sequence[str], perm: Any) -> None:
    """Invite other users to access a user-type virtual folder."""
    with current().session() as api:
        result = api.VFolder(name).invite(perm, list(emails))
    emit_mutation(
        True,
        f"Invited {', '.join(result.invited_ids or []) or 'nobody new'}.",
        invited_ids=result.invited_ids or [],
    )


_PERMISSIONS = {"rw": "read-write", "ro": "read-only", "wd": "write-delete"}


def _ask(prompt: str) -> str | None:
    """One answer line from stdin (a terminal or a pipe); ``None`` at the end of the input."""
    click.echo(prompt, nl=False, err=True)
    line = sys.stdin.readline()
    if not line:
        click.echo(err=True)
        return None
    return line.strip()


@vfolder.command()
def invitations() -> None:
    """List and manage received invitations.

    Lists the pending invitations, then asks for the number of one to accept or reject (on a
    terminal, or read from stdin: e.g. `printf '1\\na\\n' | backend.ai vfolder invitations`).
    With no answer, or with --output json, it only lists them; accept-invitation and
    delete-invitation do the same without asking.
    """
    with current().session() as api:
        items = api.VFolder.invitations()
        if current().json:
            emit_list(items, ["id", "vfolder_name", "inviter", "perm", "state", "created_at"])
            return
        if not items:
            print_info("No invitations.")
            return
        rows = [
            {
                "index": i,
                "inviter": inv.inviter,
                "vfolder": inv.vfolder_name,
                "vfolder_id": inv.vfolder_id,
                "perm": _PERMISSIONS.get(str(inv.perm), inv.perm),
                "created_at": inv.created_at,
            }
            for i, inv in enumerate(items, 1)
        ]
        print_table(
            rows,
            [
                ("index", "#"),
                ("inviter", "Inviter"),
                ("vfolder", "Virtual folder"),
                ("vfolder_id", "Folder ID"),
                ("perm", "Permission"),
                ("created_at", "Invited at"),
            ],
        )
        choice = _ask("Choose invitation number to manage (Enter to quit): ")
        if not choice:
            return
        if not choice.isdigit() or not 1 <= int(choice) <= len(items):
            fail(f"There is no invitation number {choice} (choose 1 to {len(items)}).")
        inv = items[int(choice) - 1]
        inv_id = str(inv.id)
        while True:
            action = _ask("Choose action. (a)ccept, (r)eject, (c)ancel: ")
            if action is None or action.lower() in ("c", "cancel"):
                print_info("Cancelled.")
                return
            if action.lower() in ("a", "accept"):
                api.VFolder.accept_invitation(inv_id)
                print_done(f"You can now access the virtual folder {inv.vfolder_name} ({inv_id}).")
                return
            if action.lower() in ("r", "reject"):
                api.VFolder.delete_invitation(inv_id)
                print_done(f"Rejected the invitation to {inv.vfolder_name} ({inv_id}).")
                return


@vfolder.command(name="accept-invitation")
@click.argument("inv_id")
def accept_invitation(inv_id: str) -> None:
    """Accept a received invitation."""
    with current().session() as api:
        api.VFolder.accept_invitation(inv_id)
    emit_mutation(True, f"Accepted invitation {inv_id}.")


@vfolder.command(name="delete-invitation")
@click.argument("inv_id")
def delete_invitation(inv_id: str) -> None:
    """Decline a received (or cancel a sent) invitation."""
    with current().session() as api:
        api.VFolder.delete_invitation(inv_id)
    emit_mutation(True, f"Deleted invitation {inv_id}.")


@vfolder.command()
@click.argument("name")
@click.argument("emails", nargs=-1, required=True)
@click.option(
    "-p", "--perm", default="rw", show_default=True, type=click.Choice(["ro", "rw", "wd"])
)
def share(name: str, emails: Sequence[str], perm: Any) -> None:
    """Share a group folder to users with overriding permission."""
    with current().session() as api:
        result = api.VFolder(name).share(perm, list(emails))
    emit_mutation(
        True,
        f"Shared with {', '.join(result.shared_emails or [])}.",
        shared_emails=result.shared_emails or [],
    )


@vfolder.command()
@click.argument("name")
@click.argument("emails", nargs=-1, required=True)
def unshare(name: str, emails: Sequence[str]) -> None:
    """Unshare a group folder from users."""
    with current().session() as api:
        result = api.VFolder(name).unshare(list(emails))
    emit_mutation(
        True,
        f"Unshared from {', '.join(result.unshared_emails or [])}.",
        unshared_emails=result.unshared_emails or [],
    )


@vfolder.command()
@click.argument("name")
def leave(name: str) -> None:
    """Leave the shared virutal folder."""
    with current().session() as api:
        api.VFolder(name).leave()
    emit_mutation(True, f"Left the shared virtual folder {name!r}.")


@vfolder.command()
@click.argument("name")
@click.argument("target_name")
@click.argument("target_host", required=False)
@click.option(
    "-m",
    "--usage-mode",
    default="general",
    show_default=True,
    type=click.Choice(["general", "data", "model"]),
)
@click.option(
    "-p", "--permission", default="rw", show_default=True, type=click.Choice(["ro", "rw", "wd"])
)
@click.option("--no-wait", is_flag=True, help="Return once the copy has started.")
def clone(
    name: str,
    target_name: str,
    target_host: str | None,
    usage_mode: Any,
    permission: Any,
    no_wait: bool,
) -> None:
    """Clone a virtual folder."""
    show = not current().json and sys.stderr.isatty()

    def report(p: Any) -> None:
        if show and p.total_progress:
            click.echo(
                f"\r  copying: {p.current_progress or 0:.0f}/{p.total_progress:.0f}",
                nl=False,
                err=True,
            )

    with current().session() as api:
        result = api.VFolder(name).clone(
            target_name,
            target_host,
            usage_mode,
            permission,
            wait=not no_wait,
            progress=None if no_wait else report,
        )
    if show:
        click.echo("", err=True)
    if no_wait:
        print_info(
            f"The copy runs as background task {result.get('bgtask_id')}."
        ) if not current().json else None
    emit_mutation(True, f"Cloned {name!r} to {target_name!r}.", item=as_dict(result))


@vfolder.command(name="update-options")
@click.argument("name")
@click.option(
    "-p", "--permission", type=click.Choice(["ro", "rw", "wd"]), help="Folder's innate permission."
)
@click.option(
    "--set-cloneable",
    type=bool,
    default=None,
    help="Whether the virtual folder can be cloned (true/false).",
)
def update_options(name: str, permission: Any, set_cloneable: bool | None) -> None:
    """Update an existing virtual folder."""
    if permission is None and set_cloneable is None:
        fail("Nothing to update: give --permission and/or --set-cloneable.")
    with current().session() as api:
        api.VFolder(name).update_options(name, permission=permission, cloneable=set_cloneable)
    emit_mutation(True, f"Updated the options of {name!r}.")


# The trash bin and the lists by relation (24.09 and later) are in vfolder_lifecycle.py.
from . import vfolder_lifecycle as _lifecycle  # noqa: E402

for _command in (
    _lifecycle.restore,
    _lifecycle.recover,
    _lifecycle.delete_trash,
    _lifecycle.purge,
    _lifecycle.list_own,
    _lifecycle.list_invited,
    _lifecycle.list_project,
):
    vfolder.add_command(_command)
