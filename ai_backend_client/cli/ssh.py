"""``backend.ai session ssh`` / ``session scp`` (and the top-level ``ssh`` / ``scp`` aliases).

As the 22.03 client does it: fetch the session's SSH private key (``/home/work/id_container``,
which the ``sshd`` service of Backend.AI kernels creates) into a private temporary folder, serve a
local TCP proxy to the session's ``sshd`` app on ``127.0.0.1:PORT``, run the system ``ssh`` or
``scp`` against ``work@localhost`` through it, and exit with that program's exit status. The key
is deleted and the proxy closed afterwards, whatever happens.

Only click is imported at module level (``backend.ai --help`` stays light).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._output import as_dict, current, fail, print_info

if TYPE_CHECKING:
    from ..session import AsyncSession

__all__ = [
    "KEY_FILE",
    "SSH_APP",
    "fetch_key",
    "run_through_sshd",
    "scp",
    "scp_command",
    "ssh",
    "ssh_command",
]

#: The app service and the key file of the session's SSH server.
SSH_APP = "sshd"
KEY_FILE = "id_container"
DEFAULT_PORT = 9922

_SSH_OPTIONS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
_PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}

#: Runs a command (argv) and answers its exit status; tests replace it.
Runner = Callable[[Sequence[str]], Awaitable[int]]


def ssh_command(port: int, key_path: Path | str, extra: Sequence[str] = ()) -> list[str]:
    """``ssh -p PORT -i KEY -o ... work@localhost EXTRA...`` (EXTRA: options or a command)."""
    return ["ssh", "-p", str(port), "-i", str(key_path), *_SSH_OPTIONS, "work@localhost", *extra]


def scp_command(
    port: int,
    key_path: Path | str,
    src: str,
    dst: str,
    *,
    recursive: bool = False,
    extra: Sequence[str] = (),
) -> list[str]:
    """``scp -P PORT -i KEY -o ... [-r] EXTRA... SRC DST`` (options before the operands)."""
    return [
        "scp",
        "-P",
        str(port),
        "-i",
        str(key_path),
        *_SSH_OPTIONS,
        *(["-r"] if recursive else []),
        *extra,
        src,
        dst,
    ]


async def fetch_key(api: AsyncSession, session_ref: str, folder: Path) -> Path:
    """Download the session's SSH private key into *folder*; answer its path (mode 0600)."""
    result = await api.ComputeSession(session_ref).download([KEY_FILE], dest=folder)
    names = [folder / name for name in result.file_names]
    candidates = [p for p in names if p.name == KEY_FILE and p.is_file()]
    candidates = candidates or [p for p in names if p.is_file()]
    if not candidates:
        fail(f"The session {session_ref} did not send its SSH key ({KEY_FILE}).")
    key = candidates[0]
    key.chmod(0o600)
    return key


async def _run_process(argv: Sequence[str]) -> int:
    """Run *argv* on this terminal; Ctrl+C goes to the child alone (as in a shell)."""
    import asyncio

    try:
        proc = await asyncio.create_subprocess_exec(*argv)
    except FileNotFoundError:
        fail(f"{argv[0]} is not installed (or not on PATH).")
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, lambda: None)
    try:
        return await proc.wait()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGINT)


async def run_through_sshd(
    api: AsyncSession,
    session_ref: str,
    port: int,
    build: Callable[[int, Path], list[str]],
    *,
    runner: Runner = _run_process,
) -> int:
    """The whole flow over an open session: check the app, fetch the key, proxy, run, clean up.

    *build* gets the proxy's port and the key's path and answers the argv to run.
    """
    from ..streams import serve_app_proxy

    cs = api.ComputeSession(session_ref)
    services = [str(as_dict(s).get("name")) for s in await cs.stream_app_info()]
    if SSH_APP not in services:
        fail(
            f"The session {session_ref} has no such app service: {SSH_APP!r}"
            + (f" (available: {', '.join(sorted(services))})." if services else ".")
        )
    folder = Path(tempfile.mkdtemp(prefix="backend.ai-ssh-"))  # mode 0700
    try:
        key = await fetch_key(api, session_ref, folder)
        proxy = serve_app_proxy(
            api, session_ref, SSH_APP, host="127.0.0.1", port=port, protocol="tcp"
        )
        async with proxy:
            print_info(f"Running a temporary sshd proxy at localhost:{proxy.port} ...")
            return await runner(build(proxy.port, key))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(session_ref: str, port: int, build: Callable[[int, Path], list[str]]) -> None:
    import asyncio

    async def main() -> int:
        async with current().async_session() as api:
            return await run_through_sshd(api, session_ref, port, build)

    code = asyncio.run(main())
    raise click.exceptions.Exit(code)  # the status of ssh / scp


_PORT_HELP = "The local port of the temporary proxy to the session's sshd (0: any free port)."


@click.command(context_settings=_PASS_THROUGH)
@click.argument("session_ref", metavar="SESSION_REF")
@click.option(
    "-p",
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help=_PORT_HELP,
)
@click.pass_context
def ssh(ctx: click.Context, session_ref: str, port: int) -> None:
    """Execute the ssh command against the target compute session.

    \b
    SESSION_REF: the name or ID of a running session that offers the sshd service.
    All remaining options and arguments are passed to ssh as-is, e.g.
      backend.ai ssh mysess -- uname -a
    The exit status is the one of ssh.
    """
    extra = list(ctx.args)
    _run(session_ref, port, lambda p, key: ssh_command(p, key, extra))


@click.command(context_settings=_PASS_THROUGH)
@click.argument("session_ref", metavar="SESSION_REF")
@click.argument("src")
@click.argument("dst")
@click.option(
    "-p",
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help=_PORT_HELP,
)
@click.option("-r", "--recursive", is_flag=True, help="Copy directories recursively.")
@click.pass_context
def scp(
    ctx: click.Context, session_ref: str, src: str, dst: str, port: int, recursive: bool
) -> None:
    """Execute the scp command against the target compute session.

    \b
    SRC and DST are scp paths: a remote one is written work@localhost:PATH.
      backend.ai scp mysess -r tmp/ work@localhost:tmp2/     (upload)
      backend.ai scp mysess -r work@localhost:tmp2/ tmp/     (download)
    All remaining options are passed to scp as-is; the exit status is the one of scp.
    """
    extra = list(ctx.args)
    _run(
        session_ref,
        port,
        lambda p, key: scp_command(p, key, src, dst, recursive=recursive, extra=extra),
    )
