"""Where API versions really differ, and nowhere else.

Codegen absorbs additive changes (a keyword a version lacks is refused there, a newer model is
narrowed to an older one, an older answer is parsed into the newest model). What it cannot
decide is listed in ``_generated.neutral.AsyncAdapters``: this module implements exactly those
operations (the type checkers verify it at the bottom), each taking the negotiated version's
clients and the newest version's keyword arguments. Below them are the few differences of
meaning that no signature shows (the template payload, deletion into a trash bin).
"""

from __future__ import annotations

import copy
import json
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import pydantic

from ..._base_client import describe_validation_error
from ..._generated.latest import models
from ..._generated.neutral import AsyncWireV6_20220315, AsyncWireV8_20240915, AsyncWireV9_20250722
from ..._models import keep_server_json, parsed_strictly, received, validate_response, wire_data
from ..._resource import unavailable
from ..._types import NOT_GIVEN, JSONValue, NotGiven
from ...exceptions import BackendAPIVersionError, MalformedResponseError
from .base import coerce_model

if TYPE_CHECKING:
    import httpx
    from typing_extensions import Unpack

    from ..._generated.neutral import AsyncAdapters, AsyncVersionedWire
    from ..._generated.neutral.rest.auth import AuthTest3Params, AuthTestParams
    from ..._generated.neutral.rest.folders import (
        FoldersCreateParams,
        FoldersDeleteByIdParams,
        FoldersInviteParams,
        FoldersListFilesParams,
        FoldersUpdateVfolderSharingStatusParams,
    )
    from ..._generated.neutral.rest.logs_error import LogsErrorAppendParams
    from ..._generated.neutral.rest.manager import (
        ManagerSchedulerHealthcheckParams,
        ManagerSchedulerTriggerParams,
        ManagerUpdateManagerStatusParams,
    )
    from ..._generated.neutral.rest.resource import ResourceUsagePerPeriodParams
    from ..._generated.neutral.rest.session import (
        SessionCheckAndTransitStatusParams,
        SessionCompleteParams,
        SessionDestroyParams,
    )
    from ..._generated.neutral.rest.spec import (
        SpecRenderGraphiqlHtmlParams,
        SpecRenderOpenapiHtmlParams,
    )
    from ..._session_core import AsyncSessionCore
    from ...task_template import SessionTemplateDocument

__all__ = [
    "auth_test",
    "auth_test_3",
    "create_folder",
    "delete_folder",
    "delete_folder_by_id",
    "domain_mappings_after_create",
    "folders_delete_by_id",
    "folders_invite",
    "folders_list_files",
    "folders_update_vfolder_sharing_status",
    "has_trash_bin",
    "logs_error_append",
    "manager_scheduler_healthcheck",
    "manager_scheduler_trigger",
    "manager_update_manager_status",
    "mkdir",
    "resource_usage_per_period",
    "session_check_and_transit_status",
    "session_complete",
    "session_destroy",
    "session_status_history",
    "spec_render_graphiql_html",
    "spec_render_openapi_html",
    "template_defaults",
    "template_payload",
]


_M = TypeVar("_M", bound=pydantic.BaseModel)


def _reparse(model: type[_M], data: Any, answer: pydantic.BaseModel) -> _M:
    """*data* (an older answer, adjusted) as the newest *model*, as strictly as *answer* was
    read; a strict mismatch is the same error the core raises."""
    try:
        return cast(_M, validate_response(model, data, strict=bool(parsed_strictly(answer))))
    except pydantic.ValidationError as e:
        raise MalformedResponseError(
            f"the answer does not match {model.__name__}: {describe_validation_error(e)}",
            status=200,
            method="",
            url="(an older server's answer)",
            data=data,
        ) from None


# -- the adapter table (``_generated.neutral.AsyncAdapters``) ----------------------------------
async def folders_delete_by_id(
    wire: AsyncVersionedWire, /, **params: Unpack[FoldersDeleteByIdParams]
) -> None:
    """22.03 names the body key ``id``; 24.09 ``vfolder_id``."""
    if isinstance(wire, AsyncWireV6_20220315):
        await wire.rest.folders.delete_by_id(id=str(params["vfolder_id"]))
        return
    await wire.rest.folders.delete_by_id(**params)


