"""Range expressions of ``backend.ai run`` (``--env-range``, ``--build-range``, ``--exec-range``).

The semantics follow the 22.03 client exactly:

* ``NAME=EXPR`` is split on the first ``=``; ``NAME`` must match ``[a-zA-Z_][a-zA-Z0-9_]*``.
* ``case:A,B,C`` -> the strings split on ``,`` (no trimming; empty items allowed).
* ``linspace:START,STOP,NUM`` -> ``NUM`` ``Decimal`` values ``START + (STOP-START)/(NUM-1)*i``
  (endpoint included, Decimal text form: ``linspace:1,2,3`` -> ``1.0 1.5 2.0``).
* ``range:START,STOP[,STEP]`` or ``range:STOP`` -> Python ``range``.
* For each kind the cartesian product over its variables (in option order) gives the variable
  maps; the cases are ``env maps x build maps x exec maps``. ``-e`` values are templates over the
  env variables, ``--build`` over the build variables, ``--exec`` over the exec variables
  (``string.Template``: ``$name`` / ``${name}``); unset ``--build``/``--exec`` mean ``"*"``.
  Identical resulting cases are merged, keeping the first occurrence's order.

One deliberate difference: a template is only substituted when ranges of its kind are given, so
``--exec 'echo $HOME'`` without ``--exec-range`` runs as typed instead of failing on ``$HOME``.

Each expression and their product are bounded by :func:`max_cases` (``BACKEND_MAX_RUN_CASES``,
default :data:`MAX_CASES`): the count is computed before any value is, so
``range:1000000000000`` is a usage error naming the count, not a hang.
"""

from __future__ import annotations

import decimal
import itertools
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import click

from ._params import ParamTypeBase

__all__ = [
    "MAX_CASES",
    "RangeExprError",
    "RangeExprType",
    "RangeValue",
    "RunCase",
    "expand_cases",
    "max_cases",
    "parse_range_expr",
]

RangeValue = str | int | Decimal

#: The most cases (sessions) one ``backend.ai run`` may expand to, unless BACKEND_MAX_RUN_CASES.
MAX_CASES = 1000


def max_cases() -> int:
    from ..config import get_env

    text = get_env("MAX_RUN_CASES", str(MAX_CASES))
    try:
        value = int(text)
    except ValueError:
        raise RangeExprError(f"BACKEND_MAX_RUN_CASES must be a number, got {text!r}") from None
    return max(value, 1)


_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class RangeExprError(ValueError):
    """A range expression that cannot be parsed or evaluated."""


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except decimal.InvalidOperation:
        raise RangeExprError(f"invalid number {text!r}") from None
    if not value.is_finite():
        raise RangeExprError(f"invalid number {text!r}")
    return value


def _int(text: str) -> int:
    if len(text.strip()) > 30:  # int() of a huge literal is slow, and no count fits anyway
        raise RangeExprError(f"integer {text[:20]!r}... is too long")
    try:
        return int(text)
    except ValueError:
        raise RangeExprError(f"invalid integer {text!r}") from None


def _check_count(count: int, what: str) -> None:
    limit = max_cases()
    if count > limit:
        raise RangeExprError(
            f"{what} gives {count} values; at most {limit} cases can be run at once "
            "(BACKEND_MAX_RUN_CASES)"
        )


def _linspace(args: str) -> list[Decimal]:
    parts = args.split(",")
    if len(parts) != 3:
        raise RangeExprError("linspace takes exactly three arguments: linspace:START,STOP,NUM")
    start, stop, num = _decimal(parts[0]), _decimal(parts[1]), _int(parts[2])
    if num < 2:
        raise RangeExprError(
            f"linspace needs NUM >= 2 (got {num}): the step is (STOP-START)/(NUM-1)"
        )
    _check_count(num, f"linspace:{args}")
    step = (stop - start) / (num - 1)
    return [start + step * i for i in range(num)]


