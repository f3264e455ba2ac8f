"""Render docs/cli-json.md: the JSON shape of every ``backend.ai`` command, read from the code.

Run ``python -m codegen.cli_json`` after changing what a command prints; ``--check`` fails when
the page is stale (a unit test runs the same check).

Every command prints its result through the helpers of ``cli/_output.py``, and the helper fixes
the envelope: ``emit_list`` the list envelope with the keys of its columns, ``emit_item`` the
same with one item, ``emit_mutation`` ``{"ok", "msg", ...}`` with its keyword arguments,
``emit_json`` a literal object. This module walks the click tree, finds those calls in each
command's function (and in the helpers of ``ai_backend_client.cli`` it calls), and evaluates
their column arguments in the module that wrote them. A command whose output cannot be read so
(``emit_json`` of a computed value, a stream of lines) has its shape written in ``DESCRIBED``;
a command with neither is an error, so no command goes undocumented.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import functools
import importlib
import inspect
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import click

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "cli-json.md"

_EVENTS = (
    "one JSON object per line and event, until Ctrl+C: `event`, `session_id`, `session_name`, "
    "`owner_access_key`, `reason`, `exit_code`, `kernel_id`, `cluster_role`, `cluster_idx`"
)

_RULE = (
    "item: `id`, `metric_source`, `metric_name`, `comparator`, `threshold`, `step_size`, "
    "`cooldown_seconds`, `min_replicas`, `max_replicas`, `last_triggered_at` (only the `-f` "
    "columns when given)"
)

#: Shapes the code cannot show by itself (command path -> Markdown), for the commands that print
#: a computed object or a stream in JSON mode.
_PARTIAL_FAILURE = (
    "when some files failed (exit code 1): mutation `ok: false`, `msg`, `files` (those "
    "completed), `failed` (`{file: reason}`), `skipped` (not tried)"
)

DESCRIBED: dict[str, str] = {
    "admin license show": "the manager's `GET /license` answer as it came (enterprise editions only)",
    "admin resource docker-registries": "`{host: url}`: the registries the manager knows",
    "admin resource query-slots": '`{slot: unit}`, e.g. `{"cpu": "count", "mem": "bytes"}`',
    "admin resource usage-per-month": "`[object]`: the manager's usage records, one per session, as it sent them",
    "admin resource usage-per-period": "`[object]`: the manager's usage records, one per session, as it sent them",
    "admin resource vfolder-types": '`[str]`: the vfolder types the server allows (`"user"`, `"group"`)',
    "app": "none: it runs a local proxy until Ctrl+C (status lines on stderr)",
    "completion": "none: it prints the shell's completion script",
    "events": _EVENTS,
    "session events": _EVENTS,
    "proxy": "none: it serves an API proxy until Ctrl+C",
    "scp": "none: scp's own output",
    "session scp": "none: scp's own output",
    "ssh": "none: an interactive ssh session",
    "session ssh": "none: an interactive ssh session",
    "task-logs": "none: the task's log bytes as the server sends them",
    "session task-logs": "none: the task's log bytes as the server sends them",
    "model info": "item: the model folder's fields (as `vfolder info`) plus `versions` (`[str]`)",
    "service info": (
        "item: `endpoint_id`, `model_id`, `extra_mounts`, `name`, `replicas`, "
        "`desired_session_count`, `model_definition_path`, `active_routes` (the healthy routes), "
        "`service_endpoint`, `is_public`, `runtime_variant`, plus `routings`: every route "
        "(`routing_id`, `session`, `status`, `traffic_ratio`, `created_at`, `error_data`)"
    ),
    "service get-endpoint": "item: `url` (null while no app proxy has registered the endpoint)",
    "service auto-scaling-rule get": _RULE,
    "service auto-scaling-rule list": "list of " + _RULE.removeprefix("item: "),
    "run": (
        "one case: `ok`, `msg`, `index`, `name`, `session`, `exit_code`, `envs`, `build`, `exec`, "
        "`stdout`, `stderr` (and `error`, `stats` when there are any); several cases (range "
        'options): `{"ok", "msg", "count", "items": [case]}`, each case with `logs` '
        "instead of `stdout`/`stderr`"
    ),
}

ENVELOPES = """\
Every command prints one JSON document on stdout; status lines go to stderr. The envelopes:

