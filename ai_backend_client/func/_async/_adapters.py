"""Per-version adapters for the operations whose generated signatures differ between versions.

One small function per changed operation, chosen by ``session.api_version``: the generated
clients already put every parameter where its server reads it, so an adapter only bridges the
Python-level differences (enum vs. literal argument types, a renamed or missing parameter, the
per-version config model) and turns the answer into the newest (v8) public model.
Operations with identical signatures in every version are called directly on ``session.wire``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, cast

from ..._generated.v8_20240915 import models as v8
from ..._types import NOT_GIVEN
from ...exceptions import BackendAPIVersionError
from ...task_template import SessionTemplateDocument, dump_template_payload
from .base import coerce_model

if TYPE_CHECKING:
    import httpx

    from ..._generated.v6_20220315.client import AsyncClient as AsyncClientV6
    from ..._generated.v8_20240915.client import AsyncClient as AsyncClientV8
    from ...session import AsyncSession

__all__ = [
    "complete",
    "create_from_params",
    "create_from_template",
    "create_session_template",
    "destroy",
    "execute",
    "task_logs",
    "template_payload",
]


def _is_v6(session: AsyncSession) -> bool:
    return session.api_version.major < 8


def _v6(session: AsyncSession) -> AsyncClientV6:
    return cast("AsyncClientV6", session.wire)


def _v8(session: AsyncSession) -> AsyncClientV8:
    return cast("AsyncClientV8", session.wire)


# -- session.create_from_params -------------------------------------------------------------
async def create_from_params(
    session: AsyncSession, body: Mapping[str, Any], config: Mapping[str, Any]
) -> v8.CreateSessionResponse:
    """``POST /session``; *body* uses the generated Python parameter names, *config* the
    ``SessionCreationConfig`` field names (``scaling_group``, ``agent_list``, ...)."""
    kwargs = dict(body)
    kind = kwargs.pop("type")
    cluster_mode = kwargs.pop("cluster_mode")
    if _is_v6(session):
        from ..._generated.v6_20220315 import models as m6

        resp6 = await _v6(session).session.create_from_params(
            **kwargs,
            type=m6.SessionType(kind),
            cluster_mode=m6.ClusterMode(cluster_mode),
            config=m6.SessionCreationConfig.model_validate(dict(config)),
        )
        return coerce_model(v8.CreateSessionResponse, resp6)
    return await _v8(session).session.create_from_params(
        **kwargs,
        type=kind,
        cluster_mode=cluster_mode,
        config=v8.SessionCreationConfig.model_validate(dict(config)),
    )


# -- session.create_from_template -----------------------------------------------------------
async def create_from_template(
    session: AsyncSession, body: Mapping[str, Any], config: Mapping[str, Any] | None
) -> v8.CreateSessionResponse:
    """``POST /session/_/create-from-template``; only the given keys are sent (overrides)."""
    kwargs = dict(body)
    if _is_v6(session):
        from ..._generated.v6_20220315 import models as m6

        if "type" in kwargs:
            kwargs["type"] = m6.SessionType(kwargs["type"])
        if "cluster_mode" in kwargs:
            kwargs["cluster_mode"] = m6.ClusterMode(kwargs["cluster_mode"])
        if config is not None:
            kwargs["config"] = m6.TemplateSessionCreationConfig.model_validate(dict(config))
        resp6 = await _v6(session).session.create_from_template(**kwargs)
        return coerce_model(v8.CreateSessionResponse, resp6)
    if "architecture" in kwargs:
        kwargs["arch"] = kwargs.pop("architecture")
    if config is not None:
        kwargs["config"] = dict(config)
    if "config" in kwargs:
        kwargs["config"] = v8.SessionCreationConfig.model_validate(kwargs["config"])
    return await _v8(session).session.create_from_template(**kwargs)


# -- session.execute ------------------------------------------------------------------------
async def execute(
    session: AsyncSession,
    session_name: str,
    *,
    mode: str,
    run_id: str | None,
    code: str,
    options: Mapping[str, Any] | None,
) -> v8.ExecutionResult:
    if _is_v6(session):
        from ..._generated.v6_20220315 import models as m6

        opts6 = (
            m6.BatchExecuteOptions.model_validate(dict(options)) if options is not None else None
        )
        resp6 = await _v6(session).session.execute(
            session_name=session_name,
            mode=m6.ExecutionMode(mode),
            run_id=run_id,
            code=code,
            options=opts6 if opts6 is not None else NOT_GIVEN,
        )
        resp: Any = resp6
    else:
        resp = await _v8(session).session.execute(
            session_name=session_name,
            mode=cast(Any, mode),
            run_id=run_id,
            code=code,
            options=dict(options) if options is not None else NOT_GIVEN,
        )
    result = coerce_model(v8.ExecuteResponse, resp).result
    if result is None:
        # The manager always answers {"result": {...}}; keep callers' loops simple anyway.
        return v8.ExecutionResult(status="finished", run_id=run_id)
    return result


# -- session.complete -----------------------------------------------------------------------
async def complete(
    session: AsyncSession, session_name: str, code: str, options: Mapping[str, Any] | None
) -> v8.CompleteResponse:
    if _is_v6(session):
        from ..._generated.v6_20220315 import models as m6

        opts6 = m6.CompletionOptions.model_validate(dict(options)) if options else NOT_GIVEN
        resp6 = await _v6(session).session.complete(
            session_name=session_name, code=code, options=opts6
        )
        return coerce_model(v8.CompleteResponse, resp6)
    return await _v8(session).session.complete(
        session_name=session_name, code=code, options=dict(options) if options else NOT_GIVEN
    )


# -- session.destroy ------------------------------------------------------------------------
async def destroy(
    session: AsyncSession,
    session_name: str,
    *,
    forced: bool,
    recursive: bool,
    owner_access_key: str | None,
) -> v8.DestroySessionResponseDestroySessionResponse:
    params: dict[str, Any] = {}
    if forced:  # the 22.03 client sends it only when true
        params["forced"] = True
    if owner_access_key is not None:
        params["owner_access_key"] = owner_access_key
    if _is_v6(session):
        if recursive:
            raise BackendAPIVersionError(
                f"destroy(recursive=True) needs API v7 or newer; the server speaks {session.api_version}"
            )
        resp6 = await _v6(session).session.destroy(session_name=session_name, **params)
        return coerce_model(v8.DestroySessionResponseDestroySessionResponse, resp6)
    if recursive:
        params["recursive"] = True
    resp8 = await _v8(session).session.destroy(session_name=session_name, **params)
    if isinstance(resp8.root, list):  # recursive: the last statistics of every destroyed session
        return v8.DestroySessionResponseDestroySessionResponse(stats=resp8.root)
    return resp8.root


# -- session.get_task_logs ------------------------------------------------------------------
def task_logs(session: AsyncSession, task_id: str) -> AbstractAsyncContextManager[httpx.Response]:
    """The streamed ``GET /session/_/logs`` answer (v6 names the query ``taskId``, v8
    ``session_name``; the 24.09 dump calls the GET route ``get_task_logs.2``)."""
    if _is_v6(session):
        return _v6(session).session.get_task_logs(task_id=task_id)
    return _v8(session).session.get_task_logs_2(session_name=task_id)


# -- template/session.create and .put: the payload ------------------------------------------
def template_payload(session: AsyncSession, document: SessionTemplateDocument) -> str:
    """22.03 reads ``{"session_templates": [...]}`` from ``payload``; 24.09 iterates the
    payload itself and wants the bare list."""
    return dump_template_payload(document, envelope=_is_v6(session))


# -- template/session.create ----------------------------------------------------------------
async def create_session_template(
    session: AsyncSession,
    *,
    payload: str,
    domain_name: str | None,
    group_name: str | None,
    owner_access_key: str | None,
) -> Sequence[v8.TemplateCreated]:
    """``POST /template/session`` (v6 names the keys ``group_name``/``domain_name``, 24.09
    ``group``/``domain``); returns every created template (22.03 answers only the last)."""
    extra: dict[str, Any] = {}
    if owner_access_key is not None:
        extra["owner_access_key"] = owner_access_key
    if _is_v6(session):
        resp6 = await _v6(session).template_session.create(
            payload=payload, group_name=group_name, domain_name=domain_name, **extra
        )
        return [coerce_model(v8.TemplateCreated, resp6)]
    if group_name is not None:
        extra["group"] = group_name
    if domain_name is not None:
        extra["domain"] = domain_name
    resp8 = await _v8(session).template_session.create(payload=payload, **extra)
    return resp8.root if isinstance(resp8.root, list) else [resp8.root]
