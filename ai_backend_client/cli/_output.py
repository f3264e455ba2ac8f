"""Output and error helpers shared by every ``backend.ai`` command.

* :class:`CLIContext` is the click context object: output mode, ``--debug``, TLS flag, and the
  factories for API sessions built from them.
* Human output: :func:`print_table`, :func:`print_item`, and the status lines :func:`print_done`,
  :func:`print_info`, :func:`print_wait`, :func:`print_warn`, :func:`print_fail` (status lines go
  to stderr so that stdout carries only results).
* Script output (``--output json``), the envelopes of the official client: list
  ``{"count", "total_count", "items"}``, single item (the same shape with one item), mutation
  ``{"ok", "msg", ...}``, error ``{"error": {"message", "status", "type", "title", "data",
  "exception"}}`` (see docs/cli-json.md). :func:`emit_list`, :func:`emit_item` and
  :func:`emit_mutation` pick the right form for the current mode.
* Errors: raise :class:`CLIError` (or call :func:`fail`); :func:`handle_error` turns any exception
  into one line on stderr and an exit code (tracebacks only with ``--debug``).
* Colour: none when ``NO_COLOR`` is set (to anything but the empty string) or when the stream is
  not a terminal (:func:`color_enabled`).

rich is imported only when a table is drawn, the SDK only when a session is opened.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NoReturn, cast

import click

if TYPE_CHECKING:
    from ..config import APIConfig
    from ..session import AsyncSession, Session

__all__ = [
    "CLIContext",
    "CLIError",
    "Column",
    "OutputMode",
    "as_dict",
    "as_text",
    "color_enabled",
    "current",
    "describe_error",
    "emit_error_json",
    "emit_item",
    "emit_json",
    "emit_list",
    "emit_mutation",
    "error_envelope",
    "fail",
    "format_bytes",
    "format_list",
    "format_slots",
    "format_time",
    "format_value",
    "handle_error",
    "item_envelope",
    "list_envelope",
    "mutation_envelope",
    "no_color_flag",
    "partial_failure",
    "print_done",
    "print_fail",
    "print_info",
    "print_item",
    "print_table",
    "print_wait",
    "print_warn",
    "to_jsonable",
]

OutputMode = Literal["console", "json"]
#: A table column: a key of the row mappings, or ``(key, header)``.
Column = str | tuple[str, str]


class CLIContext:
    """State shared by all commands of one invocation (``ctx.obj``).

    (A plain class rather than a dataclass: ``backend.ai --help`` imports this module, and every
    millisecond of start-up counts there.)
    """

    def __init__(
        self,
        output: OutputMode = "console",
        debug: bool = False,
        skip_sslcert_validation: bool = False,
    ) -> None:
        self.output: OutputMode = output
        self.debug = debug
        self.skip_sslcert_validation = skip_sslcert_validation
        #: The first API session of a console-mode command shows the server's announcement.
        self.announce = output == "console"

    def __repr__(self) -> str:
        return (
            f"CLIContext(output={self.output!r}, debug={self.debug!r}, "
            f"skip_sslcert_validation={self.skip_sslcert_validation!r})"
        )

    @property
    def json(self) -> bool:
        return self.output == "json"

    def api_config(self) -> APIConfig:
        from ..config import APIConfig

        handler = None
        if self.announce:  # once per command (see cli/_announcement.py)
            from ._announcement import show_announcement

            handler = show_announcement
            self.announce = False
        return APIConfig(
            skip_sslcert_validation=True if self.skip_sslcert_validation else None,
            announcement_handler=handler,
        )

    def session(self) -> Session:
        """A blocking API session (use it as a context manager)."""
        from ..session import Session

        return Session(config=self.api_config())

    def async_session(self) -> AsyncSession:
        """An asyncio API session (use it as an async context manager)."""
        from ..session import AsyncSession

        return AsyncSession(config=self.api_config())


_fallback = CLIContext()
_fallback.announce = False  # only commands announce


def current() -> CLIContext:
    """The context object of the running command (defaults outside a click invocation)."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(CLIContext) if ctx is not None else None
    return obj if obj is not None else _fallback