async def folders_invite(
    wire: AsyncVersionedWire, /, **params: Unpack[FoldersInviteParams]
) -> models.InviteResponse:
    """22.03 names the invitees ``user_ids`` (they are e-mail addresses); 24.09 and later
    ``emails``. 26.09 adds the permission ``none``, which the older ones refuse."""
    perm = params.get("perm", NOT_GIVEN)
    if perm == "none" and not isinstance(wire, AsyncWireV9_20250722):
        raise unavailable(wire.version, "invitations with permission 'none'", "v9.20250722")
    older_perm: Literal["ro", "rw", "wd"] | NotGiven = NOT_GIVEN if perm == "none" else perm
    if isinstance(wire, AsyncWireV6_20220315):
        result = await wire.rest.folders.invite(
            name=params["name"], user_ids=list(params["emails"]), perm=older_perm
        )
        return coerce_model(models.InviteResponse, result)
    if isinstance(wire, AsyncWireV8_20240915):
        result8 = await wire.rest.folders.invite(
            name=params["name"], emails=params["emails"], perm=older_perm
        )
        return coerce_model(models.InviteResponse, result8)
    return await wire.rest.folders.invite(**params)


async def resource_usage_per_period(
    wire: AsyncVersionedWire, /, **params: Unpack[ResourceUsagePerPeriodParams]
) -> models.UsageRecordList:
    """22.03 names the project ``group_id``; 24.09 and later ``project_id``."""
    project = params.get("project_id")
    start, end = params["start_date"], params["end_date"]
    if isinstance(wire, AsyncWireV6_20220315):
        result = await wire.rest.resource.usage_per_period(
            start_date=start, end_date=end, group_id=str(project) if project is not None else None
        )
        return coerce_model(models.UsageRecordList, result)
    if isinstance(wire, AsyncWireV8_20240915):
        result8 = await wire.rest.resource.usage_per_period(
            start_date=start,
            end_date=end,
            project_id=str(project) if project is not None else NOT_GIVEN,
        )
        return coerce_model(models.UsageRecordList, result8)
    return await wire.rest.resource.usage_per_period(**params)


async def manager_update_manager_status(
    wire: AsyncVersionedWire, /, **params: Unpack[ManagerUpdateManagerStatusParams]
) -> None:
    """22.03 validates ManagerStatus by name (``FROZEN``); 24.09 by value (``frozen``); 26.09
    declares a plain string and reads the value."""
    status = params["status"]
    force_kill = params.get("force_kill", False)
    if isinstance(wire, AsyncWireV6_20220315):
        name: Literal["RUNNING", "FROZEN"] = "FROZEN" if status.lower() == "frozen" else "RUNNING"
        await wire.rest.manager.update_manager_status(status=name, force_kill=force_kill)
    elif isinstance(wire, AsyncWireV8_20240915):
        value: Literal["running", "frozen"] = "frozen" if status.lower() == "frozen" else "running"
        await wire.rest.manager.update_manager_status(status=value, force_kill=force_kill)
    else:
        await wire.rest.manager.update_manager_status(**params)


async def auth_test(
    wire: AsyncVersionedWire, /, **params: Unpack[AuthTestParams]
) -> models.AuthTestResponse:
    """``GET /auth``: 22.03 and 24.09 require an ``echo`` query, 26.09 takes none (and echoes
    an empty string)."""
    if isinstance(wire, (AsyncWireV6_20220315, AsyncWireV8_20240915)):
        return coerce_model(models.AuthTestResponse, await wire.rest.auth.test(echo=""))
    return await wire.rest.auth.test(**params)


async def auth_test_3(
    wire: AsyncVersionedWire, /, **params: Unpack[AuthTest3Params]
) -> models.AuthTestResponse:
    """``GET /auth/test``: as :func:`auth_test`."""
    if isinstance(wire, (AsyncWireV6_20220315, AsyncWireV8_20240915)):
        return coerce_model(models.AuthTestResponse, await wire.rest.auth.test_3(echo=""))
    return await wire.rest.auth.test_3(**params)


