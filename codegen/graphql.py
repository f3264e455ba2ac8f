"""The GraphQL stage: ``spec/<version>/operations/*.graphql`` -> ``generated/<package>/graphql/``.

Every operation document is validated against that version's ``schema.graphql`` (an invalid one
stops generation with ``file:line:col``). Each named operation gets, in the ariadne-codegen shape,
one result model (nested selections become nested models) and one typed method in the sync and
async operation classes, with the document inlined as a constant and the variables as keyword
arguments. The schema is emitted too (``schema.py``) so the installed package can validate raw
documents without the spec folder.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from graphql.type.definition import GraphQLInputType, GraphQLOutputType

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Source,
    build_ast_schema,
    parse,
    print_ast,
    type_from_ast,
    validate,
)

from .spec import SpecError, SpecVersion

__all__ = [
    "GraphQLApi",
    "build_graphql_api",
    "graphql_models_text",
    "operation_files",
    "render_graphql",
]

_TEMPLATES = Path(__file__).parent / "templates"
_OPERATION_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")

# GraphQL scalar -> (result annotation, variable annotation); modules are imported under private
# names because result fields are often called ``uuid`` or ``datetime``.
_SCALARS: dict[str, tuple[str, str]] = {
    "String": ("str", "str"),
    "Int": ("int", "int"),
    "Float": ("float", "float"),
    "Boolean": ("bool", "bool"),
    "ID": ("str", "str"),
    "UUID": ("_uuid.UUID", "str | _uuid.UUID"),
    "DateTime": ("_dt.datetime", "_dt.datetime"),
    "Date": ("_dt.date", "_dt.date"),
    "BigInt": ("int", "int"),
    "JSONString": ("JSONString", "JSONInput"),
    # 24.09 string-valued custom scalars
    "GlobalIDField": ("str", "str"),
    "ContainerRegistryTypeField": ("str", "str"),
    "SessionPermissionValueField": ("str", "str"),
    "VFolderPermissionValueField": ("str", "str"),
}

# Attribute names a result field must not take (pydantic's and our BaseModel's own).
_RESERVED = frozenset(
    {
        "copy", "dict", "json", "schema", "schema_json", "construct", "validate", "fields",
        "get", "keys", "to_dict", "parse_obj", "parse_raw", "parse_file", "from_orm",
        "update_forward_refs",
    }
)  # fmt: skip


def _snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", s)
    return s.lower()


def _py_name(wire: str) -> str:
    name = wire
    if name == "__typename":
        return "typename__"
    # hard keywords only: soft ones differ between Python versions (see codegen.naming)
    if keyword.iskeyword(name) or name in _RESERVED:
        name += "_"
    if name.startswith("model_") or name.startswith("_"):
        name = "f" + name if name.startswith("_") else name + "_"
    return name


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


@dataclass
class ModelField:
    name: str  # python attribute
    wire: str  # response key
    annotation: str
    required: bool


@dataclass
class Model:
    name: str
    doc: str
    fields: list[ModelField]
    is_input: bool = False


@dataclass
class Variable:
    name: str  # python keyword argument
    wire: str
    annotation: str
    required: bool
    narrow_to: str | None = None  # this version's input model, when a newer one is taken too
    refused: str | None = None  # a newer version's variable this one lacks: where it is


@dataclass
class Operation:
    name: str  # AgentList
    method: str  # agent_list
    kind: str  # query | mutation
    constant: str  # AGENT_LIST
    document: str
    doc: str
    source: str  # spec/<ver>/operations/x.graphql
    result_model: str
    variables: list[Variable]
    group: str = ""  # the document's file stem ("agent"): its models load together
    result_models: list[str] = field(default_factory=list)  # its result model and nested ones
    input_models: list[str] = field(default_factory=list)  # input models and enums it uses
    # what the method returns: its own model, or a newer version's that parses the answer too
    result_annotation: str = ""
    # (response-key path, start, end, unaliased leaf fields) of each selection set in `document`
    selections: list[tuple[tuple[str, ...], int, int, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.result_annotation:
            self.result_annotation = f"models.{self.result_model}"

    @property
    def is_mutation(self) -> bool:
        return self.kind == "mutation"

    @property
    def docstring(self) -> str:
        sends = f"Sends the {self.kind} ``{self.name}`` ({self.source})."
        return _docstring(f"{self.doc}\n\n{sends}" if self.doc else sends)


@dataclass
class GraphQLApi:
    version: str
    package: str
    schema_source: str
    sdl: str
    operations: list[Operation] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)  # dependency order
    input_models: list[Model] = field(default_factory=list)
    enums: dict[str, list[str]] = field(default_factory=dict)

    @property
    def imports_uuid(self) -> bool:
        return self._uses("_uuid.")

    @property
    def imports_datetime(self) -> bool:
        return self._uses("_dt.")

    def _uses(self, prefix: str) -> bool:
        annotations = [f.annotation for m in self.models + self.input_models for f in m.fields]
        annotations += [v.annotation for op in self.operations for v in op.variables]
        return any(prefix in a for a in annotations)


def _location(error: GraphQLError, origin: str) -> str:
    if error.locations:
        loc = error.locations[0]
        return f"{origin}:{loc.line}:{loc.column}"
    return origin


def _leading_comment(text: str, line: int) -> str:
    """The ``#`` comment lines right above line *line* (1-based) of *text*."""
    lines = text.splitlines()
    out: list[str] = []
    i = line - 2
    while i >= 0 and lines[i].lstrip().startswith("#"):
        out.insert(0, lines[i].lstrip()[1:].strip())
        i -= 1
    return " ".join(part for part in out if part)


