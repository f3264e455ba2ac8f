"""The base class of every generated model, and how answers become models.

Models are typed pydantic objects, and they also answer the seed's dict-style access by wire key
(``result["runId"]``, ``result.get("console", [])``), so the 22.03 documentation's examples keep
working while new code uses attributes (``result.run_id``).

Answers are parsed leniently unless the configuration asks for strict parsing
(:func:`validate_response`): fields a newer server adds are kept (``extra="allow"``), and when an
answer does not fit its model the model is built anyway. Every field that fits is typed as
declared; a field that does not keeps the value the server sent (by attribute and by wire key),
a missing required field is ``None``. Nested models are built the same way, as deep as possible,
so one odd item does not cost the whole list. A :class:`ResponseValidationWarning` (and a
``WARNING`` of the ``ai_backend_client`` logger) names the model and the field paths, once per
model and field per process. Each model also keeps the JSON object it was built from:
:meth:`BaseModel.to_dict` returns the server's data unchanged.

A field named like a credential (``token``, ``secret_key``, ``password``, ...) is masked in the
repr (the storage proxy's JWT of a ``TransferSession``, for one); the value itself is untouched.
"""

# This module keeps the private answer state of its own BaseModel (``_wire``, ``_problems``,
# ``_strict``) and reads it in module functions too; the values it walks are untyped JSON.
# pyright: reportPrivateUsage=false, reportUnknownArgumentType=false
# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false

from __future__ import annotations

import copy
import logging
import threading
import types
import typing
import warnings
from collections.abc import Iterator, Mapping, MutableMapping, MutableSequence, Sequence
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Union, cast

import pydantic

from ._redact import MASK, SECRET_NAMES
from .exceptions import ResponseValidationWarning

__all__ = [
    "BaseModel",
    "StrictBaseModel",
    "response_problems",
    "validate_response",
    "wire_data",
]

log = logging.getLogger("ai_backend_client")

_MISSING: Any = object()

#: Whether the answer being validated right now is parsed strictly (``None``: not an answer).
_parsing_strict: ContextVar[bool | None] = ContextVar("_parsing_strict", default=None)

#: A problem: the path of wire keys / list indexes inside the answer, and what is wrong there.
Problem = tuple[tuple[str | int, ...], str]


class BaseModel(pydantic.BaseModel):
    model_config: ClassVar[pydantic.ConfigDict] = pydantic.ConfigDict(
        extra="allow",
        populate_by_name=True,
        arbitrary_types_allowed=True,
        protected_namespaces=(),
        # A model's validator is built at its first use: a command defines many it never
        # validates (the generated modules hold every model of a tag or operation file).
        defer_build=True,
    )

    # The JSON object this model was validated or built from (``None`` for models made in code).
    _wire: Any = pydantic.PrivateAttr(default=None)
    # Paths (``a.*.b``) of the fields below this model that kept a raw value or are missing.
    _problems: tuple[str, ...] = pydantic.PrivateAttr(default=())
    # How the answer this model came from was parsed (``None``: not parsed from an answer).
    _strict: bool | None = pydantic.PrivateAttr(default=None)

    @pydantic.model_validator(mode="wrap")
    @classmethod
    def _remember_wire(cls, data: Any, handler: pydantic.ValidatorFunctionWrapHandler) -> BaseModel:
        model = handler(data)
        strict = _parsing_strict.get()
        if strict is not None and isinstance(data, Mapping) and isinstance(model, BaseModel):
            model._wire = data  # only answers: models made in code have no server data
            model._strict = strict
        return model  # type: ignore[no-any-return]

    @classmethod
    def _key_map(cls) -> dict[str, str]:
        # wire key (alias) and python name -> python attribute name
        cached: dict[str, str] | None = cls.__dict__.get("_wire_keys_cache")
        if cached is not None:
            return cached
        mapping: dict[str, str] = {}
        for name, field in cls.model_fields.items():
            for key in (name, *_wire_keys(name, field)):
                mapping.setdefault(key, name)
        cls._wire_keys_cache = mapping  # type: ignore[attr-defined]
        return mapping

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name is not None and name.lower() in SECRET_NAMES and value:
                yield name, MASK
            else:
                yield name, value

    def _lookup(self, key: str) -> Any:
        name = self._key_map().get(key)
        if name is not None:
            return getattr(self, name)
        extra = self.__pydantic_extra__
        if extra is not None and key in extra:
            return extra[key]
        return _MISSING

    def __getitem__(self, key: str) -> Any:
        value = self._lookup(key)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        """Dict-style access by wire key or attribute name (``None`` values count as absent)."""
        value = self._lookup(key)
        return default if value is _MISSING or value is None else value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) not in (_MISSING, None)

    def keys(self) -> Iterator[str]:
        """Wire keys of the fields that are set."""
        data = self.model_dump(by_alias=True, exclude_unset=True, warnings=False)
        return iter(data.keys())

    def to_dict(self) -> dict[str, Any]:
        """The wire representation: the server's JSON object unchanged when this model was
        parsed from an answer, else the dump by wire key (JSON values, unset fields left out)."""
        if isinstance(self._wire, Mapping):
            return dict(copy.deepcopy(cast("Mapping[str, Any]", self._wire)))
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, warnings=False)

    if not TYPE_CHECKING:  # the runtime wrappers keep pydantic's signatures for type checkers

        def model_dump(self, **kwargs):
            # Fields that kept the server's raw value are dumped as they are, without a
            # serializer warning for each of them.
            if self._problems:
                kwargs.setdefault("warnings", False)
            return super().model_dump(**kwargs)

        def model_dump_json(self, **kwargs):
            if self._problems:
                kwargs.setdefault("warnings", False)
            return super().model_dump_json(**kwargs)