async def manager_scheduler_trigger(
    wire: AsyncVersionedWire, /, **params: Unpack[ManagerSchedulerTriggerParams]
) -> None:
    """24.09 triggers the scheduler event named in the body; 26.09 keeps the route as a stub
    that takes nothing (and refuses), 22.03 has none."""
    if isinstance(wire, AsyncWireV8_20240915):
        await wire.rest.manager.scheduler_trigger(event="schedule")
    elif isinstance(wire, AsyncWireV9_20250722):
        await wire.rest.manager.scheduler_trigger(**params)
    else:
        raise unavailable(wire.version, "manager.scheduler_trigger", "v8.20240915 and newer")


async def manager_scheduler_healthcheck(
    wire: AsyncVersionedWire, /, **params: Unpack[ManagerSchedulerHealthcheckParams]
) -> None:
    """24.09 answers the scheduler's health; 26.09 keeps only a refusing stub. The answer is
    not carried over (``None`` everywhere): read ``wire.rest`` of 24.09 for it."""
    if isinstance(wire, AsyncWireV8_20240915):
        await wire.rest.manager.scheduler_healthcheck()
    elif isinstance(wire, AsyncWireV9_20250722):
        await wire.rest.manager.scheduler_healthcheck(**params)
    else:
        raise unavailable(wire.version, "manager.scheduler_healthcheck", "v8.20240915 and newer")


async def session_check_and_transit_status(
    wire: AsyncVersionedWire, /, **params: Unpack[SessionCheckAndTransitStatusParams]
) -> None:
    """24.09 answers the new statuses; 26.09 keeps only a refusing stub (as
    :func:`manager_scheduler_healthcheck`)."""
    if isinstance(wire, AsyncWireV6_20220315):
        raise unavailable(wire.version, "session.check_and_transit_status", "v8.20240915 and newer")
    await wire.rest.session.check_and_transit_status(**params)


async def session_complete(
    wire: AsyncVersionedWire, /, **params: Unpack[SessionCompleteParams]
) -> models.CompleteResponse:
    """22.03 and 24.09 pass the kernel's answer through: ``{status, completions}``, or null
    when the kernel offers nothing; 26.09 answers ``{status, error, suggestions}``, the shape
    given here for every version."""
    if isinstance(wire, AsyncWireV9_20250722):
        return await wire.rest.session.complete(**params)
    options = params.get("options")
    answer = await wire.rest.session.complete(
        session_name=params["session_name"],
        code=params.get("code") or "",
        options=options if options is not None else NOT_GIVEN,
    )
    data: object = wire_data(answer)
    raw = cast("dict[str, object]", data).get("result") if isinstance(data, dict) else None
    result: dict[str, object] = {"status": "finished", "error": None, "suggestions": []}
    if isinstance(raw, dict):
        kernel = cast("dict[str, object]", raw)
        result.update(kernel)  # ``completions`` stays readable by the 22.03 docs' key
        result["suggestions"] = kernel.get("completions") or []
    return _reparse(models.CompleteResponse, {"result": result}, answer)


async def session_destroy(
    wire: AsyncVersionedWire, /, **params: Unpack[SessionDestroyParams]
) -> models.DestroySessionResponse:
    """With ``recursive``, 24.09 answers the last statistics of every destroyed session as a
    list (kept as ``stats.sessions``); otherwise ``{"stats": ...}``, null when there are none
    (an empty object here, as 26.09 answers)."""
    if isinstance(wire, AsyncWireV9_20250722):
        return await wire.rest.session.destroy(**params)
    name = params["session_name"]
    forced = params.get("forced", NOT_GIVEN)
    owner = params.get("owner_access_key")
    owner_key: str | NotGiven = owner if owner is not None else NOT_GIVEN
    answer: pydantic.BaseModel
    if isinstance(wire, AsyncWireV6_20220315):
        if params.get("recursive"):
            raise unavailable(wire.version, "destroy(recursive=True)", "v7.20230615 and newer")
        answer = await wire.rest.session.destroy(
            session_name=name, forced=forced, owner_access_key=owner_key
        )
    else:
        answer = await wire.rest.session.destroy(
            session_name=name,
            forced=forced,
            recursive=params.get("recursive", NOT_GIVEN),
            owner_access_key=owner_key,
        )
    data: object = wire_data(answer)
    if isinstance(data, list):
        data = {"stats": {"sessions": cast("list[object]", data)}}
    elif isinstance(data, dict) and cast("dict[str, Any]", data).get("stats") is None:
        data = {**cast("dict[str, Any]", data), "stats": {}}  # 24.09: null for no statistics
    return _reparse(models.DestroySessionResponse, data, answer)


