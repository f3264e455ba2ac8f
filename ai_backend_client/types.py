"""Public types for annotating your own code: models, list items, stream frames, function classes.

The models are those of the newest API version this client speaks; answers of older servers are
converted to them, so one set of types serves every server::

    from ai_backend_client.types import SessionInfo, ExecutionResult, PaginatedResult, AgentItem

(``ExecutionResult`` is the answer of ``execute``; frames of ``stream_execute`` are
``StreamExecutionResult``.)

Importing this module loads pydantic and the generated models (``import ai_backend_client``
alone does not).
"""

from __future__ import annotations

from ._generated.v8_20240915.models import *  # noqa: F403 - the public model set
from ._graphql import PaginatedResult
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
    ConsoleItem,
    SessionEvent,
    SSEEvent,
    WSMessage,
    WSMsgType,
)
from .streams import ExecutionResult as StreamExecutionResult
from .task_template import SessionTemplateDocument, TaskTemplate

__all__ = [
    "AgentItem",
    "AsyncComputeSession",
    "AsyncSessionTemplate",
    "AsyncVFolder",
    "BgtaskEvent",
    "ComputeSession",
    "ConsoleItem",
    "DomainItem",
    "GroupItem",
    "ImageItem",
    "KeyPairItem",
    "KeyPairListItem",
    "PaginatedResult",
    "PolicyItem",
    "SSEEvent",
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
