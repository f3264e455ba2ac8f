"""The ``backend.ai`` root command: global options, the lazy command registry, aliases.

Only click is imported here; every subcommand module is loaded on first use (see
:class:`~ai_backend_client.cli._group.LazyGroup`), so ``backend.ai --help`` stays fast and
imports neither httpx nor pydantic.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from ._group import LazyEntry, LazyGroup
from ._output import CLIContext, emit_error_json, handle_error, no_color_flag

__all__ = ["ALIASES", "COMMANDS", "cli", "main"]

_S = "ai_backend_client.cli.session"

#: name -> (``module:attribute``, one-line help). Other parts of the CLI register here.
COMMANDS: dict[str, LazyEntry] = {
    "run": LazyEntry(
        "ai_backend_client.cli.run:run", "Run the given code snippet or files in a session."
    ),
    "session": LazyEntry(f"{_S}:session", "Set of compute session operations"),
    "ps": LazyEntry(f"{_S}:list_sessions", 'List compute sessions (alias of "session list").'),
    "create": LazyEntry(f"{_S}:create", 'Alias of "session create"'),
    "create-from-template": LazyEntry(
        f"{_S}:create_from_template", 'Alias of "session create-from-template"'
    ),
    "destroy": LazyEntry(f"{_S}:destroy", 'Alias of "session destroy"'),
    "restart": LazyEntry(f"{_S}:restart", 'Alias of "session restart"'),
    "info": LazyEntry(f"{_S}:info", 'Alias of "session info"'),
    "events": LazyEntry(f"{_S}:events", 'Alias of "session events"'),
    "logs": LazyEntry(f"{_S}:logs", 'Alias of "session logs"'),
    "watch": LazyEntry("ai_backend_client.cli.session_history:watch", 'Alias of "session watch"'),
    "task-logs": LazyEntry(f"{_S}:task_logs", "Shows the output logs of a batch task."),
    "upload": LazyEntry(f"{_S}:upload", 'Alias of "session upload"'),
    "download": LazyEntry(f"{_S}:download", 'Alias of "session download"'),
    "ls": LazyEntry(f"{_S}:ls", 'Alias of "session ls"'),
    "ssh": LazyEntry("ai_backend_client.cli.ssh:ssh", 'Alias of "session ssh"'),
    "scp": LazyEntry("ai_backend_client.cli.ssh:scp", 'Alias of "session scp"'),
    "app": LazyEntry(
        "ai_backend_client.cli.app:app",
        "Run a local proxy to a service provided by Backend.AI compute sessions.",
    ),
    "apps": LazyEntry(
        "ai_backend_client.cli.app:apps",
        "List available additional arguments and environment variables when starting service.",
    ),
    "session-template": LazyEntry(
        "ai_backend_client.cli.session_template:session_template",
        "Set of session template operations",
    ),
    "config": LazyEntry(
        "ai_backend_client.cli.config_cmd:config", "Shows the current configuration."
    ),
    "login": LazyEntry(
        "ai_backend_client.cli.config_cmd:login", "Log-in to the console API proxy."
    ),
    "logout": LazyEntry(
        "ai_backend_client.cli.config_cmd:logout",
        "Log-out from the console API proxy and clears the local cookie data.",
    ),
    "update-password": LazyEntry(
        "ai_backend_client.cli.config_cmd:update_password", "Update user's password."
    ),
    "completion": LazyEntry(
        "ai_backend_client.cli.completion:completion",
        "Print the shell completion script (bash, zsh, fish).",
    ),
    "update-password-no-auth": LazyEntry(
        "ai_backend_client.cli.config_cmd:update_password_no_auth",
        "Update user's password. This is used to update `EXPIRED` password only.",
    ),
    # Groups written by other parts of the project.
    "vfolder": LazyEntry("ai_backend_client.cli.vfolder:vfolder", "Set of vfolder operations"),
    "image": LazyEntry("ai_backend_client.cli.image:image", "Image commands."),
    "dotfile": LazyEntry("ai_backend_client.cli.dotfile:dotfile", "Provides dotfile operations."),
    "admin": LazyEntry("ai_backend_client.cli.admin:admin", "Administrative command set"),
    "proxy": LazyEntry(
        "ai_backend_client.cli.proxy:proxy", "Run a non-encrypted non-authorized API proxy server."
    ),
    "server-logs": LazyEntry(
        "ai_backend_client.cli.server_logs:server_logs",
        "Provides operations related to server logs.",
    ),
    # Model serving (24.09 and newer; deployments: 26.09).
    "service": LazyEntry("ai_backend_client.cli.service:service", "Set of service operations"),
    "model": LazyEntry("ai_backend_client.cli.model:model", "Set of model operations"),
    "deployment": LazyEntry(
        "ai_backend_client.cli.deployment:deployment",
        "Set of deployment operations (deployments, revisions, routes)",
    ),
}

ALIASES: dict[str, str] = {
    "rm": "destroy",
    "kill": "destroy",
    "start": "create",
    "start-template": "create-from-template",
    "start-from-template": "create-from-template",
    "sesstpl": "session-template",
}


_RAW_ARGS = "ai_backend_client.cli.raw_args"


def _json_requested(args: Sequence[str]) -> bool:
    """Whether *args* ask for ``--output json`` (before any ``--``), for a usage error found
    before the option itself was processed."""
    for i, arg in enumerate(args):
        if arg == "--":
            return False
        if arg == "--output=json" or (arg == "--output" and args[i + 1 : i + 2] == ["json"]):
            return True
    return False


class RootGroup(LazyGroup):
    """Turns every failure of a subcommand into one line on stderr and exit status 1.

    A usage error keeps click's report and exit status 2; with ``--output json`` the error
    envelope goes to stdout as well.
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        raw = list(args)  # click's parser consumes the list it is given
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as e:  # a bad global option
            if _json_requested(raw):
                emit_error_json(e.format_message(), e)
            raise

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_RAW_ARGS] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as e:
            obj = ctx.find_object(CLIContext)
            if (obj is not None and obj.json) or _json_requested(ctx.meta.get(_RAW_ARGS, [])):
                emit_error_json(e.format_message(), e)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except (Exception, KeyboardInterrupt) as e:
            code = handle_error(e, ctx.find_object(CLIContext))
            ctx.exit(code)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__

    click.echo(f"backend.ai (ai-backend-client) {__version__}")
    ctx.exit(0)


