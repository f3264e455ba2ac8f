"""The version-neutral surface: which operations look the same in every version, which differ.

For each REST operation (tag attribute + method name) and each GraphQL operation, the signature
of every version that has it is compared after its model references are resolved to the one
class that defines them (``codegen/models_layout.py``):

* **universal**: the same in every version that has it. It becomes a method of the tag's
  Protocol; a version without it gets a stub that raises ``BackendAPIVersionError`` naming the
  versions that have it, so every version's client satisfies the Protocol.
* **differing**: two versions disagree. It is left out of the Protocols and listed in the
  adapter table (``Adapters``/``AsyncAdapters``) with the newest version's signature: the
  hand-written adapters must implement exactly these, and the type checkers verify it.

Every neutral operation also gets a ``TypedDict`` of its keyword arguments (``...Params``), so
the hand-written layer builds typed arguments and passes them with ``**params``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .compat import ClassShape, Resolved, TypeUniverse, shape_of
from .models_layout import Namespace
from .naming import class_name
from .operations import ApiVersion, Operation, Param
from .spec import package_name

__all__ = [
    "NeutralGraphQLOp",
    "NeutralOp",
    "NeutralStream",
    "Seam",
    "build_seam",
    "model_alias",
]

_MODEL_REF = re.compile(r"\bmodels\.([A-Za-z_]\w*)")


def model_alias(version: str, graphql: bool = False) -> str:
    """The name the neutral modules import a version's models package under."""
    return f"{package_name(version)}_{'gql' if graphql else 'models'}"


@dataclass
class NeutralParam:
    name: str
    annotation: str  # owner-qualified (``v9_20250722_models.X``)
    required: bool


@dataclass
class NeutralOp:
    """One REST operation of the neutral surface (``tag.method``)."""

    tag_attribute: str
    tag_name: str
    tag_stem: str
    method: str
    kind: Literal["universal", "differing"]
    representative: Operation  # the newest version's
    representative_version: str
    versions: list[str]  # that have it, oldest first
    params: list[NeutralParam]
    returns: str  # owner-qualified return annotation (sync); async adds the coroutine
    response_kind: str
    base_url: bool
    why: str = ""  # why it differs
    available: str = ""  # "v8.20240915 and newer", ...

    @property
    def operation_id(self) -> str:
        return self.representative.operation_id

    @property
    def params_class(self) -> str:
        return f"{self.tag_stem}{class_name(self.method)}Params"

    @property
    def adapter_name(self) -> str:
        return f"{self.tag_attribute}_{self.method}"

    @property
    def is_context_manager(self) -> bool:
        return self.response_kind == "binary"

    def async_returns(self) -> str:
        if self.response_kind == "binary":
            return self.returns.replace("AbstractContextManager", "AbstractAsyncContextManager")
        return self.returns


@dataclass
class NeutralGraphQLOp:
    method: str
    name: str  # AgentList
    kind: Literal["universal", "differing"]
    versions: list[str]
    params: list[NeutralParam]
    returns: str
    doc: str
    why: str = ""
    available: str = ""

    @property
    def params_class(self) -> str:
        return f"{self.name}Variables"

    @property
    def adapter_name(self) -> str:
        return f"graphql_{self.method}"


@dataclass
class NeutralStream:
    function: str  # stream_pty_path
    operation_id: str
    versions: list[str]
    params: list[NeutralParam]
    summary: str
    available: str = ""


@dataclass
class NeutralTag:
    attribute: str
    name: str
    stem: str
    universal: list[NeutralOp] = field(default_factory=list)
    differing: list[NeutralOp] = field(default_factory=list)