class StrictBaseModel(BaseModel):
    """For tests: unknown fields are errors, so spec drift shows up."""

    model_config: ClassVar[pydantic.ConfigDict] = pydantic.ConfigDict(extra="forbid")


def wire_data(value: Any, *, by_alias: bool = True) -> Any:
    """The JSON data *value* was parsed from: the server's own objects (shared, not copied) for
    models that came from an answer (also inside root models, lists and dicts).

    Models made in code are dumped as JSON instead: by wire key without unset fields, or with
    ``by_alias=False`` by attribute name with every field.
    """
    if isinstance(value, BaseModel) and value._wire is not None:
        return value._wire
    if isinstance(value, pydantic.RootModel):
        return wire_data(_root(value), by_alias=by_alias)
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(
            mode="json", by_alias=by_alias, exclude_unset=by_alias, warnings=False
        )
    if isinstance(value, Mapping):
        return {k: wire_data(v, by_alias=by_alias) for k, v in _items(value)}
    if isinstance(value, (list, tuple)):
        return [wire_data(v, by_alias=by_alias) for v in _elements(value)]
    return _adapter(Any).dump_python(value, mode="json", warnings=False)


def _root(value: pydantic.RootModel[Any]) -> Any:
    return value.root


def _items(value: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    return list(value.items())


def _elements(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return list(value)


def server_json(value: Any) -> Any:
    """JSON data for output: what the server sent for models that came from an answer (wire keys,
    raw values, also of the fields that did not fit), with JSON-encoded strings the model decodes
    (GraphQL ``JSONString``) decoded; models made in code by attribute name."""
    if isinstance(value, BaseModel) and isinstance(value._wire, Mapping):
        keys = value._key_map()
        wire = cast("Mapping[str, Any]", value._wire)
        return {
            key: _merge(getattr(value, keys[key]), raw) if key in keys else raw
            for key, raw in wire.items()
        }
    if isinstance(value, pydantic.RootModel):
        return server_json(_root(value))
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", warnings=False)
    if isinstance(value, Mapping):
        return {k: server_json(v) for k, v in _items(value)}
    if isinstance(value, (list, tuple)):
        return [server_json(v) for v in _elements(value)]
    return _adapter(Any).dump_python(value, mode="json", warnings=False)


def _merge(typed: Any, raw: Any) -> Any:
    if isinstance(typed, pydantic.BaseModel):
        return server_json(typed)
    if isinstance(raw, str) and isinstance(typed, (dict, list)):
        return server_json(typed)  # a JSON string the model decoded
    if isinstance(typed, list) and isinstance(raw, list):
        typed_items, raw_items = _elements(typed), _elements(raw)
        if len(typed_items) == len(raw_items):
            return [_merge(t, r) for t, r in zip(typed_items, raw_items, strict=True)]
    if isinstance(typed, dict) and isinstance(raw, dict):
        typed_map = dict(_items(typed))
        return {k: _merge(typed_map.get(k), r) for k, r in _items(raw)}
    return raw


def json_field(value: Any, key: str) -> Any:
    """Field *key* (attribute name or wire key) of *value* as :func:`server_json` gives it."""
    if isinstance(value, BaseModel):
        data = server_json(value)
        name = value._key_map().get(key)
        field = type(value).model_fields.get(name) if name is not None else None
        alias = field.alias if field is not None and field.alias else key
        if isinstance(data, Mapping):
            mapping = cast("Mapping[str, Any]", data)
            if alias in mapping or key in mapping:
                return mapping.get(alias, mapping.get(key))
        return server_json(value._lookup(key)) if value._lookup(key) is not _MISSING else None
    return None


_T = typing.TypeVar("_T")


def maybe(value: _T) -> _T | None:
    """*value* typed as possibly ``None``: a lenient read leaves a required field that the
    server left out as ``None``, whatever its declared type says."""
    return value


def received(value: object) -> object:
    """*value* as whatever the server sent (a lenient read keeps values that did not fit)."""
    return value


def keep_server_json(value: Any, raw: Any) -> None:
    """Make *value* (parsed from an adjusted copy of an answer) report *raw*, what the server
    really sent, as its server data; nested models get the matching parts of *raw*."""
    if isinstance(value, pydantic.RootModel):
        keep_server_json(_root(value), raw)
    elif isinstance(value, BaseModel):
        value._wire = raw
        if isinstance(raw, Mapping):
            keys = value._key_map()
            for key, part in _items(cast("Mapping[str, Any]", raw)):
                if key in keys:
                    keep_server_json(getattr(value, keys[key]), part)
    elif isinstance(value, (list, tuple)) and isinstance(raw, list):
        for item, part in zip(_elements(value), raw, strict=False):
            keep_server_json(item, part)


def response_problems(value: Any) -> tuple[str, ...]:
    """The field paths (``servicePorts.*.ports``) that did not fit when *value* was parsed
    leniently: they hold the server's raw value, or ``None`` when missing. Empty if it fit."""
    if isinstance(value, BaseModel):
        return value._problems
    if isinstance(value, pydantic.RootModel):
        return response_problems(_root(value))
    if isinstance(value, (list, tuple)):
        found: list[str] = []
        for i, item in enumerate(_elements(value)):
            found += [f"{i}.{p}" for p in response_problems(item)]
        return tuple(found)
    return ()


def parsed_strictly(value: Any) -> bool | None:
    """How the answer *value* came from was parsed (``None`` when that is not known)."""
    if isinstance(value, BaseModel):
        return value._strict
    if isinstance(value, pydantic.RootModel):
        private = value.__pydantic_private__
        mode = private.get(_ROOT_STRICT) if private else None
        return mode if isinstance(mode, bool) else parsed_strictly(_root(value))
    if isinstance(value, (list, tuple)):
        for item in _elements(value):
            mode = parsed_strictly(item)
            if mode is not None:
                return mode
    return None


# -- parsing answers -----------------------------------------------------------------------------
@lru_cache(maxsize=1024)
def _adapter(tp: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(tp)


def _validate(tp: Any, data: Any) -> Any:
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return tp.model_validate(data)
    return _adapter(tp).validate_python(data)


def validate_response(tp: Any, data: Any, *, strict: bool, what: str = "the answer") -> Any:
    """*data* (decoded JSON) as *tp*: a model class, a root model, or any type pydantic knows.

    Strict: a mismatch raises :class:`pydantic.ValidationError`. Lenient: the value is built as
    far as it fits (see the module docstring) and one warning names what did not.
    """
    token = _parsing_strict.set(strict)
    try:
        try:
            value = _validate(tp, data)
        except pydantic.ValidationError:
            if strict:
                raise
            problems: list[Problem] = []
            value = _lenient(tp, data, (), problems)
            value = _as_instance(tp, value, problems)
            _warn(_type_name(tp), problems, what)
        _set_parsed_strictly(value, strict)
        return value
    finally:
        _parsing_strict.reset(token)


def _set_parsed_strictly(value: Any, strict: bool) -> None:
    if isinstance(value, BaseModel):
        value._strict = strict
    elif isinstance(value, pydantic.RootModel) and value.__pydantic_private__ is None:
        # Root models (arrays, maps) are pydantic's own class, without our private attributes:
        # keep the mode where pydantic keeps private values (not serialized, not a field).
        object.__setattr__(value, "__pydantic_private__", {_ROOT_STRICT: strict})


_ROOT_STRICT = "_aibc_parsed_strictly"


def _as_instance(tp: Any, value: Any, problems: list[Problem]) -> Any:
    """A model class always gets an instance, even for a body of the wrong shape."""
    if not isinstance(tp, type) or not issubclass(tp, pydantic.BaseModel) or isinstance(value, tp):
        return value
    if issubclass(tp, pydantic.RootModel):
        return _rooted(tp, value)  # the problem is already noted
    model = _construct(tp, {}, (), [])  # every field missing: do not report each of them
    if isinstance(model, BaseModel):
        model._wire = value
    return model


def _rooted(tp: type[pydantic.RootModel[Any]], value: Any) -> pydantic.RootModel[Any]:
    return tp.model_construct(root=value)


def _type_name(tp: Any) -> str:
    return str(getattr(tp, "__name__", tp))


def _path_text(path: Sequence[str | int]) -> str:
    # List indexes become ``*``: one warning covers the field in every item.
    return ".".join("*" if isinstance(p, int) else str(p) for p in path) or "(body)"


_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def _warn(model: str, problems: Sequence[Problem], what: str) -> None:
    new: dict[str, str] = {}
    with _warned_lock:
        for path, msg in problems:
            key = (model, _path_text(path))
            if key not in _warned:
                _warned.add(key)
                new.setdefault(key[1], msg)
    if not new:
        return
    details = "; ".join(f"{path}: {msg}" for path, msg in new.items())
    message = (
        f"{what} does not match {model} ({details}); "
        "the server's values are kept as they are (strict_responses=True makes this an error)"
    )
    warnings.warn(message, ResponseValidationWarning, stacklevel=4)
    log.warning("%s", message, extra={"response_validation_warning": True})


def _reset_warnings() -> None:  # pyright: ignore[reportUnusedFunction]
    """Forget which problems were reported (for tests)."""
    with _warned_lock:
        _warned.clear()


def _first_error(error: pydantic.ValidationError) -> str:
    errors = error.errors(include_url=False)
    return errors[0]["msg"] if errors else str(error)


def _is_union(origin: Any) -> bool:
    return origin is Union or origin is types.UnionType


def _lenient(tp: Any, value: Any, path: tuple[str | int, ...], problems: list[Problem]) -> Any:
    """*value* as *tp* as far as it fits; what does not is kept raw and noted in *problems*."""
    try:
        return _validate(tp, value)
    except pydantic.ValidationError as e:
        error = e
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        inner = typing.get_args(tp)[0]
        if _is_container(inner):
            return _lenient(inner, value, path, problems)
    elif _is_union(origin):
        arms = [a for a in typing.get_args(tp) if a is not type(None)]
        arm = next((a for a in arms if _shape_fits(a, value)), None)
        if arm is not None:
            return _lenient(arm, value, path, problems)
    elif isinstance(tp, type) and issubclass(tp, pydantic.RootModel):
        root_model: type[pydantic.RootModel[Any]] = tp
        root = _field_type(root_model, "root")
        if _shape_fits(root, value):
            return _rooted(root_model, _lenient(root, value, path, problems))
    elif isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        if isinstance(value, Mapping):
            return _construct(tp, dict(_items(value)), path, problems)
    elif isinstance(value, list) and origin in _SEQUENCES:
        args = typing.get_args(tp)
        # tuple[X, ...] is a sequence of X; a fixed-size tuple is treated as one value
        if args and (origin is not tuple or args[1:] == (Ellipsis,)):
            return [
                _lenient(args[0], item, (*path, i), problems)
                for i, item in enumerate(_elements(value))
            ]
    elif isinstance(value, dict) and origin in _MAPPINGS:
        args = typing.get_args(tp)
        if len(args) == 2:
            return {k: _lenient(args[1], v, (*path, str(k)), problems) for k, v in _items(value)}
    problems.append((path, _first_error(error)))
    return value


_SEQUENCES: tuple[Any, ...] = (list, tuple, set, frozenset, Sequence, MutableSequence)
_MAPPINGS: tuple[Any, ...] = (dict, Mapping, MutableMapping)


def _is_container(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return (
        _is_union(origin)
        or origin in _SEQUENCES
        or origin in _MAPPINGS
        or (isinstance(tp, type) and issubclass(tp, pydantic.BaseModel))
    )


def _shape_fits(tp: Any, value: Any) -> bool:
    """Whether *value* has the JSON shape (object, array) that *tp* descends into."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _shape_fits(typing.get_args(tp)[0], value)
    if _is_union(origin):
        return any(_shape_fits(a, value) for a in typing.get_args(tp) if a is not type(None))
    if isinstance(tp, type) and issubclass(tp, pydantic.RootModel):
        return _shape_fits(_field_type(cast("type[pydantic.BaseModel]", tp), "root"), value)
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return isinstance(value, Mapping)
    if origin in _SEQUENCES:
        return isinstance(value, list)
    if origin in _MAPPINGS:
        return isinstance(value, dict)
    return False


def _field_type(cls: type[pydantic.BaseModel], name: str) -> Any:
    """The annotation of field *name* with its constraints and validators (``Annotated``)."""
    cache: dict[str, Any] | None = cls.__dict__.get("_lenient_field_types")
    if cache is None:
        cache = {}
        for fname, field in cls.model_fields.items():
            tp = field.annotation
            args = (tp, *field.metadata)  # Annotated[tp, *metadata] needs Python 3.11
            cache[fname] = typing.Annotated[args] if field.metadata else tp
        cls._lenient_field_types = cache  # type: ignore[attr-defined]
    return cache[name]


def _wire_keys(name: str, field: pydantic.fields.FieldInfo) -> tuple[str, ...]:
    """The keys a field is read from, in pydantic's order: ``validation_alias`` (each choice
    of an ``AliasChoices``, as an older version spells the key), else ``alias``, else *name*."""
    chosen = field.validation_alias
    if isinstance(chosen, str):
        return (chosen,)
    if isinstance(chosen, pydantic.AliasChoices):
        return tuple(c for c in chosen.choices if isinstance(c, str))
    return (field.alias,) if field.alias else (name,)


def _construct(
    cls: type[pydantic.BaseModel],
    data: Mapping[str, Any],
    path: tuple[str | int, ...],
    problems: list[Problem],
) -> pydantic.BaseModel:
    """An instance of *cls* from *data* without failing: each field is validated on its own."""
    start = len(problems)
    values: dict[str, Any] = {}
    fields_set: set[str] = set()
    used: set[str] = set()
    for name, field in cls.model_fields.items():
        # Read the key as pydantic does: the aliases first, then (populate_by_name) the name.
        key = next((k for k in (*_wire_keys(name, field), name) if k in data), None)
        if key is not None:
            used.add(key)
            fields_set.add(name)
            values[name] = _lenient(_field_type(cls, name), data[key], (*path, key), problems)
        elif field.is_required():
            values[name] = None
            problems.append(((*path, field.alias or name), "Field required"))
        else:
            values[name] = field.get_default(call_default_factory=True)
    instance = cls.model_construct(_fields_set=fields_set)
    for name, value in values.items():
        object.__setattr__(instance, name, value)  # as pydantic stores fields, unvalidated
    extras = {k: v for k, v in data.items() if k not in used}
    if cls.model_config.get("extra") == "allow":
        object.__setattr__(instance, "__pydantic_extra__", extras)
    elif extras and cls.model_config.get("extra") == "forbid":
        problems.extend(((*path, k), "Extra inputs are not permitted") for k in extras)
    if isinstance(instance, BaseModel):
        instance._wire = data
        instance._strict = False
        instance._problems = tuple(_path_text(p[len(path) :]) for p, _ in problems[start:])
    return instance