def _show_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
    from ._output import print_warn

    print_warn(str(message))


def _not_shown_as_warning(record: Any) -> bool:
    return not getattr(record, "response_validation_warning", False)


@click.group(
    cls=RootGroup,
    lazy_subcommands=COMMANDS,
    aliases=ALIASES,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--output",
    type=click.Choice(["console", "json"]),
    default="console",
    show_default=True,
    help="Set the output style of the command results.",
)
@click.option(
    "--skip-sslcert-validation",
    is_flag=True,
    help="Skip SSL certificate validation for all API requests.",
)
@click.option("--debug", is_flag=True, help="Show full tracebacks and log HTTP requests.")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
@click.pass_context
def cli(ctx: click.Context, output: str, skip_sslcert_validation: bool, debug: bool) -> None:
    """Backend.AI command line interface.

    Settings come from BACKEND_* environment variables (BACKEND_ENDPOINT, BACKEND_ACCESS_KEY,
    BACKEND_SECRET_KEY, BACKEND_ENDPOINT_TYPE, ...); see "backend.ai config".
    """
    if no_color_flag() is False:
        ctx.color = False  # every click.echo/secho of this invocation, the announcement too
    ctx.obj = CLIContext(
        output="json" if output == "json" else "console",
        debug=debug,
        skip_sslcert_validation=skip_sslcert_validation,
    )
    import logging
    import warnings

    warnings.showwarning = _show_warning
    # A lenient read is reported once, as the warning line above; its log record says the same.
    logger = logging.getLogger("ai_backend_client")
    logger.addFilter(_not_shown_as_warning)
    ctx.call_on_close(lambda: logger.removeFilter(_not_shown_as_warning))
    if debug:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("ai_backend_client").setLevel(logging.DEBUG)


#: How long a command runs before the cyclic garbage collector is back on (see ``_pause_gc``).
GC_PAUSE_SECONDS = 1.0


def _pause_gc() -> None:
    """Hold the cyclic garbage collector off while the command starts.

    Start-up imports and the first parse allocate a few hundred thousand objects that all stay
    alive, and a collection walks every young one again. After ``GC_PAUSE_SECONDS`` a daemon
    timer freezes what exists then (never walked again) and turns collection back on, so a
    command that runs for hours collects its cyclic garbage as usual. A collector the program
    turned off itself is left alone.
    """
    import gc

    if not gc.isenabled():
        return
    import threading

    def resume() -> None:
        gc.freeze()
        gc.enable()

    gc.disable()
    timer = threading.Timer(GC_PAUSE_SECONDS, resume)
    timer.daemon = True
    timer.start()


def main(argv: Sequence[str] | None = None) -> None:
    """Run one ``backend.ai`` command line (*argv*, default ``sys.argv[1:]``); ends, as click
    does, with :class:`SystemExit` carrying the exit status."""
    _pause_gc()
    # Looking for pydantic plugins reads the metadata of every installed distribution before
    # the first answer is parsed (milliseconds per hundred packages); a command has no use for
    # them. A value the user set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    cli.main(args=list(argv) if argv is not None else None, prog_name="backend.ai")


def run() -> NoReturn:
    """The ``backend.ai`` console script: :func:`main`, then a quick exit.

    Once the command is done, tearing the interpreter down (every module, a few hundred
    thousand objects) takes a tenth of a short command's time and does nothing a finished
    command needs. So the exit handlers run (log handlers, temporary directories), output is
    flushed, and the process ends with the command's status. While a thread that is not a
    daemon still runs, the usual exit waits for it instead.
    """
    try:
        main()
    except SystemExit as e:
        status = e.code
    else:
        status = 0
    _leave(status)


def _leave(status: str | int | None) -> NoReturn:
    import sys
    import threading

    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(status)  # the usual exit joins them
    if status is None:
        code = 0
    elif isinstance(status, int):
        code = status
    else:  # what sys.exit does with a message
        print(status, file=sys.stderr)
        code = 1
    import atexit

    # What the interpreter runs first when it exits (no public name; CPython and PyPy alike).
    atexit._run_exitfuncs()  # pyright: ignore[reportPrivateUsage]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code & 0xFF)


if __name__ == "__main__":
    run()
