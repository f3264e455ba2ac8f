"""Public types for annotating your own code: models, list items, stream frames, function classes.

The models are those of the newest API version this client speaks (``_generated.latest``);
answers of older servers are parsed into them, so one set of types serves every server::

    from ai_backend_client.types import SessionInfo, ExecutionResult, PaginatedResult, AgentItem

``ExecutionResult`` is both the answer of ``execute`` and each frame of ``stream_execute``
(``StreamExecutionResult`` is the same class, under its former name).

Every name loads on first use, so importing this module costs next to nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # The one hand-written ExecutionResult stands for the generated wire model of that name:
    # mypy keeps the first binding of a name (the ignore is for the star import's second one),
    # pyright the last, so it is bound before and after the model set.
    from ._results import ExecutionResult  # isort: skip
    from ._generated.latest.models import *  # type: ignore[assignment]  # noqa: F403  # isort: skip
    from ._results import ExecutionResult  # isort: skip  # noqa: F811
    from ._graphql import PaginatedResult
    from ._results import ConsoleItem, DownloadResult
    from ._results import ExecutionResult as StreamExecutionResult
    from ._serving import NO_LIMIT, AutoScalingRuleChanges, ModelInfo, NoLimit, ServiceOptions
    from .func._async._session_queries import SessionItem
    from .func._async.agent import AgentItem
    from .func._async.compute_session import ComputeSession as AsyncComputeSession
    from .func._async.domain import DomainItem
    from .func._async.group import GroupItem
    from .func._async.image import ImageItem
    from .func._async.keypair import KeyPairItem, KeyPairListItem
    from .func._async.keypair_resource_policy import PolicyItem
    from .func._async.session_template import SessionTemplate as AsyncSessionTemplate
    from .func._async.storage import StorageItem
    from .func._async.user import UserItem
    from .func._async.vfolder import VFolder as AsyncVFolder
    from .func._sync.compute_session import ComputeSession
    from .func._sync.session_template import SessionTemplate
    from .func._sync.vfolder import VFolder
    from .streams import (
        BgtaskEvent,
        SessionEvent,
        SSEEvent,
        WSMessage,
        WSMsgType,
    )
    from .task_template import SessionTemplateDocument, TaskTemplate

# name -> (module, attribute) of the hand-written types; every other name is a latest model
_HAND_WRITTEN: dict[str, tuple[str, str]] = {
    "AgentItem": (".func._async.agent", "AgentItem"),
    "AsyncComputeSession": (".func._async.compute_session", "ComputeSession"),
    "AsyncSessionTemplate": (".func._async.session_template", "SessionTemplate"),
    "AsyncVFolder": (".func._async.vfolder", "VFolder"),
    "AutoScalingRuleChanges": ("._serving", "AutoScalingRuleChanges"),
    "BgtaskEvent": ("._results", "BgtaskEvent"),
    "ComputeSession": (".func._sync.compute_session", "ComputeSession"),
    "ConsoleItem": ("._results", "ConsoleItem"),
    "DownloadResult": ("._results", "DownloadResult"),
    "DomainItem": (".func._async.domain", "DomainItem"),
    "GroupItem": (".func._async.group", "GroupItem"),
    "ImageItem": (".func._async.image", "ImageItem"),
    "KeyPairItem": (".func._async.keypair", "KeyPairItem"),
    "KeyPairListItem": (".func._async.keypair", "KeyPairListItem"),
    "ModelInfo": ("._serving", "ModelInfo"),
    "NO_LIMIT": ("._serving", "NO_LIMIT"),
    "NoLimit": ("._serving", "NoLimit"),
    "PaginatedResult": ("._graphql", "PaginatedResult"),
    "PolicyItem": (".func._async.keypair_resource_policy", "PolicyItem"),
    "SSEEvent": (".streams", "SSEEvent"),
    "SessionEvent": ("._results", "SessionEvent"),
    "SessionItem": (".func._async._session_queries", "SessionItem"),
    "SessionTemplate": (".func._sync.session_template", "SessionTemplate"),
    "ServiceOptions": ("._serving", "ServiceOptions"),
    "SessionTemplateDocument": (".task_template", "SessionTemplateDocument"),
    "StorageItem": (".func._async.storage", "StorageItem"),
    "ExecutionResult": ("._results", "ExecutionResult"),
    "StreamExecutionResult": ("._results", "ExecutionResult"),
    "TaskTemplate": (".task_template", "TaskTemplate"),
    "UserItem": (".func._async.user", "UserItem"),
    "VFolder": (".func._sync.vfolder", "VFolder"),
    "WSMessage": (".streams", "WSMessage"),
    "WSMsgType": (".streams", "WSMsgType"),
}

__all__ = [
    "NO_LIMIT",
    "AgentItem",
    "AsyncComputeSession",
    "AsyncSessionTemplate",
    "AsyncVFolder",
    "AutoScalingRuleChanges",
    "BgtaskEvent",
    "ComputeSession",
    "ConsoleItem",
    "DomainItem",
    "DownloadResult",
    "ExecutionResult",
    "GroupItem",
    "ImageItem",
    "KeyPairItem",
    "KeyPairListItem",
    "ModelInfo",
    "NoLimit",
    "PaginatedResult",
    "PolicyItem",
    "SSEEvent",
    "ServiceOptions",
    "SessionEvent",
    "SessionItem",
    "SessionTemplate",
    "SessionTemplateDocument",
    "StorageItem",
    "StreamExecutionResult",
    "TaskTemplate",
    "UserItem",
    "VFolder",
    "WSMessage",
    "WSMsgType",
]


def __getattr__(name: str) -> Any:
    where = _HAND_WRITTEN.get(name)
    if where is not None:
        value = getattr(importlib.import_module(where[0], __package__), where[1])
    else:
        from ._generated.latest import models

        value = getattr(models, name)  # AttributeError for an unknown name
    globals()[name] = value
    return value