| kind | shape |
|---|---|
| list | `{"count": int, "total_count": int, "items": [object]}`: `items` has the keys listed for the command, `total_count` counts every match on the server |
| item | the list envelope with one item (none when nothing matched) |
| mutation | `{"ok": bool, "msg": str, ...}` and the keys listed for the command |
| error | `{"error": {"message": str, "status": int \\| null, "type": str \\| null, "title": str \\| null, "data": any, "exception": str \\| null}}`, exit status 1 (2 for a bad command line, whose `exception` is `"UsageError"`) |

Values are the server's own (slots as objects of strings, sizes in bytes, times in ISO 8601); only
the human tables format them. "the answer's fields" means every field of the server's answer
object, by the name the server uses.
"""


@dataclass
class Shape:
    kind: str  # "list", "item", "mutation", "object", "described"
    keys: list[str] | None = None  # None: every field of the answer
    extra: bool = False  # the keys are followed by ones a helper's caller chose
    picked: bool = False  # the keys are those the command line picks, out of these
    model: str | None = None  # the keys are the fields of this answer model (as the server sent)

    def markdown(self) -> str:
        if self.kind == "described":
            return self.keys[0] if self.keys else ""
        if self.keys is None:
            keys = "the answer's fields"
        else:
            keys = ", ".join(f"`{k}`" for k in self.keys) or "-"
            if self.picked:
                keys = "the fields the options pick (`--format`, `--detail`, ...), of " + keys
            if self.model:
                keys = f"the fields of `{self.model}` that the server sent: " + keys
        return f"{self.kind}: {keys}"


@dataclass
class _Scope:
    """A function being read: its module, and the values of its parameters where known."""

    module: ModuleType
    bound: dict[str, Any] = field(default_factory=dict)
    #: name -> the expression last assigned to it in the function (``columns = [...]``)
    assigned: dict[str, ast.expr] = field(default_factory=dict)


class _Unknown(Exception):
    pass


def _leaf_commands(
    group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        path = (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _leaf_commands(cmd, click.Context(cmd, parent=ctx, info_name=name), path)
        else:
            yield " ".join(path), cmd


_TREES: dict[str, ast.Module] = {}


def _tree(module: ModuleType) -> ast.Module:
    path = inspect.getsourcefile(module)
    assert path is not None
    if path not in _TREES:
        _TREES[path] = ast.parse(Path(path).read_text(encoding="utf-8"))
    return _TREES[path]


def _function_node(func: Any) -> tuple[ModuleType, ast.FunctionDef | ast.AsyncFunctionDef]:
    func = inspect.unwrap(func)
    module = sys.modules[func.__module__]
    line = func.__code__.co_firstlineno
    for node in ast.walk(_tree(module)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == func.__name__:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first <= line <= node.lineno:
                return module, node
    raise LookupError(f"no source for {func.__qualname__}")


def _evaluate(node: ast.expr, scope: _Scope) -> Any:
    """The value of a column expression: literals, names of the module or of bound parameters,
    ``a + b``, list/tuple displays with ``*spread``, and comprehensions over known values."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in scope.bound:
            return scope.bound[node.id]
        if node.id in scope.assigned:
            return _evaluate(scope.assigned[node.id], scope)
        if hasattr(scope.module, node.id):
            return getattr(scope.module, node.id)
        raise _Unknown(node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_evaluate(node.value, scope), node.attr)
    if isinstance(node, (ast.List, ast.Tuple)):
        items: list[Any] = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                items.extend(_evaluate(elt.value, scope))
            else:
                items.append(_evaluate(elt, scope))
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return list(_evaluate(node.left, scope)) + list(_evaluate(node.right, scope))
    raise _Unknown(ast.dump(node))