# -- errors -----------------------------------------------------------------------------------
class CLIError(click.ClickException):
    """A failure to report as one line (``✘ message``) with *exit_code*."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        # ClickException declares exit_code as a class variable; this one is per instance.
        object.__setattr__(self, "exit_code", exit_code)

    def show(self, file: Any = None) -> None:
        _report(self.format_message(), json_mode=current().json, exc=self)


def fail(message: str, exit_code: int = 1) -> NoReturn:
    """Stop the command with a one-line error and *exit_code*."""
    raise CLIError(message, exit_code)


def describe_error(exc: BaseException) -> str:
    from ..config import ConfigError
    from ..exceptions import BackendAPIError, BackendError

    if isinstance(exc, click.ClickException):
        return exc.format_message()
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted."
    if isinstance(exc, ConfigError):
        return f"Configuration error: {exc}"
    if isinstance(exc, BackendAPIError):
        return str(exc)
    if isinstance(exc, BackendError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, OSError):
        if exc.strerror and exc.filename:
            return f"{exc.strerror}: {exc.filename}"
        return str(exc) or type(exc).__name__
    return f"Unexpected error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def emit_error_json(message: str, exc: BaseException | None = None) -> None:
    """The error envelope of *message* and *exc* on stdout, as one line."""
    import json

    click.echo(json.dumps(error_envelope(_one_line(message), exc), ensure_ascii=False))


def _report(message: str, *, json_mode: bool, exc: BaseException | None = None) -> None:
    if json_mode:
        emit_error_json(message, exc)
    _status("✘", _one_line(message), "red")


def handle_error(exc: BaseException, ctx_obj: CLIContext | None = None) -> int:
    """Report *exc* as one line (and the JSON error envelope in JSON mode); return the exit code.

    ``--debug`` adds the full traceback. Usage errors keep click's own report and exit code 2.
    """
    obj = ctx_obj or current()
    if isinstance(exc, BrokenPipeError):
        # The reader went away (``backend.ai ps | head``): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 1
    if obj.debug and not isinstance(exc, click.ClickException):
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    if isinstance(exc, click.UsageError):
        if obj.json:
            emit_error_json(exc.format_message(), exc)
        exc.show()
        return exc.exit_code
    _report(describe_error(exc), json_mode=obj.json, exc=exc)
    if isinstance(exc, click.ClickException):
        return exc.exit_code
    return 1


# -- JSON ------------------------------------------------------------------------------------
def to_jsonable(value: Any) -> Any:
    """Plain JSON data of models, dataclasses, datetimes, UUIDs, decimals, paths, enums, ..."""
    import dataclasses
    import datetime as dt
    import decimal
    import enum
    import uuid
    from pathlib import PurePath

    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if callable(getattr(value, "model_dump", None)):  # pydantic models (pydantic is loaded)
        from .._models import server_json

        # What the server sent, unchanged; models made here by attribute name.
        return to_jsonable(server_json(value))
    if isinstance(value, Mapping):
        # pyright sees Mapping[Unknown, Unknown] here, mypy Mapping[Any, Any].
        mapping = cast("Mapping[Any, Any]", value)  # type: ignore[redundant-cast]
        return {str(k): to_jsonable(v) for k, v in mapping.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in cast("Iterable[Any]", value)]
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (uuid.UUID, decimal.Decimal, PurePath)):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def as_dict(value: Any) -> dict[str, Any]:
    """A row mapping of a model / mapping / dataclass (field names, JSON-compatible values).

    A model's fields are keyed by attribute name; a field that did not match its type when the
    answer was read holds the server's raw value.
    """
    dump = getattr(value, "model_dump", None)
    data = to_jsonable(dump(mode="json", warnings=False)) if callable(dump) else to_jsonable(value)
    if isinstance(data, dict):
        return cast("dict[str, Any]", data)
    return {"value": data}


def _json_row(item: Any, keys: Sequence[str]) -> dict[str, Any]:
    """The *keys* (attribute names or wire keys) of *item* for JSON output: a model that came
    from an answer gives the server's values unchanged."""
    if callable(getattr(item, "model_dump", None)):
        from .._models import BaseModel, json_field

        if isinstance(item, BaseModel):
            return {k: to_jsonable(json_field(item, k)) for k in keys}
    data = as_dict(item)
    return {k: data.get(k) for k in keys}


def list_envelope(items: Sequence[Any], total_count: int | None = None) -> dict[str, Any]:
    rows = [to_jsonable(i) for i in items]
    return {
        "count": len(rows),
        "total_count": len(rows) if total_count is None else total_count,
        "items": rows,
    }