class _Builder:
    def __init__(self, api: GraphQLApi, schema: GraphQLSchema) -> None:
        self.api = api
        self.schema = schema
        self.model_names: set[str] = set()
        self.input_done: set[str] = set()

    # -- results ------------------------------------------------------------------------------
    def output_annotation(
        self,
        gtype: GraphQLOutputType,
        selection: SelectionSetNode | None,
        model_name: str,
        origin: str,
    ) -> str:
        if isinstance(gtype, GraphQLNonNull):
            return self.output_annotation(gtype.of_type, selection, model_name, origin)
        inner: str
        if isinstance(gtype, GraphQLList):
            item = self.output_annotation(gtype.of_type, selection, model_name, origin)
            if not isinstance(gtype.of_type, GraphQLNonNull):
                item = f"{item} | None"
            inner = f"list[{item}]"
        elif isinstance(gtype, GraphQLScalarType):
            inner = self.scalar(gtype.name, origin, result=True)
        elif isinstance(gtype, GraphQLEnumType):
            inner = "str"  # lenient: a value a newer server adds must not break parsing
        elif isinstance(gtype, GraphQLObjectType):
            assert selection is not None
            inner = self.object_model(gtype, selection, model_name, origin)
        else:
            raise SpecError(
                f"{origin}: selections on {gtype} (interfaces/unions) are not supported; select on a concrete type"
            )
        return inner

    def scalar(self, name: str, origin: str, *, result: bool) -> str:
        if name not in _SCALARS:
            raise SpecError(
                f"{origin}: no Python type for the GraphQL scalar {name!r} (add it to codegen/graphql.py)"
            )
        return _SCALARS[name][0 if result else 1]

    def object_model(
        self, gtype: GraphQLObjectType, selection: SelectionSetNode, model_name: str, origin: str
    ) -> str:
        if model_name in self.model_names:
            raise SpecError(
                f"{origin}: two result models would be named {model_name}; alias one of the fields"
            )
        self.model_names.add(model_name)
        fields: list[ModelField] = []
        seen: set[str] = set()
        for node in selection.selections:
            if isinstance(node, InlineFragmentNode):
                raise SpecError(f"{origin}: inline fragments are not supported")
            if not isinstance(node, FieldNode):
                raise SpecError(f"{origin}: fragment spreads are not supported; inline the fields")
            wire = node.alias.value if node.alias else node.name.value
            if wire in seen:
                continue
            seen.add(wire)
            if node.name.value == "__typename":
                fields.append(ModelField(_py_name(wire), wire, "str | None", False))
                continue
            definition = gtype.fields[node.name.value]
            child_name = model_name + _pascal(wire)
            annotation = self.output_annotation(
                definition.type, node.selection_set, child_name, origin
            )
            required = isinstance(definition.type, GraphQLNonNull)
            if not required:
                annotation += " | None"
            fields.append(ModelField(_py_name(wire), wire, annotation, required))
        description = f"``{gtype.name}`` as selected by this operation."
        self.api.models.append(Model(model_name, description, fields))
        return model_name

    # -- variables ----------------------------------------------------------------------------
    def input_annotation(self, gtype: GraphQLInputType, origin: str) -> str:
        if isinstance(gtype, GraphQLNonNull):
            return self.input_annotation(gtype.of_type, origin)
        if isinstance(gtype, GraphQLList):
            item = self.input_annotation(gtype.of_type, origin)
            if not isinstance(gtype.of_type, GraphQLNonNull):
                item = f"{item} | None"
            return f"list[{item}]"
        if isinstance(gtype, GraphQLScalarType):
            return self.scalar(gtype.name, origin, result=False)
        if isinstance(gtype, GraphQLEnumType):
            self.api.enums[gtype.name] = sorted(gtype.values)
            return gtype.name
        if isinstance(gtype, GraphQLInputObjectType):
            self.input_model(gtype, origin)
            return gtype.name
        raise SpecError(f"{origin}: unsupported variable type {gtype}")

    def input_model(self, gtype: GraphQLInputObjectType, origin: str) -> None:
        if gtype.name in self.input_done:
            return
        self.input_done.add(gtype.name)
        fields = []
        for wire, definition in sorted(gtype.fields.items()):
            annotation = self.input_annotation(definition.type, origin)
            required = (
                isinstance(definition.type, GraphQLNonNull) and definition.default_value is None
            )
            if not required:
                annotation += " | None"
            fields.append(ModelField(_py_name(wire), wire, annotation, required))
        doc = (gtype.description or f"The ``{gtype.name}`` input object.").strip()
        self.api.input_models.append(Model(gtype.name, doc, fields, is_input=True))

    # -- operations ---------------------------------------------------------------------------
    def operation(self, node: OperationDefinitionNode, text: str, origin: str) -> None:
        where = (
            f"{origin}:{node.loc.source.get_location(node.loc.start).line}" if node.loc else origin
        )
        if node.name is None:
            raise SpecError(
                f"{where}: every operation needs a name (query AgentList(...) {{ ... }})"
            )
        name = node.name.value
        if not _OPERATION_NAME.match(name):
            raise SpecError(f"{where}: operation names are PascalCase, got {name!r}")
        if node.operation == OperationType.SUBSCRIPTION:
            raise SpecError(f"{where}: subscriptions are not supported")
        root = (
            self.schema.query_type
            if node.operation == OperationType.QUERY
            else self.schema.mutation_type
        )
        assert root is not None
        first_model = len(self.api.models)
        result = self.object_model(root, node.selection_set, name, where)
        self.api.models[-1].doc = f"The ``data`` of the {node.operation.value} ``{name}``."
        variables = []
        for definition in node.variable_definitions or ():
            gtype = type_from_ast(self.schema, definition.type)
            assert gtype is not None
            annotation = self.input_annotation(gtype, where)  # type: ignore[arg-type]
            required = isinstance(gtype, GraphQLNonNull) and definition.default_value is None
            if not required:
                annotation += " | None"
            wire = definition.variable.name.value
            variables.append(Variable(_py_name(wire), wire, annotation, required))
        line = node.loc.source.get_location(node.loc.start).line if node.loc else 1
        document = print_ast(DocumentNode(definitions=(node,)))
        self.api.operations.append(
            Operation(
                name=name,
                method=_snake(name),
                kind=node.operation.value,
                constant=_snake(name).upper(),
                document=document,
                selections=_selections(document),
                doc=_leading_comment(text, line),
                source=origin,
                result_model=result,
                variables=variables,
                group=Path(origin).stem,
                result_models=[m.name for m in self.api.models[first_model:]],
                input_models=sorted(_named_types(variables, set(self.api.enums) | self.input_done)),
            )
        )