def _column_keys(columns: Sequence[Any]) -> list[str]:
    return [c[0] if isinstance(c, tuple) else str(c) for c in columns]


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _shapes_of_call(call: ast.Call, scope: _Scope, depth: int) -> list[Shape]:
    func = call.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else None
    )
    if name in ("emit_list", "emit_item"):
        columns = _argument(call, 1, "columns")
        kind = "list" if name == "emit_list" else "item"
        if (
            columns is None
            or (isinstance(columns, ast.Constant) and columns.value is None)
            or isinstance(columns, ast.IfExp)  # `None if obj.json else columns`: JSON takes None
        ):
            item = _argument(call, 0, "item")
            return [_model_shape(kind, item, scope) or Shape(kind, None)]
        try:
            return [Shape(kind, _column_keys(_evaluate(columns, scope)))]
        except (_Unknown, AttributeError, TypeError):
            if isinstance(columns, ast.ListComp):
                # [(f, HEADERS[f]) for f in fields]: the keys the user picked, of the mapping
                mapping = (
                    columns.elt.elts[1].value
                    if isinstance(columns.elt, ast.Tuple)
                    and isinstance(columns.elt.elts[1], ast.Subscript)
                    else None
                )
                if mapping is not None:
                    keys = list(_evaluate(mapping, scope))
                    return [Shape(kind, keys, picked=True)]
            raise
    if name == "partial_failure":  # `with partial_failure(...)`: some files of a transfer failed
        return [Shape("described", [_PARTIAL_FAILURE])]
    if name == "emit_mutation":
        keys = ["ok", "msg"]
        extra = False
        for kw in call.keywords:
            if kw.arg is None:
                spread = scope.bound.get(_name_of(kw.value))
                if isinstance(spread, Mapping):
                    keys.extend(str(k) for k in spread)
                else:
                    extra = True
            else:
                keys.append(kw.arg)
        return [Shape("mutation", keys, extra)]
    if name == "emit_json":
        arg = _argument(call, 0, "data")
        if isinstance(arg, ast.Dict) and all(isinstance(k, ast.Constant) for k in arg.keys):
            return [
                Shape("object", [str(k.value) for k in arg.keys if isinstance(k, ast.Constant)])
            ]
        shape = _model_shape("object", arg, scope)
        if shape is None:
            raise _Unknown("emit_json of a computed value")
        return [shape]
    # A helper of the CLI package: read it with its parameters bound to this call's arguments.
    target = _resolve(func, scope)
    if target is None or depth > 3:
        return []
    helper_module, helper = _function_node(target)
    bound = _bind(helper, call, scope)
    return _shapes_in(helper, _Scope(helper_module, bound), depth + 1)


def _model_shape(kind: str, node: ast.expr | None, scope: _Scope) -> Shape | None:
    found = _model_keys(node, scope) if node is not None else None
    if found is None:
        return None
    keys, model = found
    return Shape(kind, keys, model=model)


def _model_keys(
    node: ast.expr, scope: _Scope, *, by_alias: bool = True
) -> tuple[list[str], str] | None:
    """The keys of the model an expression holds: ``x.to_dict()`` or ``x`` (wire keys), or
    ``as_dict(x)`` (attribute names),
    where ``x`` is (or was assigned) the answer of a function class method
    (``api.VFolder.list_hosts()``, ``api.SessionTemplate(...).get_info()``), read from its
    return annotation. None when it is something else."""
    if isinstance(node, ast.Call) and _name_of(node.func) == "as_dict" and node.args:
        return _model_keys(node.args[0], scope, by_alias=False)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "to_dict"
    ):
        return _model_keys(node.func.value, scope)
    if isinstance(node, ast.Name) and node.id in scope.assigned:
        return _model_keys(scope.assigned[node.id], scope, by_alias=by_alias)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    cls = _function_class(node.func.value, scope)
    method = getattr(cls, node.func.attr, None) if cls is not None else None
    if method is None:
        return None
    import typing

    from pydantic import BaseModel

    answer = typing.get_type_hints(method).get("return")
    if isinstance(answer, type) and issubclass(answer, BaseModel) and answer.model_fields:
        keys = [(f.alias or k) if by_alias else k for k, f in answer.model_fields.items()]
        return keys, answer.__name__
    return None