@dataclass
class Seam:
    versions: list[str]
    tags: list[NeutralTag]
    graphql: list[NeutralGraphQLOp]
    streams: list[NeutralStream]
    # version -> tag attribute -> universal ops that version lacks (it gets stubs)
    missing: dict[str, dict[str, list[NeutralOp]]]
    missing_graphql: dict[str, list[NeutralGraphQLOp]]
    missing_streams: dict[str, list[NeutralStream]]
    # (version, tag attribute, method) -> the newest model an older answer is parsed into
    answered: dict[tuple[str, str, str], str]
    graphql_answered: dict[tuple[str, str], str]  # (version, method) -> the newest model
    # (version, tag attribute, method) -> keywords refused there / keyword -> newest model taken
    refused: dict[tuple[str, str, str], list[NeutralParam]]
    widened: dict[tuple[str, str, str], dict[str, str]]
    graphql_refused: dict[tuple[str, str], list[NeutralParam]]
    graphql_widened: dict[tuple[str, str], dict[str, str]]
    # (model identity "version:Name", wire key): newest fields an older answer does not carry
    relaxed: set[tuple[str, str]] = field(default_factory=set)
    respelled: set[tuple[str, str, str]] = field(default_factory=set)
    graphql_relaxed: set[tuple[str, str]] = field(default_factory=set)

    @property
    def latest(self) -> str:
        return self.versions[-1]

    @property
    def differing(self) -> list[NeutralOp]:
        return [op for tag in self.tags for op in tag.differing]

    @property
    def differing_graphql(self) -> list[NeutralGraphQLOp]:
        return [op for op in self.graphql if op.kind == "differing"]


def _qualify(annotation: str, version: str, ns: Namespace, graphql: bool = False) -> str:
    def replace(match: re.Match[str]) -> str:
        owner_version, attribute = ns.owner(version, match.group(1))
        return f"{model_alias(owner_version, graphql)}.{attribute}"

    return _MODEL_REF.sub(replace, annotation)


def _returns(op: Operation) -> str:
    if op.response_kind == "json":
        assert op.response_model is not None
        return op.response_model
    return {
        "json_value": "JSONValue",
        "binary": "AbstractContextManager[httpx.Response]",
        "headers": "httpx.Headers",
        "none": "None",
    }[op.response_kind]


def universe_of(ns: Namespace) -> TypeUniverse:
    """Subset questions over the models of *ns* (names as each version sees them)."""
    shapes: dict[tuple[str, str], ClassShape] = {}

    def resolve(version: str, name: str) -> Resolved | None:
        name = name.removeprefix("models.")
        if (version, name) not in ns.placements:
            return None
        owner = ns.owner(version, name)
        if owner not in shapes:
            shapes[owner] = shape_of(ns.sources[owner[0]].definitions[owner[1]])
        return f"{owner[0]}:{owner[1]}", shapes[owner], owner[0]

    return TypeUniverse(resolve)


@dataclass
class Signature:
    """One version's signature of an operation, as the unification sees it."""

    params: dict[str, tuple[str, bool]]  # keyword -> (annotation with ``models.``, required)
    kind: str  # the response kind ("json", "binary", ...; GraphQL: "json")
    returns: str  # ``models.X`` for JSON answers, else the fixed annotation
    base_url: bool = False


@dataclass
class Unified:
    params: list[NeutralParam]
    returns: str  # owner-qualified
    answered_as_newest: list[str]  # older versions whose answer is parsed into the newest model
    # version -> keywords the neutral signature has and that version does not: refused there
    refused: dict[str, list[NeutralParam]] = field(default_factory=dict)
    # version -> keyword -> the newest model that version's method also takes (and narrows)
    widened: dict[str, dict[str, str]] = field(default_factory=dict)
    why: str = ""  # why no signature serves every version ("" when one does)
    answer_model: str = ""  # the newest model older answers are parsed into


def _literal_intersection(annotations: list[str], newest: str) -> tuple[str, str] | None:
    """``Literal`` s that share values: the shared ones (accepted by every version)."""
    sets = []
    nullable = True
    for annotation in annotations:
        values = re.fullmatch(r"Literal\[(.*)\]( \| None)?", annotation)
        if values is None:
            return None
        sets.append(set(re.findall(r'"(?:[^"\\]|\\.)*"|-?\d+|True|False', values.group(1))))
        nullable = nullable and bool(values.group(2))
    common = set.intersection(*sets)
    if not common:
        return None
    ordered = [
        v for v in re.findall(r'"(?:[^"\\]|\\.)*"|-?\d+|True|False', annotations[-1]) if v in common
    ]
    return newest, f"Literal[{', '.join(ordered)}]" + (" | None" if nullable else "")