def operation_files(version: SpecVersion, shared: Path | None) -> list[list[tuple[str, Path]]]:
    """The version's GraphQL documents, per file name: ``spec/operations/<name>`` (written once
    for every version) then ``spec/<version>/operations/<name>``, whose operations replace the
    shared ones of the same name (a version overrides only what differs)."""
    files: dict[str, list[tuple[str, Path]]] = {}
    if shared is not None and shared.is_dir():
        for path in sorted(shared.glob("**/*.graphql")):
            relative = path.relative_to(shared).as_posix()
            files.setdefault(relative, []).append((f"spec/{shared.name}/{relative}", path))
    own = version.folder / "operations"
    for path in sorted(own.glob("**/*.graphql")):
        relative = path.relative_to(own).as_posix()
        files.setdefault(relative, []).append(
            (f"spec/{version.version}/operations/{relative}", path)
        )
    return [files[key] for key in sorted(files)]


_SINCE = re.compile(r"\A# since: (v(\d+)\.(\d{8}))\s*$", re.M)


def _available_in(version: str, rel: str, text: str) -> bool:
    """Whether a shared document applies to *version*: a file whose first line is
    ``# since: v8.20240915`` is for that version and newer ones (older ones get stubs that
    refuse its operations, naming the version needed)."""
    match = _SINCE.match(text)
    if match is None or not rel.startswith("spec/operations/"):
        return True
    major, date = version[1:].split(".")
    return (int(major), date) >= (int(match.group(2)), match.group(3))


