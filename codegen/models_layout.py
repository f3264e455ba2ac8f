"""Split each version's rendered models into small modules, and define each model class once.

Two decisions are made here, for REST models and GraphQL result models alike:

* **One definition per model across versions.** A class whose definition (with its own name,
  docstrings, titles and descriptions left out) is the same in a newer version, and whose
  references are themselves the same classes, is not rendered again: the older version's
  ``models.X`` is the newer version's class. The newest version that has it owns it. A class
  that a newer version renamed without changing it (missing there under its old name, exactly
  one new class of that shape) is shared the same way. So an operation whose parameters and
  answer did not change between versions has literally the same signature in both, which is
  what the version-neutral surface (``codegen/seam.py``) is built on.
* **Modules by use.** Each owned class goes into the module named after the set of groups that
  use it, directly or through another class. A class only refers to classes whose set of users
  is the same or larger, so these modules import each other without cycles, and loading what
  one group needs loads nothing that only other groups use. GraphQL groups are operation files
  (:func:`module_for_groups`). REST groups are operations, and their modules are named by tag
  (:func:`module_for_operations`): ``folders__list_folders`` holds what only that operation
  uses, ``folders`` what several operations of the tag share, ``_shared_...`` what several tags
  share. So a call loads the few classes its operation needs, not every model of its tag.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "Definition",
    "ModelSource",
    "Namespace",
    "Placement",
    "module_for_groups",
    "module_for_operations",
    "parse_models",
    "plan_namespace",
]

_DESCRIPTIVE_KEYWORDS = frozenset({"title", "description", "examples"})


@dataclass
class Definition:
    """One top-level class or type alias of a rendered models module."""

    name: str
    source: str
    refs: list[str]  # names of other definitions of the same module it refers to, in order
    canonical: str  # the definition with its own name, docs and references blanked
    rebuild: bool = False  # refers to itself: ``model_rebuild()`` once its module is loaded


@dataclass
class ModelSource:
    """A version's rendered models module, taken apart."""

    imports: list[str]  # the module's import statements (sources), ``__future__`` excluded
    definitions: dict[str, Definition]  # in rendering order


@dataclass(frozen=True)
class Placement:
    """Where a version finds one of its model names."""

    version: str  # the owning version
    module: str  # module name under the owner's models package ("session", "_shared_...")
    attribute: str  # the class's name in the owner (differs when a newer version renamed it)


@dataclass
class Namespace:
    """The plan for one kind of models (REST or GraphQL) over every version."""

    # (version, name) -> where that version's ``models.<name>`` is defined
    placements: dict[tuple[str, str], Placement] = field(default_factory=dict)
    # (owner version, module) -> names defined there, in rendering order
    modules: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    sources: dict[str, ModelSource] = field(default_factory=dict)

    def owner(self, version: str, name: str) -> tuple[str, str]:
        """The (version, class name) that defines ``models.<name>`` of *version*."""
        placement = self.placements[(version, name)]
        return placement.version, placement.attribute

    def names(self, version: str) -> list[str]:
        return list(self.sources[version].definitions)


class _Blank(ast.NodeTransformer):
    """Remove what does not change a model's behaviour; mark references to other models."""

    def __init__(self, own: str, known: set[str]) -> None:
        self.own = own
        self.known = known

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = "_"
        node.body = [s for s in node.body if not _is_docstring(s)] or [ast.Pass()]
        self.generic_visit(node)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id == "Field":
            node.keywords = [k for k in node.keywords if k.arg not in _DESCRIPTIVE_KEYWORDS]
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.own:
            return ast.Name(id="__self__", ctx=node.ctx)
        if node.id in self.known:
            return ast.Name(id=f"__ref_{node.id}__", ctx=node.ctx)
        return node


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _defined_name(node: ast.stmt) -> str | None:
    if isinstance(node, ast.ClassDef):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


# A line with its ending, split where the parser splits (unlike str.splitlines, not at \f)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _source_segments(text: str) -> Callable[[ast.stmt], str]:
    """``ast.get_source_segment(text, node)``, but with the lines split once: before Python 3.12
    that function splits the whole module again on every call, which made taking a module of
    some 15,000 lines apart quadratic (minutes instead of a second)."""
    lines = _LINE.findall(text)

    def segment(node: ast.stmt) -> str:
        first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        start, end = node.col_offset, node.end_col_offset
        if first == last:
            return lines[first].encode()[start:end].decode()
        head = lines[first].encode()[start:].decode()
        tail = lines[last].encode()[:end].decode()
        return "".join([head, *lines[first + 1 : last], tail])

    return segment