def _is_open_mapping(annotation: str) -> bool:
    return annotation.split(" | ")[0] in ("Mapping[str, Any]", "dict[str, Any]")


def _single_model(annotation: str) -> tuple[str, str] | None:
    """``(model reference, annotation with it blanked)`` when exactly one model is named."""
    found = _MODEL_REF.findall(annotation)
    if len(found) != 1:
        return None
    return found[0], _MODEL_REF.sub("<model>", annotation)


def unify(
    signatures: dict[str, Signature],
    order: list[str],
    ns: Namespace,
    universe: TypeUniverse,
    graphql: bool = False,
) -> Unified:
    """One signature every version in *signatures* accepts, or why there is none (``why``).

    Additive changes are absorbed; anything else is a real difference (an adapter's job):

    * keywords: the newest version's. A keyword an older version lacks must be optional (that
      version refuses it when given); one only an older version has must be optional there.
      A version that both lacks some and has others may have renamed them: that differs.
    * types: the one version's annotation that is (statically) a subset of every other's; or,
      for a model, the newest model when every older model fits into it (older methods then
      also take the newest model and narrow it to their own, refusing fields they lack; this
      is done for the operations that differ too, so their adapters can pass newest models).
    * required where any version requires it.
    * answers: the newest version's model, when every older model is the same class or fits.
    """
    having = [v for v in order if v in signatures]
    newest = having[-1]
    first = signatures[newest]
    why: list[str] = []
    refused: dict[str, list[NeutralParam]] = {}
    widened: dict[str, dict[str, str]] = {}
    for version in having:
        sig = signatures[version]
        if sig.base_url != first.base_url:
            why.append(f"{version} and {newest} are served by different servers")
        elif sig.kind != first.kind and not (
            sig.kind == "none" and first.kind in ("json_value", "json")
        ):
            # (an older "no body" is a JSON value too, None; a newer body than an older
            # "nothing" makes the neutral answer optional)
            why.append(f"{version} answers {sig.kind}, {newest} {first.kind}")
        added, dropped = set(first.params) - set(sig.params), set(sig.params) - set(first.params)
        why += [
            f"{newest} requires {n!r}, which {version} does not take"
            for n in sorted(added)
            if first.params[n][1]
        ]
        why += [
            f"{version} requires {n!r}, which {newest} does not take"
            for n in sorted(dropped)
            if sig.params[n][1]
        ]
        if added and dropped:  # perhaps a renamed keyword: not for codegen to guess
            why.append(
                f"{newest} takes {', '.join(sorted(added))} and {version} "
                f"{', '.join(sorted(dropped))} instead"
            )
    params: list[NeutralParam] = []
    for name in first.params:
        takers = [v for v in having if name in signatures[v].params]
        chosen, problem = _choose_type(name, takers, signatures, ns, universe, graphql, widened)
        if problem:
            why.append(problem)
        required = any(signatures[v].params[name][1] for v in takers)
        param = NeutralParam(name, _qualify(chosen[1], chosen[0], ns, graphql), required)
        params.append(param)
        for version in having:
            if version not in takers:
                refused.setdefault(version, []).append(param)
    answered: list[str] = []
    returns = _qualify(first.returns, newest, ns, graphql)
    if first.kind == "json":
        new = universe.resolve(newest, first.returns)
        if any(signatures[v].kind == "none" for v in having):
            returns += " | None"  # an older version answers nothing
        for version in having[:-1]:
            if signatures[version].kind != "json":
                continue
            old = universe.resolve(version, signatures[version].returns)
            if new is None or old is None:
                why.append(f"the answer of {version} or {newest} is not a model")
            elif old[0] != new[0]:
                if universe.model_subset(old, new):
                    answered.append(version)
                else:
                    why.append(
                        f"{newest}'s {first.returns} cannot parse {version}'s "
                        f"{signatures[version].returns} ({universe.failure or 'other kind'})"
                    )
    elif any(
        sig.returns != first.returns and not (sig.kind == "none" and first.kind == "json_value")
        for sig in signatures.values()
    ):
        why.append("the answers differ")
    return Unified(
        params,
        returns,
        answered,
        refused,
        widened,
        "; ".join(dict.fromkeys(why)),
        _qualify(first.returns, newest, ns, graphql),
    )


