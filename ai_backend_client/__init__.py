"""ai-backend-client: a typed SDK for Backend.AI compute clusters.

Quick start::

    from ai_backend_client import Session

    with Session() as session:
        kern = session.ComputeSession.get_or_create("python")
        print(kern.execute(None, 'print("hello")', mode="query")["console"])
        kern.destroy()

Names are imported lazily so that ``import ai_backend_client`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"


class _DeferHttpxCli:
    """Keeps ``import httpx`` from importing httpx's own command-line client.

    httpx imports ``httpx._main`` (rich, pygments, click: about 70 ms, a third of importing httpx)
    whenever those are installed, as they are beside this package, and nothing here uses it. This
    import hook answers that one import with a stand-in, which loads the real module the moment
    anything of it is asked for (``httpx.main()`` included): only the time changes.
    """

    NAME = "httpx._main"

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != self.NAME:
            return None
        import importlib.machinery

        self.uninstall()
        return importlib.machinery.ModuleSpec(name, self)  # type: ignore[arg-type]

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        import sys

        def real() -> Any:
            if sys.modules.get(self.NAME) is module:
                del sys.modules[self.NAME]
            return importlib.import_module(self.NAME)

        def main(*args: Any, **kwargs: Any) -> Any:
            return real().main(*args, **kwargs)

        def getattr_(name: str) -> Any:
            if name.startswith("__"):  # inspection (inspect.getmodule, reprs) keeps the stand-in
                raise AttributeError(name)
            return getattr(real(), name)

        module.main = main
        module.__getattr__ = getattr_

    def install(self) -> None:
        import sys

        if "httpx" not in sys.modules:
            sys.meta_path.insert(0, self)

    def uninstall(self) -> None:
        import sys

        if self in sys.meta_path:
            sys.meta_path.remove(self)


_DeferHttpxCli().install()

if TYPE_CHECKING:
    from ._types import NOT_GIVEN, NotGiven, undefined
    from .config import APIConfig, get_config, get_env, set_config
    from .exceptions import (
        APIVersionWarning,
        BackendAPIError,
        BackendAPIVersionError,
        BackendClientError,
        BackendError,
    )
    from .request import AttachedFile, Request
    from .session import AsyncSession, Session

_LAZY: dict[str, str] = {
    "Session": ".session",
    "AsyncSession": ".session",
    "APIConfig": ".config",
    "get_config": ".config",
    "set_config": ".config",
    "get_env": ".config",
    "BackendError": ".exceptions",
    "BackendAPIError": ".exceptions",
    "BackendClientError": ".exceptions",
    "BackendAPIVersionError": ".exceptions",
    "APIVersionWarning": ".exceptions",
    "Request": ".request",
    "AttachedFile": ".request",
    "NOT_GIVEN": "._types",
    "NotGiven": "._types",
    "undefined": "._types",
}

__all__ = [
    "NOT_GIVEN",
    "APIConfig",
    "APIVersionWarning",
    "AsyncSession",
    "AttachedFile",
    "BackendAPIError",
    "BackendAPIVersionError",
    "BackendClientError",
    "BackendError",
    "NotGiven",
    "Request",
    "Session",
    "__version__",
    "get_config",
    "get_env",
    "set_config",
    "undefined",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ai_backend_client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
