"""``SessionTemplate``: CRUD of session templates (``/template/session``).

Templates are checked locally first (:mod:`ai_backend_client.task_template`): a malformed one
raises :class:`~ai_backend_client.task_template.InvalidTemplateError` naming the field, and
nothing is sent. A bare ``taskTemplate`` (as the 22.03 docs show it) is wrapped into the
``session_templates`` envelope the manager actually expects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from ..._generated.latest import models
from ..._types import NOT_GIVEN
from ...task_template import (
    SessionTemplateDocument,
    TaskTemplate,
    parse_template_document,
)
from .._checks import LocalArgumentError
from . import _adapters
from .base import AsyncFunction, coerce_model

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["SessionTemplate", "TemplateInput"]

TemplateInput = str | bytes | Mapping[str, Any] | TaskTemplate | SessionTemplateDocument


class SessionTemplate(AsyncFunction):
    """A stored session template (the seed's ``SessionTemplate(template_id, owner_access_key=None)``)."""

    template_id: str
    owner_access_key: str | None

    def __init__(self, template_id: str, owner_access_key: str | None = None) -> None:
        self.template_id = template_id
        self.owner_access_key = owner_access_key

    def __repr__(self) -> str:
        return f"<SessionTemplate {self.template_id}>"

    def _owner_kw(self) -> dict[str, Any]:
        return {"owner_access_key": self.owner_access_key} if self.owner_access_key else {}

    @classmethod
    async def create(
        cls,
        template: TemplateInput,
        domain_name: str | None = None,
        group_name: str | None = None,
        owner_access_key: str | None = None,
    ) -> Self:
        """Store *template* (YAML/JSON text, a mapping or a model); returns the (last) template."""
        session = cls._session()
        payload = _adapters.template_payload(session, parse_template_document(template))
        resp = await session.wire.template_session.create(
            payload=payload,
            domain=domain_name or session.config.domain,
            group=group_name or session.config.group,
            owner_access_key=owner_access_key or NOT_GIVEN,
        )
        # 22.03 answers the last template created, 24.09 all of them
        created = resp.root if isinstance(resp.root, list) else [resp.root]
        if not created or not created[-1].id:
            from ...exceptions import BackendClientError

            raise BackendClientError("the server did not return the ID of the new template")
        return cls(created[-1].id, owner_access_key=owner_access_key)

    @classmethod
    async def list_templates(cls, list_all: bool = False) -> list[models.TemplateListItem]:
        """Templates visible to you (``list_all``: every template, for admins)."""
        resp = await cls._session().wire.template_session.list_template(all=list_all)
        return coerce_model(models.SessionTemplateList, resp).root

    async def get_info(self) -> models.SessionTemplateDetail:
        """The stored template as a typed model (``template``, ``name``, ``user_uuid``, ...)."""
        resp = await self._session().wire.template_session.get(
            template_id=self.template_id, format="json", **self._owner_kw()
        )
        return coerce_model(models.SessionTemplateDetail, resp)

    async def get(self, body_format: Literal["yaml", "json"] = "yaml") -> str:
        """The template document as YAML or JSON text (as the seed returns it)."""
        if body_format not in ("yaml", "json"):
            raise LocalArgumentError(f"body_format must be 'yaml' or 'json', not {body_format!r}")
        detail = await self.get_info()
        document = detail.template or {}
        if body_format == "json":
            return json.dumps(document, indent=2, ensure_ascii=False)
        import yaml  # type: ignore[import-untyped,unused-ignore]

        return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))

    async def put(self, template: TemplateInput) -> models.SuccessResponse:
        """Replace the stored template (checked locally first)."""
        payload = _adapters.template_payload(self._session(), parse_template_document(template))
        resp = await self._session().wire.template_session.put(
            template_id=self.template_id,
            payload=payload,
            owner_access_key=self.owner_access_key or NOT_GIVEN,
        )
        return coerce_model(models.SuccessResponse, resp)

    async def delete(self) -> models.SuccessResponse:
        resp = await self._session().wire.template_session.delete(
            template_id=self.template_id, owner_access_key=self.owner_access_key or NOT_GIVEN
        )
        return coerce_model(models.SuccessResponse, resp)