def _choose_type(
    name: str,
    takers: list[str],
    signatures: dict[str, Signature],
    ns: Namespace,
    universe: TypeUniverse,
    graphql: bool,
    widened: dict[str, dict[str, str]],
) -> tuple[tuple[str, str], str]:
    """The neutral type of keyword *name* as ``((version, annotation), problem)``; records
    the versions whose method must also take (and narrow) the newest model in *widened*."""
    newest = takers[-1]
    newest_annotation = signatures[newest].params[name][0]
    for version in reversed(takers):
        annotation = signatures[version].params[name][0]
        if all(
            universe.subset(
                version, annotation, other, signatures[other].params[name][0], static=True
            )
            for other in takers
        ):
            return (version, annotation), ""
    shared = _literal_intersection([signatures[v].params[name][0] for v in takers], newest)
    if shared is not None:
        return shared, ""
    if _is_open_mapping(newest_annotation):
        # The newest takes any mapping; older versions' models validate it when sent. The
        # neutral type is the narrowest of the non-model annotations.
        plain = [v for v in takers if _single_model(signatures[v].params[name][0]) is None]
        for version in reversed(plain):
            annotation = signatures[version].params[name][0]
            if all(
                universe.subset(
                    version, annotation, other, signatures[other].params[name][0], static=True
                )
                for other in plain
            ):
                for other in takers:
                    if other not in plain:
                        widened.setdefault(other, {})[name] = _qualify(
                            annotation, version, ns, graphql
                        )
                return (version, annotation), ""
        kinds = "; ".join(f"{v}: {signatures[v].params[name][0]}" for v in takers)
        return (newest, newest_annotation), f"no type of {name!r} fits every version ({kinds})"
    newest_model = _single_model(newest_annotation)
    problem = ""
    for other in takers[:-1]:
        own = _single_model(signatures[other].params[name][0])
        old = universe.resolve(other, own[0]) if own else None
        new = universe.resolve(newest, newest_model[0]) if newest_model else None
        if (
            own is None
            or newest_model is None
            # only a model itself is narrowed (not one inside a list or a mapping)
            or own[1].replace(" | None", "") != "<model>"
            or newest_model[1].replace(" | None", "") != "<model>"
            or old is None
            or new is None
            or not universe.model_subset(new, old, allow_missing=True)
        ):
            kinds = "; ".join(f"{v}: {signatures[v].params[name][0]}" for v in takers)
            problem = f"no type of {name!r} fits every version ({kinds})"
        elif old[0] != new[0]:
            qualified = _qualify("models." + newest_model[0], newest, ns, graphql)
            widened.setdefault(other, {})[name] = qualified
    return (newest, newest_annotation), problem


