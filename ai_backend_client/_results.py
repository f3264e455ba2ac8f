"""Hand-written result types of the function classes (re-exported by ``ai_backend_client.types``).

They live outside ``func/_async`` so that the async and the derived blocking function classes
return the very same classes.
"""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

import pydantic

from ._models import BaseModel

__all__ = ["BgtaskEvent", "ConsoleItem", "DownloadResult", "ExecutionResult", "SessionEvent"]


class DownloadResult(BaseModel):
    """What ``ComputeSession.download`` wrote (paths relative to the destination)."""

    file_names: list[str]


@dataclass(frozen=True)
class ConsoleItem:
    """One console record: ``kind`` is stdout/stderr/media/html/log/completion/goto.

    For ``media`` records ``mime`` is the media type and ``data`` the payload (data URI, SVG,
    JSON drawing); for the others ``mime`` is ``None`` and ``data`` is the text.
    """

    kind: str
    data: str
    mime: str | None = None


class ExecutionResult(BaseModel):
    """One step of an execution: the answer of ``execute()`` and each frame of
    ``stream_execute()`` alike.

    ``records`` are the console records, typed; ``stdout``/``stderr`` join their text. Dict access
    by wire key works too (``result["console"]``, ``result["runId"]``), as in the seed's examples,
    and so do ``.type``/``.data`` of the aiohttp text message the 22.03 streaming examples read.
    """

    status: str
    run_id: str | None = pydantic.Field(default=None, alias="runId")
    console: list[list[Any]] = pydantic.Field(default_factory=lambda: [])
    exit_code: int | None = pydantic.Field(default=None, alias="exitCode")
    options: dict[str, Any] | None = None
    files: list[Any] | None = None
    msg: str | None = None

    @property
    def records(self) -> list[ConsoleItem]:
        """The console records, typed."""
        items: list[ConsoleItem] = []
        for rec in self.console:
            if not rec:
                continue
            kind = str(rec[0])
            payload: Any = rec[1] if len(rec) > 1 else ""
            media = cast("list[object]", payload) if isinstance(payload, list) else None
            if kind == "media" and media is not None and len(media) >= 2:
                items.append(ConsoleItem(kind, _as_text(media[1]), str(media[0])))
            else:
                items.append(ConsoleItem(kind, _as_text(rec[1]) if len(rec) > 1 else ""))
        return items

    @property
    def stdout(self) -> str:
        return "".join(r.data for r in self.records if r.kind == "stdout")

    @property
    def stderr(self) -> str:
        return "".join(r.data for r in self.records if r.kind == "stderr")

    @property
    def is_finished(self) -> bool:
        return self.status == "finished"

    @property
    def is_waiting_input(self) -> bool:
        return self.status == "waiting-input"

    @property
    def is_password_prompt(self) -> bool:
        """On ``waiting-input``: whether the input should be hidden."""
        return bool((self.options or {}).get("is_password", False))

    @property
    def type(self) -> int:
        """``WSMsgType.TEXT`` (1): the frame read as the aiohttp message of the 22.03 examples,
        so ``result.type == aiohttp.WSMsgType.TEXT`` holds (an int, so the comparison
        type-checks too)."""
        return 1

    @property
    def data(self) -> str:
        """The frame as JSON text (``json.loads(result.data)``, as the 22.03 examples do)."""
        return jsonlib.dumps(self.model_dump(mode="json", by_alias=True, exclude_unset=True))


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    return jsonlib.dumps(value, ensure_ascii=False)


# -- event-stream items (streams/_events.py reads them from the SSE streams) ----------------
class SessionEvent(BaseModel):
    """A session/kernel lifecycle event; ``event`` is its name (``session_started``, ...)."""

    event: str = ""
    session_id: str | None = pydantic.Field(default=None, alias="sessionId")
    session_name: str | None = pydantic.Field(default=None, alias="sessionName")
    owner_access_key: str | None = pydantic.Field(default=None, alias="ownerAccessKey")
    reason: str | None = None
    exit_code: int | None = pydantic.Field(default=None, alias="exitCode")
    kernel_id: str | None = pydantic.Field(default=None, alias="kernelId")
    cluster_role: str | None = pydantic.Field(default=None, alias="clusterRole")
    cluster_idx: int | None = pydantic.Field(default=None, alias="clusterIdx")

    _sse_data: str = pydantic.PrivateAttr(default="")

    @pydantic.model_validator(mode="after")
    def _keep_sse_data(self, info: pydantic.ValidationInfo) -> SessionEvent:
        context: Any = info.context
        text = (
            cast("dict[str, Any]", context).get("sse_data") if isinstance(context, dict) else None
        )
        if isinstance(text, str):
            self._sse_data = text
        return self

    @property
    def data(self) -> str:
        """The event's payload as the server sent it: the raw JSON text, so the seed's
        ``print(ev.event, ev.data)`` prints what the 22.03 client printed."""
        return self._sse_data

    @property
    def is_terminal(self) -> bool:
        """Whether the session (not just a kernel) has ended."""
        return self.event in (
            "session_terminated",
            "session_cancelled",
            "session_failure",
            "session_success",
        )


_BGTASK_OUTCOMES: Final = {
    "bgtask_done": "done",
    "bgtask_failed": "failed",
    "bgtask_cancelled": "cancelled",
    "task_done": "done",  # the names used for a task that had already finished
    "task_failed": "failed",
    "task_cancelled": "cancelled",
}


def _lenient_number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


class BgtaskEvent(BaseModel):
    """A background-task event: live ``bgtask_updated`` or a final ``bgtask_*``/``task_*`` one."""

    event: str = ""
    task_id: str | None = None
    message: str | None = None
    status: str | None = None
    current_progress: float | None = None
    total_progress: float | None = None

    @pydantic.field_validator("current_progress", "total_progress", mode="before")
    @classmethod
    def _progress(cls, value: object) -> float | None:
        # Finished tasks report the numbers as strings read back from Redis.
        return _lenient_number(value)

    @property
    def outcome(self) -> Literal["done", "failed", "cancelled"] | None:
        """How the task ended, or ``None`` for a progress update."""
        return cast(
            'Literal["done", "failed", "cancelled"] | None', _BGTASK_OUTCOMES.get(self.event)
        )

    @property
    def is_finished(self) -> bool:
        return self.outcome is not None
