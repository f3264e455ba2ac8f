"""Is one version's type a subset of another's? (what lets one signature serve several versions)

Used by ``codegen/seam.py`` on annotation strings of generated signatures and on the rendered
model classes (``models_layout.Definition``):

* a **parameter** type of the neutral signature must be accepted by every version, so it is the
  one version's annotation that is a subset of all others (``str`` within ``str | None``,
  ``Literal["ro"]`` within ``str``);
* an older version's **answer** may be parsed into the newest version's model when that model
  accepts everything the older one describes: every older field (by wire key) exists with a
  wider type, and the newest model requires nothing the older one may leave out.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from .models_layout import Definition

__all__ = ["ClassShape", "TypeUniverse", "shape_of"]


@dataclass
class ClassShape:
    kind: str  # "model", "root", "enum", "alias", "other"
    fields: dict[str, tuple[str, bool]] = field(
        default_factory=dict
    )  # wire key -> (type, required)
    python_names: dict[str, str] = field(default_factory=dict)  # python name -> wire key
    root: str = ""  # RootModel[...] parameter, or an alias's value
    values: frozenset[object] = frozenset()  # enum values
    open: bool = False  # declares ``extra='allow'`` or no field at all: any JSON object fits


def _unwrap_annotated(node: ast.expr) -> ast.expr:
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Annotated"
        and isinstance(node.slice, ast.Tuple)
    ):
        return node.slice.elts[0]
    return node


def _field_alias(node: ast.expr | None) -> str | None:
    """``alias=`` of a ``Field(...)`` found in an annotation or a default."""
    if node is None:
        return None
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "Field":
            for keyword in sub.keywords:
                if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return None


def _has_default(statement: ast.AnnAssign) -> bool:
    if statement.value is None:
        return False
    value = statement.value
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "Field"
    ):
        # Field(...) without a default (or with ``...``) keeps the field required
        if value.args and not (
            isinstance(value.args[0], ast.Constant) and value.args[0].value is Ellipsis
        ):
            return True
        return any(k.arg in ("default", "default_factory") for k in value.keywords)
    return True


def shape_of(definition: Definition) -> ClassShape:
    node = ast.parse(definition.source).body[0]
    if isinstance(node, ast.Assign):
        return ClassShape("alias", root=ast.unparse(node.value))
    if not isinstance(node, ast.ClassDef):
        return ClassShape("other")
    bases = [ast.unparse(b) for b in node.bases]
    if any(b in ("Enum", "str") for b in bases) and "Enum" in bases:
        values = frozenset(
            s.value.value
            for s in node.body
            if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant)
        )
        return ClassShape("enum", values=values)
    for base in node.bases:
        if isinstance(base, ast.Subscript) and ast.unparse(base.value) == "RootModel":
            return ClassShape("root", root=ast.unparse(base.slice))
    shape = ClassShape("model")
    for statement in node.body:
        if (
            isinstance(statement, ast.Assign)
            and ast.unparse(statement.targets[0]) == "model_config"
        ):
            shape.open = "extra='allow'" in ast.unparse(statement.value)
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            name = statement.target.id
            if name == "model_config":
                continue
            wire = _field_alias(statement.annotation) or _field_alias(statement.value) or name
            annotation = ast.unparse(_unwrap_annotated(statement.annotation))
            shape.fields[wire] = (annotation, not _has_default(statement))
            shape.python_names[name] = wire
    shape.open = shape.open or not shape.fields
    return shape


def _members(annotation: str) -> list[ast.expr]:
    node = ast.parse(annotation, mode="eval").body
    out: list[ast.expr] = []

    def walk(n: ast.expr) -> None:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, ast.Subscript) and ast.unparse(n.value) in ("Optional",):
            walk(n.slice)
            out.append(ast.Constant(None))
        elif isinstance(n, ast.Subscript) and ast.unparse(n.value) == "Union":
            elts = n.slice.elts if isinstance(n.slice, ast.Tuple) else [n.slice]
            for e in elts:
                walk(e)
        else:
            out.append(_unwrap_annotated(n))

    walk(node)
    return out


#: (identity, shape, the version whose names the shape uses)
Resolved = tuple[str, ClassShape, str]

_SEQUENCES = {"Sequence", "list", "List", "tuple"}
_MAPPINGS = {"Mapping", "dict", "Dict"}


class TypeUniverse:
    """Answers subset questions between the annotations of two versions.

    ``resolve(version, name)`` gives ``(identity, shape, version of the shape's names)`` of the
    model *name* as that version sees it, or ``None`` when the name is not a model; names may
    carry a ``models.`` prefix. The identity is the same for the same class.
    """

    def __init__(self, resolve: Callable[[str, str], Resolved | None]) -> None:
        self.resolve = resolve
        self._assumed: set[tuple[str, str]] = set()
        self.failure = ""  # the innermost field that did not fit, for explanations
        # (model identity, wire key): fields an older version's answer does not carry
        self.relaxed: set[tuple[str, str]] = set()
        # (model identity, wire key, older wire key): fields an older version spells otherwise
        self.respelled: set[tuple[str, str, str]] = set()

    def subset(
        self,
        old_version: str,
        old: str,
        new_version: str,
        new: str,
        *,
        static: bool = False,
        narrowing: bool = False,
    ) -> bool:
        """Is every value of *old* (in *old_version*) a value of *new* (in *new_version*)?

        ``static``: as the type checkers see it (a model is only a subset of the same class);
        otherwise as parsing sees it (a model whose fields fit, an enum's values as ``str``).
        ``narrowing``: *old* is what a caller may pass, validated into *new* when sent, so an
        untyped value (``Any``, ``JSONInput``) is let through to that validation.
        """
        new_members = _members(new)
        return all(
            any(
                self._member(old_version, o, new_version, n, static, narrowing) for n in new_members
            )
            for o in _members(old)
        )

    def _member(
        self, ov: str, o: ast.expr, nv: str, n: ast.expr, static: bool, narrowing: bool
    ) -> bool:
        ot, nt = ast.unparse(o), ast.unparse(n)
        if nt == "Any" or (not static and nt in ("JSONString", "JSONInput")):
            return True  # a JSONString field takes any JSON value (decoding strings)
        if ot in ("Any", "JSONInput", "JSONString") and (narrowing or not static):
            # untyped in the older spec: the newer one (or, narrowing, the older model's
            # validation when the value is sent) decides; reading an answer, what the newer
            # model requires is not known to be sent by the older line
            if not narrowing:
                self._relax_all(nv, nt)
            return True
        if isinstance(o, ast.Constant) and o.value is None:
            return isinstance(n, ast.Constant) and n.value is None
        if isinstance(n, ast.Constant) and n.value is None:
            return False
        literal_o = _literal_values(o)
        if literal_o is not None:
            literal_n = _literal_values(n)
            if literal_n is not None:
                return literal_o <= literal_n
            if nt == "str":
                return all(isinstance(v, str) for v in literal_o)
            if nt == "int":
                return all(isinstance(v, int) and not isinstance(v, bool) for v in literal_o)
            if static:
                return False
            resolved = self.resolve(nv, nt)
            return bool(resolved and resolved[1].kind == "enum" and literal_o <= resolved[1].values)
        if ot == nt and not self._names_a_model(ov, o) and not self._names_a_model(nv, n):
            return True  # the same builtin or typing construct
        if ot == "int" and nt == "float":
            return True
        if not static and ot == "str" and nt in ("UUID", "_uuid.UUID", "datetime", "_dt.datetime"):
            return True  # the same JSON string; the newer model only reads it more precisely
        if isinstance(o, ast.Subscript) and isinstance(n, ast.Subscript):
            oc, nc = ast.unparse(o.value), ast.unparse(n.value)
            if (oc in _SEQUENCES and nc in _SEQUENCES and (nc == "Sequence" or oc == nc)) or (
                oc in _MAPPINGS and nc in _MAPPINGS and (nc == "Mapping" or oc == nc)
            ):
                oargs = o.slice.elts if isinstance(o.slice, ast.Tuple) else [o.slice]
                nargs = n.slice.elts if isinstance(n.slice, ast.Tuple) else [n.slice]
                return len(oargs) == len(nargs) and all(
                    self.subset(
                        ov, ast.unparse(a), nv, ast.unparse(b), static=static, narrowing=narrowing
                    )
                    for a, b in zip(oargs, nargs, strict=True)
                )
            return False
        old_model = self.resolve(ov, ot)
        new_model = self.resolve(nv, nt)
        if old_model is not None and old_model[1].kind == "enum" and nt == "str":
            return all(isinstance(v, str) for v in old_model[1].values)  # a str Enum is a str
        if static:
            return old_model is not None and new_model is not None and old_model[0] == new_model[0]
        # As parsing sees it: a root model is its root; a model is a JSON object.
        if old_model is not None and old_model[1].kind == "root" and new_model is None:
            return self.subset(old_model[2], old_model[1].root, nv, nt, narrowing=narrowing)
        if new_model is not None and new_model[1].kind == "root" and old_model is None:
            return self.subset(ov, ot, new_model[2], new_model[1].root, narrowing=narrowing)
        if old_model is not None and old_model[1].kind in ("model", "root") and _is_any_mapping(n):
            return True
        if old_model is not None and old_model[1].kind == "model" and new_model is not None:
            if new_model[1].kind == "root" and old_model[0] != new_model[0]:
                # a model as one member of the newer union (``X | list[X]``)
                return self.subset(ov, ot, new_model[2], new_model[1].root, narrowing=narrowing)
        if not narrowing and not static and _is_any_mapping(o) and new_model is not None:
            self._relax_all(nv, nt)
            return new_model[1].kind == "model"  # an untyped object read into a model
        if old_model is None or new_model is None:
            return False
        return self.model_subset(old_model, new_model, allow_missing=narrowing)

    def _relax_all(self, version: str, annotation: str) -> None:
        """Record every required field of the models *annotation* names as not required."""
        node = ast.parse(annotation, mode="eval").body
        for sub in ast.walk(node):
            name = ast.unparse(sub) if isinstance(sub, (ast.Name, ast.Attribute)) else None
            resolved = self.resolve(version, name) if name else None
            if resolved is not None and resolved[1].kind == "model":
                for target, (_, required) in resolved[1].fields.items():
                    if required:
                        self.relaxed.add((resolved[0], target))

    def _names_a_model(self, version: str, node: ast.expr) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                if self.resolve(version, f"{sub.value.id}.{sub.attr}") is not None:
                    return True
            if isinstance(sub, ast.Name) and self.resolve(version, sub.id) is not None:
                return True
        return False

    def model_subset(self, old: Resolved, new: Resolved, *, allow_missing: bool = False) -> bool:
        """Can the new model parse everything the old one describes?

        ``allow_missing``: fields of *old* that *new* lacks are fine (narrowing a newer input
        model to an older one refuses them when they are set).
        """
        key = (old[0], new[0])
        if not self._assumed:
            self.failure = ""
        if old[0] == new[0] or key in self._assumed:
            return True  # the same class, or already being compared (recursive models)
        self._assumed.add(key)
        ov, nv = old[2], new[2]
        try:
            o, n = old[1], new[1]
            if not allow_missing and o.kind == "model" and o.open and not o.fields:
                # the older spec describes nothing but "an object": the newest describes it,
                # but what that line sends is unknown, so none of it is required
                for target, (_, required) in n.fields.items():
                    if required:
                        self.relaxed.add((new[0], target))
                return n.kind == "model" or (
                    n.kind == "root" and _is_mapping(ast.parse(n.root, mode="eval").body)
                )
            if n.kind == "model" and n.open and not n.fields and o.kind in ("model", "root"):
                return o.kind == "model" or _is_mapping(ast.parse(o.root, mode="eval").body)
            if o.kind == "root" and n.kind == "root":
                return self.subset(ov, o.root, nv, n.root, narrowing=allow_missing)
            if o.kind == "model" and n.kind == "root":  # one member of the newer union
                own_name = old[0].split(":", 1)[1]
                return self.subset(ov, own_name, nv, n.root, narrowing=allow_missing)
            if o.kind != n.kind:
                return False
            if o.kind == "enum":
                return o.values <= n.values
            if o.kind in ("root", "alias"):
                return self.subset(ov, o.root, nv, n.root, narrowing=allow_missing)
            if o.kind != "model":
                return False
            matched: set[str] = set()
            for wire, (annotation, optional_old) in (
                (w, (a, not r)) for w, (a, r) in o.fields.items()
            ):
                target = wire if wire in n.fields else _by_python_name(o, n, wire)
                if target is None:
                    if n.open or allow_missing or optional_old:
                        continue  # kept as an extra field / refused when narrowing
                    self.failure = f"{old[0]}.{wire} is not in {new[0]}"
                    return False
                matched.add(target)
                if target != wire and not allow_missing:
                    # the same field under another wire key (``storage-proxy`` for
                    # ``storage_proxy``): the newest model also accepts the older spelling
                    self.respelled.add((new[0], target, wire))
                if allow_missing:
                    # narrowing: the older model validates the value when it is sent (an
                    # InvalidArgumentError names what it refuses), so the names are what count
                    continue
                if optional_old:
                    # An older spec's ``X | None = None`` says "may be left out"; that it may be
                    # null too is seldom known. The newest spec, checked against its server,
                    # decides.
                    annotation = _without_none(annotation)
                if not self.subset(
                    ov, annotation, nv, n.fields[target][0], narrowing=allow_missing
                ):
                    if not self.failure.startswith(old[0]):
                        self.failure = (
                            f"{old[0]}.{wire}: {annotation} does not fit {n.fields[target][0]}"
                            + (f" ({self.failure})" if self.failure else "")
                        )
                    return False
            if allow_missing:  # narrowing an input: what the target model needs must be there
                missing = [t for t, (_, r) in n.fields.items() if r and t not in matched]
                if missing:
                    self.failure = f"{new[0]} requires {', '.join(missing)}"
                return not missing
            # Reading an answer: a field the newest requires and an older spec does not know
            # is one that server line does not send, so the public model must not require it
            # (recorded in ``relaxed``; codegen makes it optional). One the older spec
            # declares follows the newest spec (the strict runs against each real server
            # line check that it is sent).
            for target, (_, required) in n.fields.items():
                if required and target not in matched:
                    self.relaxed.add((new[0], target))
            return True
        finally:
            self._assumed.discard(key)


def _without_none(annotation: str) -> str:
    members = [ast.unparse(m) for m in _members(annotation)]
    kept = [m for m in members if m != "None"]
    return " | ".join(kept) if kept else annotation


def _by_python_name(o: ClassShape, n: ClassShape, wire: str) -> str | None:
    """The field of *n* with the same Python name as *o*'s field *wire* (aliases differ)."""
    names = {w: name for name, w in o.python_names.items()}
    name = names.get(wire)
    target = n.python_names.get(name) if name else None
    return target if target in n.fields else None


def _is_mapping(node: ast.expr) -> bool:
    return isinstance(node, ast.Subscript) and ast.unparse(node.value) in _MAPPINGS


def _is_any_mapping(node: ast.expr) -> bool:
    """``dict[str, Any]`` / ``Mapping[str, Any]``: any JSON object fits."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) in _MAPPINGS:
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return len(args) == 2 and ast.unparse(args[1]) == "Any"
    return False


def _literal_values(node: ast.expr) -> frozenset[object] | None:
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal":
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        values = [e.value for e in elts if isinstance(e, ast.Constant)]
        if len(values) == len(elts):
            return frozenset(values)
    return None


def class_bases(source: str) -> list[str]:
    """The names of the base classes a class definition names."""
    node = ast.parse(source).body[0]
    return (
        [b.id for b in node.bases if isinstance(b, ast.Name)]
        if isinstance(node, ast.ClassDef)
        else []
    )


def relax_fields(source: str, wires: set[str]) -> str:
    """The class *source* with the fields named by wire key *wires* made optional (``| None``,
    default ``None``): what the public model must not require. Only those statements are
    rewritten; the rest of the text stays as rendered."""
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, int, str]] = []
    for statement in node.body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        name = statement.target.id
        wire = _field_alias(statement.annotation) or _field_alias(statement.value) or name
        if wire not in wires or _has_default(statement):
            continue
        annotation = statement.annotation
        inner = _unwrap_annotated(annotation)
        if not any(
            isinstance(m, ast.Constant) and m.value is None for m in _members(ast.unparse(inner))
        ):
            optional = ast.BinOp(left=inner, op=ast.BitOr(), right=ast.Constant(None))
            if inner is annotation:
                statement.annotation = optional
            else:
                assert isinstance(annotation, ast.Subscript)
                assert isinstance(annotation.slice, ast.Tuple)
                annotation.slice.elts[0] = optional
        statement.value = ast.Constant(None)
        text = ast.unparse(statement)
        assert statement.end_lineno is not None and statement.end_col_offset is not None
        edits.append(
            (
                statement.lineno,
                statement.col_offset,
                statement.end_lineno,
                statement.end_col_offset,
                text,
            )
        )
    for start_line, start_col, end_line, end_col, text in reversed(edits):
        head = "".join(lines[: start_line - 1]) + lines[start_line - 1][:start_col]
        tail = lines[end_line - 1][end_col:] + "".join(lines[end_line:])
        source = head + text + tail
        lines = source.splitlines(keepends=True)
    return source


def respell_fields(source: str, spellings: dict[str, set[str]]) -> str:
    """The class *source* with each field named by a wire key of *spellings* also accepting
    the older spellings (``validation_alias=AliasChoices(wire, *older)``); it is still sent
    and dumped under its own wire key. Only those statements are rewritten."""
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, int, str]] = []
    for statement in node.body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        name = statement.target.id
        wire = _field_alias(statement.annotation) or _field_alias(statement.value) or name
        if wire not in spellings:
            continue
        choices = ast.Call(
            func=ast.Name("AliasChoices"),
            args=[ast.Constant(w) for w in (wire, *sorted(spellings[wire] - {wire}))],
            keywords=[],
        )
        keyword = ast.keyword(arg="validation_alias", value=choices)
        field_call = next(
            (
                sub
                for sub in ast.walk(statement.annotation)
                if isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Name)
                and sub.func.id == "Field"
            ),
            None,
        )
        if field_call is not None:
            field_call.keywords = [k for k in field_call.keywords if k.arg != "validation_alias"]
            field_call.keywords.append(keyword)
        else:
            call = ast.Call(func=ast.Name("Field"), args=[], keywords=[keyword])
            statement.annotation = ast.Subscript(
                value=ast.Name("Annotated"),
                slice=ast.Tuple(elts=[statement.annotation, call]),
            )
        text = ast.unparse(statement)
        assert statement.end_lineno is not None and statement.end_col_offset is not None
        edits.append(
            (
                statement.lineno,
                statement.col_offset,
                statement.end_lineno,
                statement.end_col_offset,
                text,
            )
        )
    for start_line, start_col, end_line, end_col, text in reversed(edits):
        head = "".join(lines[: start_line - 1]) + lines[start_line - 1][:start_col]
        tail = lines[end_line - 1][end_col:] + "".join(lines[end_line:])
        source = head + text + tail
        lines = source.splitlines(keepends=True)
    return source