def item_envelope(item: Any | None) -> dict[str, Any]:
    return list_envelope([] if item is None else [item])


def mutation_envelope(ok: bool, msg: str, **extra: Any) -> dict[str, Any]:
    return {"ok": ok, "msg": msg, **{k: to_jsonable(v) for k, v in extra.items()}}


def _exception_name(exc: BaseException | None) -> str | None:
    if exc is None:
        return None
    return "UsageError" if isinstance(exc, click.UsageError) else type(exc).__name__


def error_envelope(message: str, exc: BaseException | None = None) -> dict[str, Any]:
    """``{"error": {...}}`` for *message* (the one line also shown on stderr) and *exc*.

    ``status``, ``type``, ``title`` and ``data`` are the HTTP status and the problem+json members
    of a server error (``data``: the problem's ``data`` member, e.g. the field errors of an
    invalid request, or the ``errors`` of a GraphQL answer); ``null`` for local failures.
    ``exception`` names the exception class (``NotFoundError``, ``BackendConnectionError``,
    ``CLIError``, ...; every bad command line is ``UsageError``, exit status 2, whichever
    subclass click raised); ``null`` when there is none.
    """
    status = type_ = title = data = None
    if exc is not None:
        from ..exceptions import BackendAPIError

        if isinstance(exc, BackendAPIError):
            status, type_, title = exc.status, exc.type, exc.title
            data = to_jsonable(exc.data.get("data"))
    return {
        "error": {
            "message": message,
            "status": status,
            "type": type_,
            "title": title,
            "data": data,
            "exception": _exception_name(exc),
        }
    }


def emit_json(data: Any) -> None:
    import json

    click.echo(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2))


# -- human output ----------------------------------------------------------------------------
# How a table shows a column, by its key (JSON output always keeps the server's raw values).
_SIZE_KEYS = frozenset({"size", "max_vfolder_size"})
_TIME_KEYS = frozenset({"last_used", "first_contact", "mtime", "status_changed", "created"})
_BYTE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def _is_slots_key(key: str) -> bool:
    return key.endswith("slots")


def _is_size_key(key: str) -> bool:
    return key in _SIZE_KEYS or key.endswith("_bytes")


def _is_time_key(key: str) -> bool:
    return key in _TIME_KEYS or key.endswith("_at")


def _number(value: Any) -> Any:
    """An int/float/decimal string as a number (``"17179869184"`` -> 17179869184), else None."""
    import decimal

    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    if isinstance(value, str):
        try:
            return decimal.Decimal(value.strip())
        except decimal.InvalidOperation:
            return None
    return None


def format_bytes(value: Any) -> str:
    """A byte count for humans: ``16 GiB``, ``1.5 MiB``, ``512 B`` (binary units); any other
    value as it is."""
    import math

    number = _number(value)
    if number is None:
        return format_value(value)
    n = float(number)
    if not math.isfinite(n):
        return _plain_number(value)
    sign = "-" if n < 0 else ""
    n = abs(n)
    unit = 0
    while n >= 1024 and unit < len(_BYTE_UNITS) - 1:
        n /= 1024
        unit += 1
    text = f"{n:.0f}" if unit == 0 else f"{n:.1f}".rstrip("0").rstrip(".")
    return f"{sign}{text} {_BYTE_UNITS[unit]}"


def _plain_number(value: Any) -> str:
    import decimal

    n = _number(value)
    if n is None:
        return format_value(value)
    d = decimal.Decimal(str(n))
    if d.is_infinite():
        return "∞" if d > 0 else "-∞"
    if d.is_nan():
        return "-"
    if d == d.to_integral_value():
        return str(d.quantize(decimal.Decimal(1)))
    return format(d.normalize(), "f")


def format_slots(value: Any) -> str:
    """Resource slots for humans: ``cpu 8 · mem 16 GiB · cuda.shares 0.5`` (``cpu`` and ``mem``
    first, then the others by name; memory-like slots as sizes). The server's JSON text of a
    slot mapping is read first; any other value is shown as it is."""
    import json

    if isinstance(value, str):
        text = value
        try:
            value = json.loads(text)
        except ValueError:
            return text
    if not isinstance(value, Mapping):
        return format_value(value)
    slots = cast("Mapping[Any, Any]", value)  # type: ignore[redundant-cast]
    if not slots:
        return "-"
    order = sorted(slots, key=lambda k: ({"cpu": 0, "mem": 1}.get(str(k), 2), str(k)))
    parts: list[str] = []
    for key in order:
        name = str(key)
        v = slots[key]
        is_mem = name == "mem" or name.endswith(".mem")
        shown = format_bytes(v) if is_mem and _number(v) is not None else _plain_number(v)
        parts.append(f"{name} {shown}")
    return " · ".join(parts)