def _range(args: str) -> list[int]:
    parts = args.split(",")
    if not 1 <= len(parts) <= 3:
        raise RangeExprError("range takes one to three arguments: range:[START,]STOP[,STEP]")
    ints = [_int(p) for p in parts]
    start, stop, step = (0, ints[0], 1) if len(ints) == 1 else (ints[0], ints[1], 1)
    if len(ints) == 3:
        step = ints[2]
    if step == 0:
        raise RangeExprError("range() arg 3 must not be zero")
    # len(range(...)) overflows for huge bounds; count arithmetically first
    count = max(0, (stop - start + step - (1 if step > 0 else -1)) // step)
    _check_count(count, f"range:{args}")
    return list(range(start, stop, step))


def parse_range_expr(text: str) -> tuple[str, list[RangeValue]]:
    """``"x=range:1,6,2"`` -> ``("x", [1, 3, 5])``; raises :class:`RangeExprError`."""
    name, sep, expr = text.partition("=")
    if not sep:
        raise RangeExprError(f"{text!r} is not of the form NAME=EXPR")
    if not _NAME.match(name):
        raise RangeExprError(
            f"invalid variable name {name!r}: use letters, digits and '_' (not starting with a digit)"
        )
    kind, colon, args = expr.partition(":")
    if not colon:
        kind, args = "", expr
    if kind == "case":
        values = args.split(",")
        _check_count(len(values), f"{name}=case:...")
        return name, list(values)
    if kind == "linspace":
        return name, list(_linspace(args))
    if kind == "range":
        return name, list(_range(args))
    raise RangeExprError(
        f"Unrecognized range expression type in {expr!r}: use case:A,B,..., "
        "linspace:START,STOP,NUM or range:[START,]STOP[,STEP]"
    )


class RangeExprType(ParamTypeBase):
    """Click parameter type of a range expression (a usage error when it does not parse)."""

    name = "Range Expression"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, list[RangeValue]]:
        if isinstance(value, tuple):
            return cast("tuple[str, list[RangeValue]]", value)
        try:
            return parse_range_expr(str(value))
        except RangeExprError as e:
            self.fail(str(e), param, ctx)


@dataclass(frozen=True)
class RunCase:
    """One combination: the environment, build and exec commands of one session."""

    envs: tuple[tuple[str, str], ...]
    build: str
    exec: str
    variables: tuple[tuple[str, str], ...] = ()

    @property
    def env_dict(self) -> dict[str, str]:
        return dict(self.envs)


def _var_maps(ranges: Sequence[tuple[str, Sequence[RangeValue]]]) -> list[dict[str, RangeValue]]:
    names = [n for n, _ in ranges]
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(vals for _, vals in ranges))
    ]


def _substitute(template: str, variables: Mapping[str, RangeValue], what: str, active: bool) -> str:
    if not active:
        return template
    try:
        return string.Template(template).substitute(variables)
    except KeyError as e:
        raise RangeExprError(
            f"{what} refers to ${e.args[0]}, which no range option of that kind defines"
        ) from None
    except ValueError as e:
        raise RangeExprError(f"{what}: {e}") from None


def expand_cases(
    envs: Mapping[str, str],
    build: str | None,
    exec_: str | None,
    env_ranges: Sequence[tuple[str, Sequence[RangeValue]]] = (),
    build_ranges: Sequence[tuple[str, Sequence[RangeValue]]] = (),
    exec_ranges: Sequence[tuple[str, Sequence[RangeValue]]] = (),
) -> list[RunCase]:
    """All distinct cases, in order (see the module docstring)."""
    count = 1
    for _, values in (*env_ranges, *build_ranges, *exec_ranges):
        count *= len(values)
    limit = max_cases()
    if count > limit:
        raise RangeExprError(
            f"the range options give {count} cases (the product of their value counts); "
            f"at most {limit} can be run at once (BACKEND_MAX_RUN_CASES)"
        )
    cases: dict[tuple[Any, ...], RunCase] = {}
    for env_map, build_map, exec_map in itertools.product(
        _var_maps(env_ranges), _var_maps(build_ranges), _var_maps(exec_ranges)
    ):
        case_envs = tuple(
            (k, _substitute(v, env_map, f"-e {k}", bool(env_ranges))) for k, v in envs.items()
        )
        case_build = _substitute(build, build_map, "--build", bool(build_ranges)) if build else "*"
        case_exec = _substitute(exec_, exec_map, "--exec", bool(exec_ranges)) if exec_ else "*"
        key = (case_envs, case_build, case_exec)
        if key not in cases:
            variables = tuple(
                (k, str(v))
                for k, v in itertools.chain(env_map.items(), build_map.items(), exec_map.items())
            )
            cases[key] = RunCase(case_envs, case_build, case_exec, variables)
    return list(cases.values())
