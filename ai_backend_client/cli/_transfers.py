"""The CLI side of file transfers, shared by ``vfolder`` and ``model``: the transfer options,
and rich progress bars (the summary of a partly failed transfer is ``_output.partial_failure``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ._output import current
from ._params import ParamTypeBase

if TYPE_CHECKING:
    from ..transfer import ProgressCallback

__all__ = [
    "ByteSize",
    "address_map",
    "basedir_option",
    "chunk_option",
    "max_parallel_option",
    "override_option",
    "parallel_option",
    "progress_bars",
]

_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


class ByteSize(ParamTypeBase):
    """``16m``, ``1.5g``, ``4096`` -> bytes."""

    name = "byte"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower().removesuffix("ib").removesuffix("b")
        unit = text[-1:] if text[-1:] in _UNITS else ""
        try:
            size = int(float(text[: len(text) - len(unit)]) * _UNITS[unit])
        except ValueError:
            self.fail(f"{value!r} is not a size such as 16m or 1g", param, ctx)
        if size <= 0:
            self.fail("the size must be positive", param, ctx)
        return size


def address_map(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    result: dict[str, str] = {}
    for pair in value.split(","):
        key, sep, target = pair.strip().partition("=")
        if not sep or not key or not target:
            raise click.BadParameter(
                f"{pair!r} is not of the form X=Y", param_hint="'--override-storage-proxy'"
            )
        result[key.strip()] = target.strip()
    return result


@contextmanager
def progress_bars(
    total_bytes: int | None, label: str
) -> Generator[ProgressCallback | None, None, None]:
    """rich bars on a terminal (nothing in JSON mode or when piped): the total, and one bar per
    file while it moves (a finished file's bar goes away, so hundreds of files stay readable).

    Files move in several threads at once; the callback serialises its updates.
    """
    if current().json or not sys.stderr.isatty():
        yield None
        return
    import threading

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    progress = Progress(
        TextColumn("{task.description}", justify="left", markup=False),  # file names as they are
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=False,
    )
    overall = progress.add_task(label, total=total_bytes)
    tasks: dict[str, Any] = {}
    done: dict[str, int] = {}
    moved = [0]
    lock = threading.Lock()

    def report(n: int, total: int | None, file: str) -> None:
        with lock:
            moved[0] += n - done.get(file, 0)
            done[file] = n
            finished = total is not None and n >= total
            task = tasks.get(file)
            if task is None and not finished:
                tasks[file] = progress.add_task(f"  {file}", total=total)
            elif task is not None and finished:
                progress.remove_task(tasks.pop(file))
            elif task is not None:
                progress.update(task, completed=n, total=total)
            progress.update(overall, completed=moved[0])

    with progress:
        yield report


chunk_option = click.option(
    "--chunk-size",
    type=ByteSize(),
    default="16m",
    show_default=True,
    help='Transfer the file with the given chunk size with binary suffixes (e.g., "16m").',
)
override_option = click.option(
    "--override-storage-proxy",
    "override",
    help='Overrides storage proxy address: "X1=Y1,X2=Y2" (a URL, URL prefix or host[:port] each).',
)
_F = TypeVar("_F", bound=Callable[..., Any])


def max_parallel_option(help: str = "How many files move at once.") -> Callable[[_F], _F]:
    """``--max-parallel`` (1 to 64, default 4: ``transfer.DEFAULT_MAX_PARALLEL``, not imported
    here to keep ``--help`` cheap), with *help* saying what runs at once."""
    return click.option(
        "--max-parallel", type=click.IntRange(1, 64), default=4, show_default=True, help=help
    )


parallel_option = max_parallel_option()
basedir_option = click.option(
    "-b",
    "--base-dir",
    "basedir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The local base directory of the transfer.  [default: current working directory]",
)