def format_time(value: Any) -> str:
    """An ISO 8601 timestamp for humans, in local time: ``2026-12-01 13:41:47 UTC`` (a time
    without zone is UTC, as the manager sends them); any other value as it is."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return value
    else:
        return format_value(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").rstrip()


def format_value(value: Any, key: str | None = None) -> str:
    """A cell for humans. *key* (the column) picks a reading: ``*slots`` as resource slots,
    sizes (``size``, ``*_bytes``, ...) in binary units, times (``*_at``, ...) in local time."""
    if value is None:
        return "-"
    if key is not None:
        if _is_slots_key(key):
            return format_slots(value)
        if _is_size_key(key) and _number(value) is not None:
            return format_bytes(value)
        if _is_time_key(key) and isinstance(value, str):
            return format_time(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list, tuple)):
        return _format_container(to_jsonable(value))
    return str(to_jsonable(value))


def _flat_list(value: Any) -> str | None:
    """``a, b`` for a list of scalars (``-`` when empty); None for a list of anything else."""
    if not isinstance(value, list):
        return None
    items = cast("list[Any]", value)  # type: ignore[redundant-cast]  # pyright: list[Unknown]
    if any(isinstance(v, (dict, list)) for v in items):
        return None
    return ", ".join(format_value(v) for v in items) or "-"


def _format_container(data: Any) -> str:
    """A list of scalars as ``a, b``; a mapping of scalars or such lists as ``k: v; k2: a, b``;
    anything deeper as compact JSON."""
    flat = _flat_list(data)
    if flat is not None:
        return flat
    if isinstance(data, dict):
        mapping = cast("dict[str, Any]", data)
        parts: list[str] = []
        for key, v in mapping.items():
            shown = _flat_list(v) if isinstance(v, list) else None
            if shown is None and isinstance(v, (dict, list)):
                parts = []
                break
            parts.append(f"{key}: {shown if shown is not None else format_value(v)}")
        else:
            return "; ".join(parts) or "-"
    import json

    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def format_list(value: Any) -> str:
    """A list for humans (``a, b``); a value of another shape the server sent instead is shown
    as it came (a single string as it is)."""
    if isinstance(value, (list, tuple)):
        items = cast("Sequence[Any]", value)
        return ", ".join(v if isinstance(v, str) else format_value(v) for v in items)
    return "-" if value is None else value if isinstance(value, str) else format_value(value)


def as_text(value: Any) -> str | None:
    """Text the server sent: a string as it is, lines joined, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    lines = cast("list[Any]", value) if isinstance(value, list) else None  # type: ignore[redundant-cast]
    if lines is not None and all(isinstance(v, str) for v in lines):
        return "".join(lines)
    return format_value(value)


def _columns(columns: Sequence[Column]) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for c in columns:
        if isinstance(c, tuple):
            result.append(c)
        else:
            result.append((c, c.replace("_", " ").title()))
    return result


def _row(item: Any) -> Mapping[str, Any]:
    if isinstance(item, Mapping):
        return cast("Mapping[str, Any]", item)
    return as_dict(item)


def _console() -> Any:
    from rich.console import Console

    out = sys.stdout
    is_tty = out.isatty()
    # Piped output is for grep and friends: never fold table cells there.
    return Console(
        file=out,
        width=None if is_tty else 10_000,
        no_color=not color_enabled(out),
        highlight=False,
        soft_wrap=False,
        # Cells are the server's text: "[red]x" or "a[/]b" in a name is shown as it is, not
        # read as rich markup (which coloured it, or raised MarkupError), nor ":x:" as emoji.
        markup=False,
        emoji=False,
    )


