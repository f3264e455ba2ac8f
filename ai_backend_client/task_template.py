"""The session template document (the manager's ``task_template_v1``), in pydantic.

Both key spellings the format allows are accepted (``api_version``/``apiVersion``,
``type``/``session_type``/``sessionType``, ``startup``/``startup_command``/``startupCommand``,
``destination_dir``/``destinationDir``, ``agent_list``/``agentList``); documents are written back
with one canonical spelling. Unknown keys are errors here (a typo would otherwise be silently
ignored by the server), and every error names the path of the field::

    >>> parse_template_document({"api_version": "v1", "kind": "taskTemplate",
    ...     "metadata": {"name": "t"}, "spec": {"kernel": {"imag": "python"}}})
    Traceback (most recent call last):
    InvalidTemplateError: invalid session template: spec.kernel.image: Field required; ...

A payload for the manager is ``{"session_templates": [{"template": ..., "name"?, "group_id"?,
"user_uuid"?}]}``; :func:`parse_template_document` accepts that envelope or a bare template (as
the 22.03 docs show) and always returns the envelope.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import pydantic
from pydantic import AliasChoices, Field

from .exceptions import BackendClientError

__all__ = [
    "GitCredential",
    "GitSource",
    "InvalidTemplateError",
    "KernelRun",
    "KernelSpec",
    "SessionTemplateDocument",
    "SessionTemplateEntry",
    "TaskTemplate",
    "TemplateMetadata",
    "TemplateSpec",
    "dump_template_payload",
    "load_template_text",
    "parse_template_document",
]


class InvalidTemplateError(BackendClientError, ValueError):
    """The session template document is malformed; nothing was sent."""


class _Strict(pydantic.BaseModel):
    model_config: ClassVar[pydantic.ConfigDict] = pydantic.ConfigDict(
        extra="forbid",
        populate_by_name=True,
        # Built when a template is checked: listing templates imports this module too, and
        # building these validators up front was 13 ms of `backend.ai session-template list`.
        defer_build=True,
    )


class GitCredential(_Strict):
    username: str
    password: str = Field(repr=False)


class GitSource(_Strict):
    """A repository cloned when the session starts."""

    repository: str
    commit: str | None = None
    branch: str | None = None
    credential: GitCredential | None = None
    destination_dir: str | None = Field(
        default=None,
        validation_alias=AliasChoices("destination_dir", "destinationDir"),
        serialization_alias="destination_dir",
    )


class KernelRun(_Strict):
    bootstrap: str | None = None
    startup_command: str | None = Field(
        default=None,
        validation_alias=AliasChoices("startup_command", "startupCommand", "startup"),
        serialization_alias="startup_command",
    )


class KernelSpec(_Strict):
    image: str
    architecture: str | None = None
    environ: dict[str, str] | None = None
    run: KernelRun | None = None
    git: GitSource | None = None


class TemplateSpec(_Strict):
    type: Literal["interactive", "batch"] = Field(
        default="interactive",
        validation_alias=AliasChoices("type", "session_type", "sessionType"),
        serialization_alias="session_type",
    )
    kernel: KernelSpec
    scaling_group: str | None = None
    # vfolder name -> mount path; a null path mounts at the default place
    mounts: dict[str, str | None] | None = None
    resources: dict[str, str | int | float] | None = None
    agent_list: list[str] | None = Field(
        default=None,
        validation_alias=AliasChoices("agent_list", "agentList"),
        serialization_alias="agent_list",
    )


class TemplateMetadata(_Strict):
    name: str
    tag: str | None = None


class TaskTemplate(_Strict):
    """One ``taskTemplate`` document."""

    api_version: str = Field(
        validation_alias=AliasChoices("api_version", "apiVersion"),
        serialization_alias="api_version",
    )
    kind: Literal["taskTemplate", "task_template"]
    metadata: TemplateMetadata
    spec: TemplateSpec


class SessionTemplateEntry(_Strict):
    template: TaskTemplate
    name: str | None = None
    group_id: str | None = None
    user_uuid: str | None = None


class SessionTemplateDocument(_Strict):
    """What the manager expects in ``payload``."""

    session_templates: list[SessionTemplateEntry] = Field(min_length=1)


def _format_errors(error: pydantic.ValidationError, prefix: tuple[str | int, ...] = ()) -> str:
    messages: list[str] = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(p) for p in (*prefix, *item["loc"])) or "(document)"
        msg = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        messages.append(f"{loc}: {msg}")
    return "invalid session template: " + "; ".join(messages)


def load_template_text(text: str) -> Any:
    """Parse template text as JSON, else YAML (as the manager does)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        import yaml  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - PyYAML ships with the CLI extras
        raise InvalidTemplateError(
            "the template is not JSON, and reading YAML needs PyYAML (pip install pyyaml)"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise InvalidTemplateError(f"the template is neither JSON nor valid YAML: {e}") from None


def parse_template_document(
    template: str | bytes | Mapping[str, Any] | TaskTemplate | SessionTemplateDocument,
) -> SessionTemplateDocument:
    """Validate a template (text, mapping or model; bare or enveloped) into the manager's envelope."""
    if isinstance(template, SessionTemplateDocument):
        return template
    if isinstance(template, TaskTemplate):
        return SessionTemplateDocument(session_templates=[SessionTemplateEntry(template=template)])
    data: Any = template
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    if isinstance(data, str):
        data = load_template_text(data)
    if not isinstance(data, Mapping):
        raise InvalidTemplateError(
            f"invalid session template: expected a mapping at the top level, got {type(data).__name__}"
        )
    if "session_templates" in data:
        try:
            return SessionTemplateDocument.model_validate(data)
        except pydantic.ValidationError as e:
            raise InvalidTemplateError(_format_errors(e)) from None
    try:
        task = TaskTemplate.model_validate(data)
    except pydantic.ValidationError as e:
        raise InvalidTemplateError(_format_errors(e)) from None
    return SessionTemplateDocument(session_templates=[SessionTemplateEntry(template=task)])


def dump_template_payload(document: SessionTemplateDocument, *, envelope: bool = True) -> str:
    """The ``payload`` text sent to the manager (JSON, canonical key spellings).

    The 22.03 manager reads ``{"session_templates": [...]}``; 24.09 iterates the payload itself,
    so it wants the bare list (``envelope=False``).
    """
    data = document.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(data if envelope else data["session_templates"])
