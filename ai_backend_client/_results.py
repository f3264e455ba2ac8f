"""Hand-written result types of the function classes (re-exported by ``ai_backend_client.types``).

They live outside ``func/_async`` so that the async and the derived blocking function classes
return the very same classes.
"""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass
from typing import Any, cast

import pydantic

from ._models import BaseModel

__all__ = ["ConsoleItem", "DownloadResult", "ExecutionResult"]


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