def print_table(
    rows: Sequence[Any],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    plain: bool = False,
) -> None:
    """A table for humans; *rows* are mappings or models, *columns* keys or ``(key, header)``."""
    from rich import box
    from rich.table import Table

    cols = _columns(columns)
    table = Table(
        title=title,
        box=None if plain else box.SIMPLE_HEAD,
        show_header=not plain,
        show_edge=False,
        pad_edge=False,
    )
    for _, header in cols:
        table.add_column(header, overflow="fold")
    for row in rows:
        data = _row(row)
        table.add_row(*(format_value(data.get(key), key) for key, _ in cols))
    console = _console()
    with console.capture() as capture:
        console.print(table)
    # Cells are padded to the column width: drop the trailing blanks of every line.
    text = "\n".join(line.rstrip() for line in capture.get().splitlines())
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def print_item(item: Any, columns: Sequence[Column] | None = None) -> None:
    """One object as ``field: value`` lines (all fields unless *columns* says which)."""
    data = _row(item)
    cols = _columns(columns) if columns is not None else [(k, k) for k in data]
    width = max((len(h) for _, h in cols), default=0)
    for key, header in cols:
        click.echo(f"{header.ljust(width)}  {format_value(data.get(key), key)}")


def emit_list(
    items: Sequence[Any],
    columns: Sequence[Column],
    *,
    total_count: int | None = None,
    plain: bool = False,
    title: str | None = None,
) -> None:
    """A list in the current mode (JSON envelope keeps only the *columns* keys)."""
    if current().json:
        keys = [k for k, _ in _columns(columns)]
        rows = [_json_row(i, keys) for i in items]
        emit_json(list_envelope(rows, total_count))
        return
    if not items:
        print_info("No matching items.")
        return
    print_table(items, columns, plain=plain, title=title)
    if total_count is not None and total_count > len(items):
        print_info(f"Showing {len(items)} of {total_count} (use --offset/--limit or --all).")


def emit_item(item: Any | None, columns: Sequence[Column] | None = None) -> None:
    if current().json:
        if item is None:
            emit_json(item_envelope(None))
        elif columns is not None:
            emit_json(item_envelope(_json_row(item, [k for k, _ in _columns(columns)])))
        else:
            emit_json(item_envelope(item))
        return
    if item is None:
        fail("No such item.")
    print_item(item, columns)


def emit_mutation(ok: bool, msg: str, **extra: Any) -> None:
    """Report a change: ``{"ok", "msg", ...}`` in JSON mode, a ✔/✘ line otherwise."""
    if current().json:
        emit_json(mutation_envelope(ok, msg, **extra))
    elif ok:
        print_done(msg)
    else:
        print_fail(msg)


def color_enabled(stream: Any = None) -> bool:
    """Whether colour may be written to *stream* (default stdout): never with ``NO_COLOR`` set
    (https://no-color.org), otherwise as click decides (a terminal, or ``color=True`` forced)."""
    if os.environ.get("NO_COLOR"):
        return False
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return ctx.color
    out = stream if stream is not None else sys.stdout
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def no_color_flag() -> Literal[False] | None:
    """``color=`` for click.echo/secho: ``False`` under ``NO_COLOR``, else ``None`` (click strips
    the colour itself on a stream that is no terminal)."""
    return False if os.environ.get("NO_COLOR") else None


def _status(prefix: str, message: str, fg: str | None) -> None:
    click.secho(f"{prefix} {message}", err=True, fg=fg, color=no_color_flag())


def print_done(message: str) -> None:
    _status("✔", message, "green")


def print_info(message: str) -> None:
    _status("∙", message, "cyan")


def print_wait(message: str) -> None:
    _status("⋯", message, "bright_black")


def print_warn(message: str) -> None:
    _status("!", message, "yellow")


def print_fail(message: str) -> None:
    _status("✘", message, "red")


@contextlib.contextmanager
def partial_failure(verb: str, name: str) -> Generator[None, None, None]:
    """Some files of a transfer failed: say which (and why), which completed, and exit 1."""
    from ..transfer import PartialTransferError

    try:
        yield
    except PartialTransferError as e:
        summary = (
            f"{verb} {len(e.completed)} of {len(e.completed) + len(e.failed) + len(e.skipped)} "
            f"file(s) ({name!r}); {len(e.failed)} failed"
            + (f", {len(e.skipped)} not tried" if e.skipped else "")
            + "."
        )
        failed = {file: describe_error(error) for file, error in e.failed.items()}
        if current().json:
            emit_json(
                mutation_envelope(
                    False, summary, files=e.completed, failed=failed, skipped=e.skipped
                )
            )
            raise SystemExit(1) from None
        for file, reason in failed.items():
            click.secho(f"✘ {file}: {reason}", err=True, fg="red")
        fail(summary)