def spec_render_graphiql_html(
    wire: AsyncVersionedWire, /, **params: Unpack[SpecRenderGraphiqlHtmlParams]
) -> AbstractAsyncContextManager[httpx.Response]:
    """The GraphiQL page: 26.09 serves it as HTML; 24.09's answer is not described."""
    if isinstance(wire, AsyncWireV9_20250722):
        return wire.rest.spec.render_graphiql_html(**params)
    return wire.core.stream("GET", "/spec/graphiql")


def spec_render_openapi_html(
    wire: AsyncVersionedWire, /, **params: Unpack[SpecRenderOpenapiHtmlParams]
) -> AbstractAsyncContextManager[httpx.Response]:
    """The OpenAPI page (as :func:`spec_render_graphiql_html`)."""
    if isinstance(wire, AsyncWireV9_20250722):
        return wire.rest.spec.render_openapi_html(**params)
    return wire.core.stream("GET", "/spec/openapi")


async def folders_list_files(
    wire: AsyncVersionedWire, /, **params: Unpack[FoldersListFilesParams]
) -> models.ListVFolderFilesResponse:
    """26.09 sends an entry's ``mode`` as the integer ``st_mode``; 22.03 and 24.09 sent the
    permission bits as three octal digits (``"644"``), read here as that integer (``0o644``).
    ``mode & 0o777`` means the same on every version."""
    if isinstance(wire, AsyncWireV9_20250722):
        return await wire.rest.folders.list_files(**params)
    answer = await wire.rest.folders.list_files(name=params["name"], path=params.get("path", "."))
    raw: object = wire_data(answer)
    data = copy.deepcopy(raw)
    items = cast("dict[str, Any]", data).get("items") if isinstance(data, dict) else None
    for item in cast("list[object]", items) if isinstance(items, list) else ():
        entry = cast("dict[str, object]", item) if isinstance(item, dict) else {}
        mode = entry.get("mode")
        if isinstance(mode, str):
            try:
                entry["mode"] = int(mode, 8)
            except ValueError:
                pass  # kept as sent; lenient parsing says so
    result = _reparse(models.ListVFolderFilesResponse, data, answer)
    keep_server_json(result, raw)  # output shows what the server sent
    return result


async def folders_update_vfolder_sharing_status(
    wire: AsyncVersionedWire, /, **params: Unpack[FoldersUpdateVfolderSharingStatusParams]
) -> JSONValue:
    """24.09 names a user ``user`` in each mapping, 26.09 ``user_id``; 22.03 has no such call."""
    if isinstance(wire, AsyncWireV9_20250722):
        return await wire.rest.folders.update_vfolder_sharing_status(**params)
    if isinstance(wire, AsyncWireV6_20220315):
        raise unavailable(wire.version, "folders.update_vfolder_sharing_status", "v8.20240915")
    mappings = [{"user": str(m.user_id), "perm": m.perm} for m in params["user_perm"]]
    # 24.09's own mapping model is reached only through its generated package; the method
    # validates these mappings into it.
    await wire.rest.folders.update_vfolder_sharing_status(
        vfolder_id=params["vfolder_id"], user_perm=cast("Any", mappings)
    )
    return None


_Severity = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET"]
_SEVERITIES: tuple[str, ...] = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET")