def _parse(rel: str, path: Path) -> tuple[str, DocumentNode]:
    text = path.read_text(encoding="utf-8")
    try:
        return text, parse(Source(text, rel))
    except GraphQLError as e:
        raise SpecError(f"{_location(e, rel)}: syntax error: {e.message}") from None


def build_graphql_api(version: SpecVersion, shared: Path | None = None) -> GraphQLApi | None:
    """Load and validate one version's schema and documents; ``None`` when it has no schema."""
    folder = version.folder
    schema_path = folder / "schema.graphql"
    if not schema_path.is_file():
        return None
    origin = f"spec/{version.version}/schema.graphql"
    sdl = schema_path.read_text(encoding="utf-8")
    try:
        # assume_valid_sdl: 26.09 ships a federation subgraph schema whose @link, @key and
        # @shareable directives are declared by the gateway, not in the file.
        schema = build_ast_schema(parse(Source(sdl, origin)), assume_valid_sdl=True)
    except GraphQLError as e:
        raise SpecError(f"{_location(e, origin)}: {e.message}") from None
    api = GraphQLApi(version.version, version.package, origin, sdl)
    builder = _Builder(api, schema)
    names: dict[str, str] = {}
    for sources in operation_files(version, shared):
        parsed = [(rel, *_parse(rel, path)) for rel, path in sources]
        overridden = {
            d.name.value
            for _, _, document in parsed[1:]
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode) and d.name
        }
        for index, (rel, text, document) in enumerate(parsed):
            if index == 0 and not _available_in(version.version, rel, text):
                continue  # a shared file of newer versions only: this one gets stubs
            for definition in document.definitions:
                if isinstance(definition, FragmentDefinitionNode):
                    raise SpecError(f"{rel}: fragments are not supported; inline the fields")
                assert isinstance(definition, OperationDefinitionNode)
                name = definition.name.value if definition.name else ""
                if index == 0 and len(parsed) > 1 and name in overridden:
                    continue  # this version has its own
                if _lacks_root_fields(schema, definition):
                    continue  # an older schema without the feature: its method is a stub
                errors = validate(schema, DocumentNode(definitions=(definition,)))
                if errors:
                    raise SpecError(
                        "GraphQL documents do not validate against "
                        + origin
                        + ":\n"
                        + "\n".join(f"{_location(e, rel)}: {e.message}" for e in errors)
                    )
                if name in names:
                    raise SpecError(f"{rel}: operation {name} is also defined in {names[name]}")
                names[name] = rel
                builder.operation(definition, text, rel)
    clash = {m.name for m in api.models} & {m.name for m in api.input_models} | (
        {m.name for m in api.models + api.input_models} & set(api.enums)
    )
    if clash:
        raise SpecError(f"spec/{version.version}/operations: names used twice: {sorted(clash)}")
    api.operations.sort(key=lambda op: op.name)
    qualified = sorted({m.name for m in api.input_models} | set(api.enums), key=len, reverse=True)
    for op in api.operations:
        for variable in op.variables:
            for name in qualified:
                variable.annotation = re.sub(
                    rf"(?<![.\w]){name}\b", f"models.{name}", variable.annotation
                )
    return api