def parse_models(text: str, origin: str) -> ModelSource:
    """Take a rendered models module apart (imports, then classes and aliases)."""
    tree = ast.parse(text)
    source_of = _source_segments(text)
    imports: list[str] = []
    nodes: list[tuple[str, ast.stmt]] = []
    rebuilt: set[str] = set()
    for node in tree.body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "model_rebuild"
            and isinstance(node.value.func.value, ast.Name)
        ):
            rebuilt.add(node.value.func.value.id)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if not (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
                imports.append(source_of(node))
            continue
        if _is_docstring(node):
            continue
        name = _defined_name(node)
        if name == "__all__":  # the modules made from it get their own
            continue
        if name is None:
            raise ValueError(f"{origin}: unexpected top-level statement at line {node.lineno}")
        nodes.append((name, node))
    known = {name for name, _ in nodes}
    definitions: dict[str, Definition] = {}
    for name, node in nodes:
        source = source_of(node)
        refs: list[str] = []
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in known and sub.id != name:
                if sub.id not in refs:
                    refs.append(sub.id)
        blanked = _Blank(name, known).visit(ast.parse(source).body[0])
        definitions[name] = Definition(
            name, source, refs, ast.unparse(blanked), rebuild=name in rebuilt
        )
    return ModelSource(imports, definitions)


def plan_namespace(
    sources: Mapping[str, ModelSource],
    usage: Mapping[str, Mapping[str, Iterable[str]]],
    module_name: Callable[[set[str]], str] | None = None,
) -> Namespace:
    """Decide owners and modules. *sources* and *usage* are keyed by version, oldest first;
    ``usage[version][group]`` lists the model names that group (an operation, an operation
    file) uses directly; *module_name* names the module of a set of groups (default:
    :func:`module_for_groups`)."""
    name_of = module_name or module_for_groups
    versions = list(sources)
    ns = Namespace(sources=dict(sources))
    owners = _owners(versions, sources)
    users: dict[tuple[str, str], set[str]] = {}
    for version in versions:
        for name, groups in _users_in(sources[version], usage.get(version, {})).items():
            users.setdefault(owners[(version, name)], set()).update(groups)
    module_of: dict[tuple[str, str], str] = {}
    for version in versions:
        for name in sources[version].definitions:
            key = (version, name)
            if owners[key] != key:
                continue
            module = name_of(users.get(key, set()))
            module_of[key] = module
            ns.modules.setdefault((version, module), []).append(name)
    for version in versions:
        for name in sources[version].definitions:
            owner = owners[(version, name)]
            ns.placements[(version, name)] = Placement(owner[0], module_of[owner], owner[1])
    return ns


def _users_in(source: ModelSource, usage: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """The groups that use each definition, directly or through the definitions that use it."""
    users: dict[str, set[str]] = {name: set() for name in source.definitions}
    for group, names in usage.items():
        for name in names:
            if name in users:
                users[name].add(group)
    changed = True
    while changed:  # propagate along references until nothing grows
        changed = False
        for name, definition in source.definitions.items():
            for ref in definition.refs:
                if not users[name] <= users[ref]:
                    users[ref] |= users[name]
                    changed = True
    return users


def module_for_groups(groups: set[str]) -> str:
    """The group's own module, or ``_shared_<a>__<b>`` (up to three), ``_shared_<n>_<hash>``."""
    if not groups:
        return "_unreferenced"
    if len(groups) == 1:
        return next(iter(groups))
    ordered = sorted(groups)
    if len(ordered) <= 3:
        return "_shared_" + "__".join(ordered)
    digest = hashlib.sha256("\n".join(ordered).encode()).hexdigest()[:10]
    return f"_shared_{len(ordered)}_{digest}"


def module_for_operations(operations: set[str]) -> str:
    """The module of what a set of ``tag.operation`` groups uses: ``<tag>__<operation>`` for
    one operation, ``<tag>`` for several of one tag, else the tags' shared module."""
    if not operations:
        return "_unreferenced"
    tags = {operation.partition(".")[0] for operation in operations}
    if len(tags) > 1:
        return module_for_groups(tags)
    (tag,) = tags
    if len(operations) > 1:
        return tag
    (operation,) = operations
    return f"{tag}__{operation.partition('.')[2]}"


def _owners(
    versions: list[str], sources: Mapping[str, ModelSource]
) -> dict[tuple[str, str], tuple[str, str]]:
    """(version, name) -> the (version, name) that defines it (itself, or a newer identical one).

    Each definition gets at most one link to an identical definition of a newer version; the
    end of the chain owns it. Links are only ever added, and two references compare equal only
    when their chains end in the same definition, so a pass never links what is not the same;
    passes repeat until one adds no link (a definition can match only once what it refers to
    has been linked).
    """
    link: dict[tuple[str, str], tuple[str, str]] = {}

    def root(key: tuple[str, str]) -> tuple[str, str]:
        while key in link:
            key = link[key]
        return key

    def canonical(version: str, name: str) -> str:
        definition = sources[version].definitions[name]
        text = definition.canonical
        for ref in definition.refs:
            owner = root((version, ref))
            text = text.replace(f"__ref_{ref}__", f"<{owner[0]}:{owner[1]}>")
        return text

    added = True
    while added:
        added = False
        cache: dict[tuple[str, str], str] = {}

        def canon(version: str, name: str) -> str:
            key = (version, name)
            if key not in cache:
                cache[key] = canonical(version, name)
            return cache[key]

        for index in range(len(versions) - 2, -1, -1):
            version = versions[index]
            newer = versions[index + 1 :]
            by_shape: dict[str, dict[str, list[str]]] = {}
            for name in sources[version].definitions:
                key = (version, name)
                if key in link:
                    continue
                found = _match(version, name, newer, sources, canon, by_shape)
                if found is not None:
                    link[key] = found
                    added = True
    return {key: root(key) for v in versions for key in ((v, n) for n in sources[v].definitions)}


def _match(
    version: str,
    name: str,
    newer: list[str],
    sources: Mapping[str, ModelSource],
    canon: Callable[[str, str], str],
    by_shape: dict[str, dict[str, list[str]]],
) -> tuple[str, str] | None:
    mine = canon(version, name)
    for other in reversed(newer):  # the newest identical definition owns it
        if name in sources[other].definitions and canon(other, name) == mine:
            return other, name
    for other in reversed(newer):
        if name in sources[other].definitions:
            continue
        # Renamed in *other*: exactly one class new there has this shape.
        shapes = by_shape.get(other)
        if shapes is None:
            shapes = {}
            for candidate in sources[other].definitions:
                if candidate not in sources[version].definitions:
                    shapes.setdefault(canon(other, candidate), []).append(candidate)
            by_shape[other] = shapes
        candidates = shapes.get(mine, [])
        if len(candidates) == 1:
            return other, candidates[0]
    return None
