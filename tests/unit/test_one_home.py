"""One home per value type and exception: every public class is one class object, wherever it is
imported from, and nothing but function classes is defined in the async/blocking ``func`` trees
(which would give each flavour its own copy)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import ai_backend_client
import ai_backend_client.exceptions
import ai_backend_client.func._async
import ai_backend_client.func._sync
import ai_backend_client.streams
import ai_backend_client.types
from ai_backend_client.func import FUNCTION_CLASSES
from ai_backend_client.func._async.base import AsyncFunction
from ai_backend_client.func._sync.base import SyncFunction


def _modules(package: ModuleType) -> list[ModuleType]:
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


FUNC_MODULES = _modules(ai_backend_client.func._async) + _modules(ai_backend_client.func._sync)
PUBLIC_MODULES = [
    ai_backend_client,
    ai_backend_client.types,
    ai_backend_client.exceptions,
    ai_backend_client.streams,
    *FUNC_MODULES,
]


def _public_classes(module: ModuleType) -> dict[str, type]:
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    found: dict[str, type] = {}
    for name in names:
        value = getattr(module, name)
        if inspect.isclass(value):
            found[name] = value
    return found


# Classes that do I/O themselves, so each flavour has its own by design (like function classes).
IO_CLASSES = frozenset({"Transfer"})  # func/_async/_transfer.py: the chunked transfer engine


def _is_function_class(cls: type) -> bool:
    return issubclass(cls, (AsyncFunction, SyncFunction)) or cls.__name__ in IO_CLASSES


def test_every_public_class_name_is_one_class() -> None:
    homes: dict[str, dict[int, list[str]]] = {}
    for module in PUBLIC_MODULES:
        for name, cls in _public_classes(module).items():
            if _is_function_class(cls):
                continue  # the async and blocking flavours of a function class are two by design
            homes.setdefault(name, {}).setdefault(id(cls), []).append(module.__name__)
    twice = {name: places for name, places in homes.items() if len(places) > 1}
    assert not twice, twice
    # the names the issue found doubled, and the result both execute() and the streams return
    for name in (
        "DownloadResult",
        "UnknownImageError",
        "BackgroundTaskProgress",
        "ExecutionResult",
    ):
        assert name in homes, name


def test_func_trees_define_only_function_classes() -> None:
    strays = [
        f"{module.__name__}.{name}"
        for module in FUNC_MODULES
        for name, cls in vars(module).items()
        if inspect.isclass(cls)
        and cls.__module__ == module.__name__
        and not name.startswith("_")
        and not _is_function_class(cls)
        and name not in ("AsyncFunction", "SyncFunction")
    ]
    assert not strays, strays


def test_value_types_and_errors_have_their_public_home() -> None:
    types, exceptions = ai_backend_client.types, ai_backend_client.exceptions
    assert types.ExecutionResult is types.StreamExecutionResult
    assert types.ExecutionResult is ai_backend_client.streams.ExecutionResult
    for name in (
        "UnknownImageError",
        "LocalArgumentError",
        "UnsafeArchiveError",
        "WebSocketClosedError",
        "ExecutionStreamError",
    ):
        assert name in exceptions.__all__ and issubclass(
            getattr(exceptions, name), exceptions.BackendError
        )
    assert issubclass(exceptions.GraphQLValidationError, exceptions.GraphQLError)
    for attribute in FUNCTION_CLASSES:
        assert attribute in {n for m in FUNC_MODULES for n in _public_classes(m)}