async def logs_error_append(
    wire: AsyncVersionedWire, /, **params: Unpack[LogsErrorAppendParams]
) -> models.SuccessResponse:
    """22.03 and 24.09 take ``context_env`` as JSON text, 26.09 as an object."""
    if isinstance(wire, AsyncWireV9_20250722):
        return await wire.rest.logs_error.append(**params)
    url, status, trace = (params.get(k) for k in ("request_url", "request_status", "traceback"))
    severity = params["severity"].upper()
    if severity not in _SEVERITIES:
        raise BackendAPIVersionError(f"severity {params['severity']!r} is not one of {_SEVERITIES}")
    answer = await wire.rest.logs_error.append(
        severity=cast("_Severity", severity),
        source=params["source"],
        message=params["message"],
        context_lang=params["context_lang"],
        context_env=json.dumps(dict(params["context_env"])),
        request_url=url if isinstance(url, str) else NOT_GIVEN,
        request_status=status if isinstance(status, int) else NOT_GIVEN,
        traceback=trace if isinstance(trace, str) else NOT_GIVEN,
    )
    return coerce_model(models.SuccessResponse, answer)


# -- differences no signature shows ------------------------------------------------------------
def template_payload(session: AsyncSessionCore, document: SessionTemplateDocument) -> str:
    """22.03 reads ``{"session_templates": [...]}`` from ``payload``; 24.09 iterates the
    payload itself and wants the bare list."""
    from ...task_template import dump_template_payload  # template models: only templates pay

    return dump_template_payload(
        document, envelope=isinstance(session.versioned, AsyncWireV6_20220315)
    )


async def template_defaults(
    session: AsyncSessionCore, template_id: str, config: models.SessionCreationConfig
) -> None:
    """26.9.6 lets the unset fields of a ``create-from-template`` config (sent or not) override
    the template's own environment, resources, mounts and scaling group with nothing; so that
    the template means what it says, those the caller left unset are sent from the stored
    template. Earlier versions merge them on the server."""
    if not isinstance(session.versioned, AsyncWireV9_20250722):
        return
    detail = await session.versioned.rest.template_session.get(
        template_id=template_id, format="json"
    )
    template: object = received(detail.template)
    found = cast("dict[str, object]", template).get("spec") if isinstance(template, dict) else None
    if not isinstance(found, dict):
        return
    spec = cast("dict[str, Any]", found)
    kernel = spec.get("kernel")
    environ = cast("dict[str, Any]", kernel).get("environ") if isinstance(kernel, dict) else None
    mounts = spec.get("mounts")
    given = config.model_fields_set
    if "environ" not in given and isinstance(environ, dict) and environ:
        config.environ = {str(k): str(v) for k, v in cast("dict[object, object]", environ).items()}
    if "resources" not in given and isinstance(spec.get("resources"), dict):
        config.resources = dict(spec["resources"])
    if "scaling_group" not in given and isinstance(spec.get("scaling_group"), str):
        config.scaling_group = spec["scaling_group"]
    if "mounts" not in given and "mount_map" not in given and isinstance(mounts, dict) and mounts:
        folders = cast("dict[str, object]", mounts)
        config.mounts = list(folders)
        config.mount_map = {k: str(v) for k, v in folders.items() if isinstance(v, str) and v}


def domain_mappings_after_create(session: AsyncSessionCore) -> bool:
    """26.9.6 fails to create a domain with resource slots or vfolder host permissions
    (``'dict' object has no attribute 'to_json'``: it stores the mappings unconverted) but
    sets both when modifying one."""
    return isinstance(session.versioned, AsyncWireV9_20250722)


def has_trash_bin(session: AsyncSessionCore) -> bool:
    """24.09 and later soft-delete folders into a trash bin (``folders.delete_from_trash_bin``)."""
    return not isinstance(session.versioned, AsyncWireV6_20220315)


def archives_named_files(session: AsyncSessionCore) -> bool:
    """26.09 and later zip several named files of a folder into one download
    (``folders.create_archive_download_session``, then the storage proxy's ``/download-archive``);
    older servers zip only a whole directory."""
    return not isinstance(session.versioned, (AsyncWireV6_20220315, AsyncWireV8_20240915))


