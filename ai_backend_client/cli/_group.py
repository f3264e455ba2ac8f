"""Click groups with lazily imported subcommands and command aliases.

A :class:`LazyGroup` maps command names to ``"module:attribute"`` strings plus a one-line help, so
listing commands (``--help``) needs no import. A subcommand module is imported only when its command
runs (or its own ``--help`` is shown). A module that is missing or fails to import becomes a
command that reports one clean error line instead of a traceback.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import click

__all__ = ["LazyEntry", "LazyGroup", "add_output_option"]


class LazyEntry(NamedTuple):
    target: str  # "package.module:attribute"
    short_help: str


def _set_output(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    from ._output import CLIContext

    obj = ctx.find_object(CLIContext)
    if obj is not None:
        obj.output = value  # type: ignore[assignment]


def add_output_option(cmd: click.Command) -> click.Command:
    """Let ``--output json`` also follow the subcommand (``backend.ai ps --output json``)."""
    if not any(p.name == "output" for p in cmd.params):
        cmd.params.append(
            click.Option(
                ["--output"],
                type=click.Choice(["console", "json"]),
                default=None,
                expose_value=False,
                is_eager=True,
                callback=_set_output,
                help="Output style (same as the global --output).",
            )
        )
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            add_output_option(sub)
    return cmd


def _broken_command(name: str, target: str, exc: BaseException) -> click.Command:
    module = target.partition(":")[0]
    if isinstance(exc, ModuleNotFoundError) and exc.name and module.startswith(exc.name):
        reason = (
            f"the {name!r} commands are not available in this installation ({module} is missing)"
        )
    else:
        reason = f"could not load the {name!r} command from {target}: {type(exc).__name__}: {exc}"

    @click.command(
        name=name,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
        help=reason,
    )
    @click.pass_context
    def broken(ctx: click.Context) -> None:
        from ._output import CLIError, current

        if current().debug:
            raise exc
        raise CLIError(reason)

    return broken


class LazyGroup(click.Group):
    """A group whose subcommands are named in a registry and imported on first use."""

    def __init__(
        self,
        *args: Any,
        lazy_subcommands: Mapping[str, LazyEntry | tuple[str, str]] | None = None,
        aliases: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands: dict[str, LazyEntry] = {
            k: LazyEntry(*v) for k, v in (lazy_subcommands or {}).items()
        }
        self.aliases: dict[str, str] = dict(aliases or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_subcommands))

    def resolve_alias(self, name: str) -> str:
        return self.aliases.get(name, name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        name = self.resolve_alias(cmd_name)
        cmd = super().get_command(ctx, name)
        if cmd is not None:
            return add_output_option(cmd)
        entry = self.lazy_subcommands.get(name)
        if entry is None:
            return None
        module_name, _, attr = entry.target.partition(":")
        try:
            loaded = getattr(importlib.import_module(module_name), attr)
        except Exception as e:  # a helper's module missing or broken: report it cleanly
            return _broken_command(name, entry.target, e)
        if not isinstance(loaded, click.Command):
            return _broken_command(
                name, entry.target, TypeError(f"{entry.target} is not a click command")
            )
        add_output_option(loaded)
        return loaded

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: list[tuple[str, str]] = []
        limit = formatter.width - 6 - max((len(n) for n in self.list_commands(ctx)), default=0)
        for name in self.list_commands(ctx):
            entry = self.lazy_subcommands.get(name)
            if entry is not None and name not in self.commands:
                rows.append((name, entry.short_help))
                continue
            cmd = super().get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            rows.append((name, cmd.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
        if self.aliases:
            with formatter.section("Aliases"):
                formatter.write_dl(
                    [(alias, f"= {target}") for alias, target in sorted(self.aliases.items())]
                )