def build_seam(
    apis: Sequence[ApiVersion],
    rest: Namespace,
    graphql_ops: dict[str, list[tuple[str, str, list[NeutralParam], str, str]]],
    gql: Namespace,
) -> Seam:
    """Compare every version's operations. *graphql_ops* maps a version to its GraphQL
    operations as ``(method, name, variables, result model name, doc)``."""
    versions = [api.version for api in apis]
    universe = universe_of(rest)
    tags: dict[str, NeutralTag] = {}
    found: dict[tuple[str, str], dict[str, Operation]] = {}
    for api in apis:
        for tag in api.tags:
            entry = tags.setdefault(
                tag.attribute, NeutralTag(tag.attribute, tag.name, tag.class_stem)
            )
            entry.name = tag.name  # the newest version's spelling
            for op in tag.operations:
                found.setdefault((tag.attribute, op.method_name), {})[api.version] = op
    missing: dict[str, dict[str, list[NeutralOp]]] = {v: {} for v in versions}
    answered: dict[tuple[str, str, str], str] = {}
    refused: dict[tuple[str, str, str], list[NeutralParam]] = {}
    widened: dict[tuple[str, str, str], dict[str, str]] = {}
    for (attribute, method), by_version in found.items():
        having = [v for v in versions if v in by_version]
        newest = having[-1]
        representative = by_version[newest]
        signatures = {
            v: Signature(
                {p.py_name: (p.annotation, p.required) for p in op.params},
                op.response_kind,
                _returns(op),
                op.base_url,
            )
            for v, op in by_version.items()
        }
        result = unify(signatures, versions, rest, universe)
        unified = None if result.why else result
        tag = tags[attribute]
        op = NeutralOp(
            tag_attribute=attribute,
            tag_name=tag.name,
            tag_stem=tag.stem,
            method=method,
            kind="universal" if unified else "differing",
            representative=representative,
            representative_version=newest,
            versions=having,
            params=unified.params
            if unified
            else _neutral_params(representative.params, newest, rest),
            returns=unified.returns
            if unified
            else _qualify(_returns(representative), newest, rest),
            response_kind=representative.response_kind,
            base_url=representative.base_url,
            why=result.why,
        )
        for version, names in result.widened.items():
            widened[(version, attribute, method)] = names
        if unified:
            tag.universal.append(op)
            for version in unified.answered_as_newest:
                answered[(version, attribute, method)] = unified.answer_model
            for version, params in unified.refused.items():
                refused[(version, attribute, method)] = params
            for version in versions:
                if version not in by_version:
                    missing[version].setdefault(attribute, []).append(op)
        else:
            tag.differing.append(op)
    for tag in tags.values():
        tag.universal.sort(key=lambda o: o.method)
        tag.differing.sort(key=lambda o: o.method)
    graphql, gql_answered, gql_refused, gql_widened, gql_relaxed = _graphql_seam(
        versions, graphql_ops, gql
    )
    streams = _stream_seam(apis, rest)
    for item in [
        *(o for t in tags.values() for o in t.universal + t.differing),
        *graphql,
        *streams,
    ]:
        item.available = describe_versions(item.versions, versions)
    return Seam(
        versions=versions,
        tags=sorted(tags.values(), key=lambda t: t.attribute),
        graphql=graphql,
        streams=streams,
        missing=missing,
        missing_graphql={
            v: [op for op in graphql if op.kind == "universal" and v not in op.versions]
            for v in versions
        },
        missing_streams={v: [st for st in streams if v not in st.versions] for v in versions},
        answered=answered,
        graphql_answered=gql_answered,
        refused=refused,
        widened=widened,
        graphql_refused=gql_refused,
        graphql_widened=gql_widened,
        relaxed=universe.relaxed,
        respelled=universe.respelled,
        graphql_relaxed=gql_relaxed,
    )


def _graphql_seam(
    versions: list[str],
    graphql_ops: dict[str, list[tuple[str, str, list[NeutralParam], str, str]]],
    gql: Namespace,
) -> tuple[
    list[NeutralGraphQLOp],
    dict[tuple[str, str], str],
    dict[tuple[str, str], list[NeutralParam]],
    dict[tuple[str, str], dict[str, str]],
    set[tuple[str, str]],
]:
    universe = universe_of(gql)
    found: dict[str, dict[str, tuple[str, list[NeutralParam], str, str]]] = {}
    for version, ops in graphql_ops.items():
        for method, name, variables, result, doc in ops:
            found.setdefault(method, {})[version] = (name, variables, result, doc)
    result_ops = []
    answered: dict[tuple[str, str], str] = {}
    refused: dict[tuple[str, str], list[NeutralParam]] = {}
    widened: dict[tuple[str, str], dict[str, str]] = {}
    for method, by_version in sorted(found.items()):
        having = [v for v in versions if v in by_version]
        signatures = {
            v: Signature(
                {p.name: (p.annotation, p.required) for p in entry[1]}, "json", "models." + entry[2]
            )
            for v, entry in by_version.items()
        }
        outcome = unify(signatures, versions, gql, universe, graphql=True)
        unified = None if outcome.why else outcome
        name, variables, result, doc = by_version[having[-1]]
        if unified:
            for version in unified.answered_as_newest:
                answered[(version, method)] = unified.answer_model
            for version, params in unified.refused.items():
                refused[(version, method)] = params
        for version, names in outcome.widened.items():
            widened[(version, method)] = names
        result_ops.append(
            NeutralGraphQLOp(
                method=method,
                name=name,
                kind="universal" if unified else "differing",
                versions=having,
                params=unified.params
                if unified
                else [
                    NeutralParam(p.name, _qualify(p.annotation, having[-1], gql, True), p.required)
                    for p in variables
                ],
                returns=unified.returns
                if unified
                else _qualify("models." + result, having[-1], gql, True),
                doc=doc,
                why=outcome.why,
            )
        )
    return result_ops, answered, refused, widened, universe.relaxed