def storage_takes_dst_dir(session: AsyncSessionCore) -> bool:
    """24.09 and later storage proxies read a transfer's ``dst_dir`` (model serving's version
    directories, new in 23.03); one of 22.03 is not known to, and would write to the root."""
    return not isinstance(session.versioned, AsyncWireV6_20220315)


async def mkdir(
    session: AsyncSessionCore, name: str, paths: list[str], *, parents: bool, exist_ok: bool
) -> models.MkdirResponse:
    """22.03 makes one directory per call and answers nothing; 24.09 and later take several
    paths and answer per path."""
    wire = session.versioned
    if isinstance(wire, AsyncWireV6_20220315):
        for path in paths:
            await wire.rest.folders.mkdir(name=name, path=path, parents=parents, exist_ok=exist_ok)
        return models.MkdirResponse.model_validate({"results": {"success": [], "failed": []}})
    answer = await wire.rest.folders.mkdir(
        name=name, path=paths[0] if len(paths) == 1 else paths, parents=parents, exist_ok=exist_ok
    )
    return coerce_model(models.MkdirResponse, answer)


async def create_folder(
    session: AsyncSessionCore, quota: str | None, /, **params: Unpack[FoldersCreateParams]
) -> models.CreateVFolderResponse:
    """Create a folder. 22.03 still takes a per-folder ``quota``; 24.09 replaced it by quota
    scopes, so it is sent only where it means something."""
    wire = session.versioned
    if isinstance(wire, AsyncWireV6_20220315) and quota not in (None, "", "0"):
        return await wire.rest.folders.create(**params, quota=quota)
    return await session.wire.folders.create(**params)


async def delete_folder(session: AsyncSessionCore, name: str, *, purge: bool = True) -> None:
    """Delete the folder *name*. 22.03 removes it; 24.09 moves it to the trash bin, which the
    seed's ``delete()`` did not mean, so with *purge* it is then removed from there too."""
    folders = session.wire.folders
    if not has_trash_bin(session):
        await folders.delete_by_name(name=name)
        return
    folder_id = None
    if purge:
        folder_id = (await folders.get_info(name=name)).id
        if not folder_id:
            raise BackendAPIVersionError(f"the server did not tell the id of the folder {name!r}")
    await folders.delete_by_name(name=name)
    if folder_id is not None:
        await folders.delete_from_trash_bin(vfolder_id=folder_id)


async def delete_folder_by_id(session: AsyncSessionCore, oid: str, *, purge: bool = True) -> None:
    """Delete a folder by its id (as :func:`delete_folder`: on 24.09 also from the trash bin)."""
    await folders_delete_by_id(session.versioned, vfolder_id=oid)
    if purge and has_trash_bin(session):
        await session.wire.folders.delete_from_trash_bin(vfolder_id=oid)


async def session_status_history(
    session: AsyncSessionCore, session_name: str, session_id: str | None
) -> models.SessionStatusHistory:
    """When the session entered each status. 26.09 answers it over REST
    (``GET /session/{name}/status-history``); 24.09 has no such route, but its GraphQL
    ``compute_session`` carries the same mapping as a JSON string; 22.03 keeps none."""
    wire = session.versioned
    if isinstance(wire, AsyncWireV6_20220315):
        raise unavailable(wire.version, "the session status history", "Backend.AI 24.09 or newer")
    if isinstance(wire, AsyncWireV9_20250722):
        return await wire.rest.session.get_status_history(session_name=session_name)
    if session_id is None:  # the dependency graph names the session's id
        graph = await wire.rest.session.get_dependency_graph(session_name=session_name)
        session_id = graph.session_id
        if not session_id:
            raise BackendAPIVersionError(
                f"the server did not tell the id of session {session_name!r}"
            )
    answer = await wire.graphql.compute_session_status_history(id=session_id)
    found = answer.compute_session
    raw = found.status_history if found is not None else None
    history: object = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return _reparse(models.SessionStatusHistory, history, answer)


if TYPE_CHECKING:  # this module is the adapter table: the type checkers verify it here
    from . import _adapters as _this

    _table: AsyncAdapters = _this