def _function_class(node: ast.expr, scope: _Scope) -> type | None:
    """The sync function class of ``api.Name``, ``api.Name(...)`` or a name assigned one."""
    from ai_backend_client.func import FUNCTION_CLASSES

    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name) and node.id in scope.assigned:
        return _function_class(scope.assigned[node.id], scope)
    if isinstance(node, ast.Attribute) and node.attr in FUNCTION_CLASSES:
        module = importlib.import_module(
            f"ai_backend_client.func._sync.{FUNCTION_CLASSES[node.attr]}"
        )
        cls = getattr(module, node.attr)
        return cls if isinstance(cls, type) else None
    return None


def _name_of(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def _resolve(func: ast.expr, scope: _Scope) -> Any:
    try:
        target = _evaluate(func, scope)
    except (_Unknown, AttributeError):
        return None
    module = getattr(target, "__module__", "") or ""
    if (
        inspect.isfunction(target)
        and module.startswith("ai_backend_client.cli")
        and not module.endswith("._output")
    ):
        return target
    return None


def _bind(
    helper: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, scope: _Scope
) -> dict[str, Any]:
    params = [a.arg for a in [*helper.args.posonlyargs, *helper.args.args]]
    bound: dict[str, Any] = {}
    values: list[tuple[str, ast.expr]] = list(
        zip(params, [a for a in call.args if not isinstance(a, ast.Starred)])
    )
    extra_kwargs: dict[str, Any] = {}
    names = {a.arg for a in [*helper.args.args, *helper.args.kwonlyargs, *helper.args.posonlyargs]}
    for kw in call.keywords:
        if kw.arg is not None and kw.arg in names:
            values.append((kw.arg, kw.value))
        elif kw.arg is not None:
            extra_kwargs[kw.arg] = None
    for param, expr in values:
        try:
            bound[param] = _evaluate(expr, scope)
        except (_Unknown, AttributeError, TypeError):
            continue
    if helper.args.kwarg is not None:
        bound[helper.args.kwarg.arg] = extra_kwargs
    return bound


def _shapes_in(
    func: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope, depth: int = 0
) -> list[Shape]:
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            scope.assigned.setdefault(node.targets[0].id, node.value)
    shapes: list[Shape] = []
    for node in _json_mode_calls(func.body):
        for shape in _shapes_of_call(node, scope, depth):
            if shape not in shapes:
                shapes.append(shape)
    return sorted(shapes, key=lambda shape: shape.kind == "described")  # the failure case last


def _json_test(test: ast.expr) -> bool | None:
    """True for ``current().json`` / ``obj.json`` (also ``... and ...``), False for its ``not``,
    None for any other condition."""
    if isinstance(test, ast.Attribute) and test.attr == "json":
        return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _json_test(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        found = {_json_test(v) for v in test.values} - {None}
        return found.pop() if len(found) == 1 else None
    return None


def _returns(body: Sequence[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise))


def _json_mode_calls(body: Sequence[ast.stmt]) -> Iterator[ast.Call]:
    """The calls a command makes in JSON mode: the console-only branches are left out
    (``if not current().json: ...``, and what follows ``if current().json: ...; return``)."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            json_branch = _json_test(stmt.test)
            if json_branch is True:
                yield from _json_mode_calls(stmt.body)
                if _returns(stmt.body):
                    return  # the rest of this block runs in console mode only
                continue
            if json_branch is False:
                yield from _json_mode_calls(stmt.orelse)
                if _returns(stmt.orelse) and stmt.orelse:
                    return
                continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field_name, value in ast.iter_fields(stmt):
            if field_name in ("body", "orelse", "finalbody", "handlers") and isinstance(
                value, list
            ):
                continue
            nodes = value if isinstance(value, list) else [value]
            for n in nodes:
                if isinstance(n, ast.AST):
                    yield from (c for c in ast.walk(n) if isinstance(c, ast.Call))
        for block in ("body", "orelse", "finalbody"):
            yield from _json_mode_calls(getattr(stmt, block, None) or [])
        for handler in getattr(stmt, "handlers", None) or []:
            yield from _json_mode_calls(handler.body)


@functools.cache
def command_shapes() -> dict[str, list[Shape]]:
    """Command path -> the JSON shapes it may print (several: e.g. one page or a mutation)."""
    from ai_backend_client.cli.main import cli

    result: dict[str, list[Shape]] = {}
    unread: list[str] = []
    ctx = click.Context(cli, info_name="backend.ai")
    for path, cmd in _leaf_commands(cli, ctx):
        if cmd.callback is None:
            continue
        module, node = _function_node(cmd.callback)
        try:
            result[path] = _shapes_in(node, _Scope(module))
        except (_Unknown, AttributeError, TypeError) as e:
            if path in DESCRIBED:
                result[path] = [Shape("described", [DESCRIBED[path]])]
            else:
                unread.append(f"{path}: {type(e).__name__}: {e}")
        else:
            if path in DESCRIBED and result[path]:
                unread.append(f"{path}: readable from the code now; drop it from DESCRIBED")
            elif path in DESCRIBED:
                result[path] = [Shape("described", [DESCRIBED[path]])]
            elif not result[path]:
                unread.append(f"{path}: prints no JSON envelope; say what it prints in DESCRIBED")
    unread.extend(
        f"{p}: no such command; drop it from DESCRIBED" for p in DESCRIBED.keys() - result
    )
    if unread:
        raise SystemExit(
            "cannot read the JSON output of these commands; describe them in DESCRIBED:\n  "
            + "\n  ".join(unread)
        )
    return result


def _fits(shape: Shape, output: Any) -> bool:
    if shape.kind == "described":
        return True  # prose: a person checks it
    if shape.model is not None:  # a lenient answer model: the server may add or omit fields
        shape = Shape(shape.kind, None)
    if not isinstance(output, dict):
        return False
    keys = set(shape.keys) if shape.keys is not None else None
    if shape.kind in ("list", "item"):
        items = output.get("items")
        if set(output) != {"count", "total_count", "items"} or not isinstance(items, list):
            return False
        if shape.kind == "item" and len(items) > 1:
            return False
        if keys is None:
            return all(isinstance(i, dict) for i in items)
        return all(
            isinstance(i, dict) and (set(i) <= keys if shape.picked else set(i) == keys)
            for i in items
        )
    if keys is None:
        return True
    if shape.kind == "mutation" and shape.extra:
        return keys <= set(output)
    return set(output) == keys


def mismatch(path: str, output: Any) -> str | None:
    """Why *output* (the parsed ``--output json`` of ``backend.ai <path>``) fits none of the
    shapes docs/cli-json.md gives that command; None when it fits one."""
    shapes = command_shapes().get(path)
    if shapes is None:
        return f"{path}: not a documented command"
    if any(_fits(s, output) for s in shapes):
        return None
    got = sorted(output) if isinstance(output, dict) else type(output).__name__
    items = output.get("items") if isinstance(output, dict) else None
    if isinstance(items, list) and items and isinstance(items[0], dict):
        got = f"{got}, items with {sorted(items[0])}"
    return f"{path}: the output ({got}) fits none of: " + "; ".join(s.markdown() for s in shapes)


def render() -> str:
    shapes = command_shapes()
    lines = [
        "<!-- @generated by codegen.cli_json from ai_backend_client/cli; DO NOT EDIT; regenerate with: python -m codegen.cli_json -->",
        "",
        "# JSON output",
        "",
        ENVELOPES,
        "## Commands",
        "",
        "| command | `--output json` |",
        "|---|---|",
    ]
    for path in sorted(shapes):
        found = shapes[path]
        text = "<br>".join(
            s.markdown() + (", and the keys its caller adds" if s.extra else "") for s in found
        )
        lines.append(f"| `backend.ai {path}` | {text} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen.cli_json")
    parser.add_argument("--check", action="store_true", help="fail if docs/cli-json.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), "docs/cli-json.md", "rendered", lineterm=""
            )
            print("\n".join(diff))
            print("docs/cli-json.md is stale: run python -m codegen.cli_json", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