def _neutral_params(params: Sequence[Param], version: str, ns: Namespace) -> list[NeutralParam]:
    return [
        NeutralParam(p.py_name, _qualify(p.annotation, version, ns), p.required) for p in params
    ]


def _stream_seam(apis: Sequence[ApiVersion], rest: Namespace) -> list[NeutralStream]:
    found: dict[str, dict[str, tuple[str, list[NeutralParam], str, str]]] = {}
    for api in apis:
        for stream in api.streams:
            params = _neutral_params(stream.path_params, api.version, rest)
            shape = repr((stream.path, [(p.name, p.annotation) for p in params]))
            summary = stream.summary or stream.operation_id
            found.setdefault(stream.function_name, {})[api.version] = (
                shape,
                params,
                summary,
                stream.operation_id,
            )
    streams = []
    versions = [api.version for api in apis]
    for function, by_version in sorted(found.items()):
        having = [v for v in versions if v in by_version]
        _, params, summary, operation_id = by_version[having[-1]]
        if len({by_version[v][0] for v in having}) != 1:
            raise ValueError(
                f"stream endpoint {operation_id}: its path or parameters differ between "
                f"versions {having}; give the changed one its own operationId"
            )
        streams.append(NeutralStream(function, operation_id, having, params, summary))
    return streams


def describe_versions(versions: Sequence[str], all_versions: Sequence[str]) -> str:
    """``v8.20240915 and newer``, ``up to v8.20240915``, or a list."""
    index = [all_versions.index(v) for v in versions]
    if index == list(range(index[0], len(all_versions))):
        return f"{versions[0]} and newer" if index[0] else "every version"
    if index == list(range(0, index[-1] + 1)):
        return f"up to {versions[-1]}"
    return ", ".join(versions)


def explain(seam: Seam) -> list[str]:
    """What codegen decided at the version seam, one line each (``python -m codegen --explain``):
    the operations left to the adapters and why, then what was absorbed."""
    lines = [f"versions: {', '.join(seam.versions)} (public types: {seam.latest})"]
    lines.append(
        f"operations the adapters implement ({len(seam.differing)} REST, "
        f"{len(seam.differing_graphql)} GraphQL):"
    )
    for op in seam.differing:
        lines.append(f"  {op.tag_attribute}.{op.method}: {op.why}")
    for gop in seam.differing_graphql:
        lines.append(f"  graphql.{gop.method}: {gop.why}")
    lines.append("absorbed by codegen:")
    lines.append(
        f"  older answers parsed as the newest model: {len(seam.answered)} REST, "
        f"{len(seam.graphql_answered)} GraphQL"
    )
    refused = sum(len(v) for v in seam.refused.values())
    lines.append(
        f"  keywords refused locally where a version lacks them: {refused} REST, "
        f"{sum(len(v) for v in seam.graphql_refused.values())} GraphQL"
    )
    lines.append(
        f"  newest fields made optional (an older answer lacks them): "
        f"{len(seam.relaxed)} REST, {len(seam.graphql_relaxed)} GraphQL"
    )
    for identity, wire, older in sorted(seam.respelled):
        lines.append(f"  {identity}.{wire} also read as {older!r}")
    for version, tags in sorted(seam.missing.items()):
        count = sum(len(ops) for ops in tags.values())
        if count:
            lines.append(f"  {version}: {count} operations it lacks raise BackendAPIVersionError")
    return lines