def _selections(document: str) -> list[tuple[tuple[str, ...], int, int, list[str]]]:
    """Every selection set of a printed one-operation *document*: its path of response keys,
    the offsets of its braces and the leaf fields it selects without an alias, so that the
    runtime can narrow a selection to some of those leaves by splicing text (``fields=``)."""
    found: list[tuple[tuple[str, ...], int, int, list[str]]] = []

    def walk(selection_set: SelectionSetNode, path: tuple[str, ...]) -> None:
        assert selection_set.loc is not None
        leaves = sorted(
            s.name.value
            for s in selection_set.selections
            if isinstance(s, FieldNode) and s.alias is None and s.selection_set is None
        )
        found.append((path, selection_set.loc.start, selection_set.loc.end, leaves))
        for s in selection_set.selections:
            if isinstance(s, FieldNode) and s.selection_set is not None:
                walk(s.selection_set, (*path, (s.alias or s.name).value))

    (operation,) = parse(document).definitions
    assert isinstance(operation, OperationDefinitionNode)
    walk(operation.selection_set, ())
    return found


def _lacks_root_fields(schema: GraphQLSchema, definition: OperationDefinitionNode) -> bool:
    """Whether the schema has none of the operation's top-level fields (a version older than
    the feature, e.g. model services on 22.03): the operation is left out of that version, whose
    generated method then raises ``BackendAPIVersionError``. A document that names some but not
    all of them still fails validation, so a typo is not mistaken for an absent feature."""
    root = (
        schema.mutation_type
        if definition.operation is OperationType.MUTATION
        else schema.query_type
    )
    names = [s.name.value for s in definition.selection_set.selections if isinstance(s, FieldNode)]
    return root is not None and bool(names) and not any(n in root.fields for n in names)


def _named_types(variables: list[Variable], names: set[str]) -> set[str]:
    """The input models and enums the variables' annotations name."""
    return {
        word
        for variable in variables
        for word in re.findall(r"[A-Za-z_]\w*", variable.annotation)
        if word in names
    }


def _docstring(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').rstrip()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["docstring"] = _docstring
    return env


def _sdl_literal(sdl: str, origin: str) -> str:
    if "'''" in sdl or sdl.rstrip().endswith("\\"):
        raise SpecError(f"{origin}: cannot embed the schema as a raw string literal")
    return "r'''" + sdl.rstrip("\n") + "\n'''"


def graphql_models_text(api: GraphQLApi, header: str) -> str:
    """All result and input models of one version as one module (``models_layout`` splits it)."""
    return _environment().get_template("graphql_models.py.j2").render(api=api, header=header)


def render_graphql(
    api: GraphQLApi,
    header: str,
    stubs: list[dict[str, str]],
    foreign: list[tuple[str, str, str]],
) -> dict[str, str]:
    """``{relative path under generated/: text}``: the version's GraphQL package but its models
    (``stubs``: operations other versions have, as ``{"method", "name", "available"}``;
    ``foreign``: other versions' models the results use, as ``(alias, package, kind)``)."""
    env = _environment()
    context: dict[str, Any] = {"api": api, "header": header, "stubs": stubs, "foreign": foreign}
    prefix = f"{api.package}/graphql"
    return {
        f"{prefix}/__init__.py": env.get_template("graphql_init.py.j2").render(**context),
        f"{prefix}/operations.py": env.get_template("graphql_operations.py.j2").render(**context),
        f"{prefix}/selections.py": env.get_template("graphql_selections.py.j2").render(**context),
        f"{prefix}/schema.py": env.get_template("graphql_schema.py.j2").render(
            sdl_literal=_sdl_literal(api.sdl, api.schema_source), **context
        ),
    }
