"""``ComputeSession``: create, run code in, transfer files to and from, and end compute sessions.

Written once, async; ``func/_sync/compute_session.py`` is derived from it. Class methods act on
the bound client session (``session.ComputeSession.get_or_create(...)``); an instance stands for
one compute session. Every answer is a typed model of the newest API version (dict access by wire
key works too, e.g. ``result["runId"]``), whatever version the server speaks.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast
from uuid import UUID

from ..._generated.latest import graphql_models as gql
from ..._generated.latest import models
from ..._graphql import GraphQLError, PaginatedResult
from ..._models import maybe, parsed_strictly, received, server_json, validate_response
from ..._results import DownloadResult, ExecutionResult
from ..._types import NOT_GIVEN, NotGiven, Undefined, undefined
from ...exceptions import (
    BackendAPIError,
    BackendClientError,
    InternalServerError,
    LocalArgumentError,
    MalformedResponseError,
    NotFoundError,
    UnknownImageError,
)
from ...transfer import DEFAULT_MAX_PARALLEL
from .._checks import (
    check_session_name,
    default_session_name,
    normalize_execute_mode,
)
from .._streaming import (
    AsyncAppProxy,
    AsyncExecuteStream,
    AsyncSessionEventStream,
    AsyncStreamPty,
    AsyncStreams,
    AsyncWebSocketOwner,
    EventScope,
)
from . import _adapters, _session_files, _session_queries
from ._gql import MAX_PAGE_SIZE, inputs, pager
from ._session_queries import SessionItem
from .base import AsyncFunction

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..._generated.neutral.rest.session import (
        SessionCreateFromParamsParams,
        SessionCreateFromTemplateParams,
        SessionDestroyParams,
    )
    from ...streams import InputHandler

log = logging.getLogger("ai_backend_client")

__all__ = ["ComputeSession", "DownloadResult", "SessionType"]

SessionType = Literal["interactive", "batch"]
ClusterMode = Literal["single-node", "multi-node"]


def _undefined_or(value: object) -> bool:
    return not isinstance(value, Undefined)


_T = TypeVar("_T")


def _defined(value: _T | Undefined) -> _T:
    assert not isinstance(value, Undefined)
    return value


#: The seed's default selection of ``ComputeSession.paginated_list``.
_LIST_FIELDS: tuple[str, ...] = (
    "session_id",
    "image",
    "type",
    "status",
    "status_info",
    "status_changed",
    "result",
)


class ComputeSession(AsyncFunction):
    """A compute session (the seed's ``ComputeSession(name, owner_access_key=None)``).

    Attributes after :meth:`get_or_create`: ``id`` (UUID), ``name``, ``status``, ``created``
    (false when an existing session of that name was reused), ``service_ports``.
    """

    id: UUID | None
    name: str | None
    owner_access_key: str | None
    created: bool
    status: str
    service_ports: list[models.ServicePort]

    def __init__(self, name: str | None, owner_access_key: str | None = None) -> None:
        self.id = None
        self.name = name
        self.owner_access_key = owner_access_key
        self.created = False
        self.status = "unknown"
        self.service_ports = []

    def __repr__(self) -> str:
        return f"<ComputeSession name={self.name!r} id={self.id} status={self.status}>"

    @classmethod
    def from_session_id(cls, session_id: UUID | str) -> Self:
        """An object for an existing session known by its UUID."""
        o = cls(None, None)
        o.id = session_id if isinstance(session_id, UUID) else UUID(str(session_id))
        return o

    # -- identity used in paths ------------------------------------------------------------
    def _ref(self) -> str:
        """The ``{session_name}`` path segment: the name, else the UUID (the server takes both)."""
        if self.name is not None:
            return self.name
        if self.id is not None:
            return str(self.id)
        raise BackendClientError("this ComputeSession has neither a name nor an ID")

    def _stream_ref(self) -> str:
        """Streams use the UUID when known (as the 22.03 SDK does), else the name."""
        return str(self.id) if self.id is not None else self._ref()

    def _owner(self) -> str | NotGiven:
        """``owner_access_key`` for the calls that take it (not sent when unset)."""
        return self.owner_access_key or NOT_GIVEN

    # -- class-level calls -----------------------------------------------------------------
    @classmethod
    async def hello(cls) -> models.HelloResponse:
        """The server's API and manager versions (a signed ``GET /``)."""
        return await cls._session().wire.root.hello()

    @classmethod
    async def get_task_logs(
        cls, task_id: str | UUID, *, chunk_size: int = 8192
    ) -> AsyncIterator[bytes]:
        """Stream the stored log of a batch session (task) as bytes."""
        async with cls._session().wire.session.get_task_logs_2(
            session_name=str(task_id)
        ) as response:
            async for chunk in response.aiter_bytes(chunk_size):
                yield chunk

    @classmethod
    async def get_or_create(
        cls,
        image: str,
        *,
        name: str | None = None,
        type_: SessionType = "interactive",
        starts_at: str | None = None,
        enqueue_only: bool = False,
        max_wait: int = 0,
        no_reuse: bool = False,
        dependencies: Sequence[str | UUID] | None = None,
        callback_url: str | None = None,
        mounts: Sequence[str] | None = None,
        mount_map: Mapping[str, str] | None = None,
        envs: Mapping[str, str] | None = None,
        startup_command: str | None = None,
        resources: Mapping[str, str | int | float] | None = None,
        resource_opts: Mapping[str, Any] | None = None,
        cluster_size: int = 1,
        cluster_mode: ClusterMode = "single-node",
        domain_name: str | None = None,
        group_name: str | None = None,
        bootstrap_script: str | None = None,
        tag: str | None = None,
        scaling_group: str | None = None,
        owner_access_key: str | None = None,
        preopen_ports: Sequence[int] | None = None,
        assign_agent: Sequence[str] | None = None,
        client_token: str | None = None,
    ) -> Self:
        """Create a compute session, or reuse the running one of the same name.

        ``name`` (the seed also calls it ``client_token``) defaults to ``pysdk-<random>``;
        reuse happens unless ``no_reuse``. ``max_wait`` is in seconds (0: wait until it runs
        unless ``enqueue_only``). ``bootstrap_script`` is base64 text, as the server wants it.
        Arguments are checked before anything is sent (:class:`LocalArgumentError`); an unknown
        image is reported as such.
        """
        if client_token is not None:
            if name is not None and name != client_token:
                raise LocalArgumentError(
                    "give the session name once: name= or client_token=, not both"
                )
            name = client_token
        name = check_session_name(name) if name is not None else default_session_name()
        if not image:
            raise LocalArgumentError(
                "image must be a non-empty image reference, e.g. 'python:3.9-ubuntu20.04'"
            )
        if type_ not in ("interactive", "batch"):
            raise LocalArgumentError(
                f"session type must be 'interactive' or 'batch', not {type_!r}"
            )
        if type_ == "batch" and not startup_command:
            raise LocalArgumentError("a batch session needs a startup_command to run")
        if starts_at is not None and type_ != "batch":
            raise LocalArgumentError("starts_at is only for batch sessions")
        if cluster_size < 1:
            raise LocalArgumentError(f"cluster_size must be at least 1, not {cluster_size}")
        if cluster_mode not in ("single-node", "multi-node"):
            raise LocalArgumentError(
                f"cluster_mode must be 'single-node' or 'multi-node', not {cluster_mode!r}"
            )
        if max_wait < 0:
            raise LocalArgumentError(f"max_wait must not be negative, not {max_wait}")
        for port in preopen_ports or ():
            if not 1024 <= int(port) <= 65535:
                raise LocalArgumentError(f"preopen port {port} is outside 1024-65535")
        if bootstrap_script is not None and not bootstrap_script.strip():
            raise LocalArgumentError("bootstrap_script must not be blank (leave it None instead)")
        session = cls._session()
        config = session.config
        all_mounts = list(mounts or ())
        all_mounts += [m for m in config.vfolder_mounts if m not in all_mounts]
        creation_config = models.SessionCreationConfig(
            mounts=all_mounts,
            environ=dict(envs) if envs is not None else None,
            resources=dict(resources or {}),
            resource_opts=dict(resource_opts or {}),
            scaling_group=scaling_group,
            mount_map=dict(mount_map or {}),
            preopen_ports=[models.SessionCreationConfigPreopenPort(int(p)) for p in preopen_ports]
            if preopen_ports is not None
            else None,
        )
        if assign_agent is not None:
            creation_config.agent_list = list(assign_agent)
        params: SessionCreateFromParamsParams = {
            "tag": tag,
            "name": name,
            "dependencies": [str(d) for d in dependencies] if dependencies is not None else None,
            "callback_url": callback_url,
            "cluster_size": cluster_size,
            "cluster_mode": cluster_mode,
            "starts_at": starts_at,
            "bootstrap_script": bootstrap_script,
            "owner_access_key": owner_access_key,
            "domain": domain_name or config.domain,
            "group": group_name or config.group,
            "type": type_,
            "enqueue_only": enqueue_only,
            "max_wait_seconds": max_wait,
            "reuse_if_exists": not no_reuse,
            "startup_command": startup_command,
            "image": image,
            "config": creation_config,
        }
        try:
            resp = await session.wire.session.create_from_params(**params)
        except NotFoundError as e:
            raise _explain_not_found(e, image) from None
        except MalformedResponseError as e:  # strict_responses: the session exists all the same
            raise e.after(_created(name, e.data)) from None
        o = cls(name, owner_access_key)
        o._apply_creation(resp)
        return o

    @classmethod
    async def create_from_template(
        cls,
        template_id: str | UUID,
        *,
        name: str | Undefined = undefined,
        type_: SessionType | Undefined = undefined,
        starts_at: str | Undefined | None = undefined,
        enqueue_only: bool | Undefined = undefined,
        max_wait: int | Undefined = undefined,
        dependencies: Sequence[str | UUID] | Undefined | None = undefined,
        callback_url: str | Undefined | None = undefined,
        no_reuse: bool | Undefined = undefined,
        image: str | Undefined = undefined,
        mounts: Sequence[str] | Undefined = undefined,
        mount_map: Mapping[str, str] | Undefined = undefined,
        envs: Mapping[str, str] | Undefined = undefined,
        startup_command: str | Undefined | None = undefined,
        resources: Mapping[str, str | int | float] | Undefined = undefined,
        resource_opts: Mapping[str, Any] | Undefined = undefined,
        cluster_size: int | Undefined = undefined,
        cluster_mode: ClusterMode | Undefined = undefined,
        domain_name: str | Undefined = undefined,
        group_name: str | Undefined = undefined,
        bootstrap_script: str | Undefined | None = undefined,
        tag: str | Undefined | None = undefined,
        scaling_group: str | Undefined | None = undefined,
        owner_access_key: str | Undefined | None = undefined,
    ) -> Self:
        """Create a session from a session template; only the arguments given override it.

        (Unlike the 22.03 SDK, an untouched ``mounts``/``no_reuse`` is not sent, so the
        template's own mounts survive.)
        """
        session_name = check_session_name(name) if isinstance(name, str) else default_session_name()
        try:
            template_uuid = str(UUID(str(template_id)))
        except ValueError:
            raise LocalArgumentError(f"template ID {str(template_id)!r} is not a UUID") from None
        config = cls._session().config
        params: SessionCreateFromTemplateParams = {
            "template_id": template_uuid,
            "name": session_name,
            "domain": domain_name if isinstance(domain_name, str) else config.domain,
            "group": group_name if isinstance(group_name, str) else config.group,
        }
        # Only what the caller gave overrides the template.
        if isinstance(type_, str):
            params["type"] = type_
        if _undefined_or(starts_at):
            params["starts_at"] = _defined(starts_at)
        if isinstance(enqueue_only, bool):
            params["enqueue_only"] = enqueue_only
        if isinstance(max_wait, int):
            params["max_wait_seconds"] = max_wait
        if _undefined_or(callback_url):
            params["callback_url"] = _defined(callback_url)
        if isinstance(image, str):
            params["image"] = image
        if _undefined_or(startup_command):
            params["startup_command"] = _defined(startup_command)
        if isinstance(cluster_size, int):
            params["cluster_size"] = cluster_size
        if isinstance(cluster_mode, str):
            params["cluster_mode"] = cluster_mode
        if _undefined_or(bootstrap_script):
            params["bootstrap_script"] = _defined(bootstrap_script)
        if _undefined_or(tag):
            params["tag"] = _defined(tag)
        if _undefined_or(owner_access_key):
            params["owner_access_key"] = _defined(owner_access_key)
        if _undefined_or(dependencies):
            deps = _defined(dependencies)
            params["dependencies"] = [str(d) for d in deps] if deps is not None else None
        if isinstance(no_reuse, bool):
            params["reuse_if_exists"] = not no_reuse
        overrides = models.SessionCreationConfig()
        if isinstance(mounts, Sequence):
            overrides.mounts = list(mounts)
        if isinstance(mount_map, Mapping):
            overrides.mount_map = dict(mount_map)
        if isinstance(envs, Mapping):
            overrides.environ = dict(envs)
        if isinstance(resources, Mapping):
            overrides.resources = dict(resources)
        if isinstance(resource_opts, Mapping):
            overrides.resource_opts = dict(resource_opts)
        if _undefined_or(scaling_group):
            overrides.scaling_group = _defined(scaling_group)
        await _adapters.template_defaults(cls._session(), template_uuid, overrides)
        if overrides.model_fields_set:
            params["config"] = overrides
        try:
            resp = await cls._session().wire.session.create_from_template(**params)
        except NotFoundError as e:
            raise _explain_not_found(e, image if isinstance(image, str) else None) from None
        except MalformedResponseError as e:
            raise e.after(_created(session_name, e.data)) from None
        except InternalServerError as e:
            # 26.9.6 creates the session and then fails to answer (500, a server bug): a
            # session that exists under the name asked for is the one created.
            owner = owner_access_key if isinstance(owner_access_key, str) else None
            found = await cls._created_despite(session_name, owner)
            if found is None:
                raise
            log.warning(
                "the server answered %s to create-from-template but created session %r; using it",
                e.status,
                session_name,
            )
            return found
        o = cls(session_name, owner_access_key if isinstance(owner_access_key, str) else None)
        o._apply_creation(resp)
        return o

    @classmethod
    async def _created_despite(cls, name: str, owner: str | None) -> Self | None:
        o = cls(name, owner)
        try:
            await o.get_info()
        except BackendAPIError:
            return None
        o.created = True
        return o

    def _apply_creation(self, resp: models.CreateSessionResponse) -> None:
        # The session exists once the server answered with success: a field that did not fit
        # its type (read leniently) is skipped here rather than failing the creation.
        self.id = _as_uuid(resp.session_id) or self.id
        name, created, status = (
            received(v) for v in (resp.session_name, resp.created, resp.status)
        )
        if isinstance(name, str) and name:
            self.name = name
        self.created = created if isinstance(created, bool) else True
        self.status = status if isinstance(status, str) and status else "RUNNING"
        ports: list[object] = list(resp.service_ports or resp.service_ports_1 or [])
        self.service_ports = [p for p in ports if isinstance(p, models.ServicePort)]

    @classmethod
    async def paginated_list(
        cls,
        status: str | None = None,
        access_key: str | None = None,
        *,
        fields: Sequence[str] = _LIST_FIELDS,
        page_offset: int = 0,
        page_size: int = 20,
        filter: str | None = None,
        order: str | None = None,
    ) -> PaginatedResult[SessionItem]:
        """One page of ``compute_session_list`` (GraphQL): ``items`` and ``total_count``.

        ``status`` is one status or a comma-joined list; ``fields`` replaces the selection and is
        checked against the server's schema before sending.
        """
        return await _session_queries.paginated_list(
            cls._session(),
            status=status,
            access_key=access_key,
            fields=fields,
            page_offset=page_offset,
            page_size=page_size,
            filter=filter,
            order=order,
        )

    _iter_all = pager(paginated_list)

    @classmethod
    def iter_all(
        cls,
        status: str | None = None,
        access_key: str | None = None,
        *,
        fields: Sequence[str] = _LIST_FIELDS,
        page_offset: int = 0,
        page_size: int = MAX_PAGE_SIZE,
        filter: str | None = None,
        order: str | None = None,
    ) -> AsyncIterator[SessionItem]:
        """Every session :meth:`paginated_list` finds, fetched lazily page by page (spelled out,
        unlike the other classes' ``iter_all``, because this class is public API and its
        declared type must not depend on inference)."""
        return cls._iter_all(
            status,
            access_key,
            fields=fields,
            page_offset=page_offset,
            page_size=page_size,
            filter=filter,
            order=order,
        )

    # -- instance calls ----------------------------------------------------------------------
    async def destroy(
        self, *, forced: bool = False, recursive: bool = False
    ) -> models.DestroySessionResponse:
        """Terminate the session (``forced`` needs an admin; ``recursive`` needs API v7+)."""
        params: SessionDestroyParams = {"session_name": self._ref()}
        if forced:  # the 22.03 client sends it only when true
            params["forced"] = True
        if recursive:
            params["recursive"] = True
        if self.owner_access_key:
            params["owner_access_key"] = self.owner_access_key
        result = await _adapters.session_destroy(self._session().versioned, **params)
        self.status = "TERMINATED"
        return result

    async def restart(self) -> None:
        """Restart the session's kernels (scratch files are kept)."""
        await self._session().wire.session.restart(
            session_name=self._ref(), owner_access_key=self._owner()
        )

    async def rename(self, new_id: str) -> None:
        """Rename the (running) session."""
        check_session_name(new_id, what="new session name")
        await self._session().wire.session.rename_session(session_name=self._ref(), name=new_id)
        self.name = new_id

    async def interrupt(self) -> None:
        """Interrupt the code running now (may silently do nothing, depending on the code)."""
        await self._session().wire.session.interrupt(session_name=self._ref())

    async def complete(
        self, code: str, opts: Mapping[str, Any] | None = None
    ) -> models.CompleteResponseResult:
        """Completion candidates for *code* (``opts``: ``row``, ``col``, ``line``, ``post``)."""
        wire = self._session().versioned
        if opts:
            resp = await _adapters.session_complete(
                wire, session_name=self._ref(), code=code, options=dict(opts)
            )
        else:
            resp = await _adapters.session_complete(wire, session_name=self._ref(), code=code)
        return resp.result

    async def get_info(self) -> models.SessionInfo:
        """Information about the session (image, status, occupied slots, ...)."""
        return await self._session().wire.session.get_info(session_name=self._ref())

    async def get_logs(self) -> models.ContainerLogsResponse:
        """The container's console log: ``result.logs`` (``["result"]["logs"]``)."""
        return await self._session().wire.session.get_container_logs(
            session_name=self._ref(), owner_access_key=self._owner()
        )

    async def execute(
        self,
        run_id: str | None = None,
        code: str | None = None,
        mode: str = "query",
        opts: Mapping[str, Any] | None = None,
    ) -> ExecutionResult:
        """One step of the execution protocol (``mode``: query, batch, continue, input).

        Loop while ``result.status`` is ``continued`` (call again with ``mode="continue"``, the
        returned ``runId`` and ``code=""``); on ``waiting-input`` send the user's text with
        ``mode="input"``. The seed's spellings ``continued`` and ``user-input`` are accepted.
        """
        wire_mode = normalize_execute_mode(mode)
        if wire_mode == "complete":
            raise LocalArgumentError("use complete(code, opts) for completions")
        if wire_mode in ("continue", "input") and not run_id:
            raise LocalArgumentError(f"mode {wire_mode!r} needs the runId of the run it continues")
        options: dict[str, Any] | NotGiven = NOT_GIVEN
        if wire_mode == "batch":
            given = dict(opts or {})
            options = {
                "clean": given.get("clean"),
                "build": given.get("build"),
                "buildLog": bool(given.get("buildLog", given.get("build_log", False))),
                "exec": given.get("exec"),
            }
        resp = await self._session().wire.session.execute(
            session_name=self._ref(),
            mode=wire_mode,
            run_id=run_id,
            code=code if code is not None else "",
            options=options,
        )
        result = maybe(resp.result)
        if result is None:
            # The manager always answers {"result": {...}}; keep callers' loops simple anyway.
            return ExecutionResult.model_validate({"status": "finished", "runId": run_id})
        typed: ExecutionResult = validate_response(
            ExecutionResult, server_json(result), strict=bool(parsed_strictly(resp))
        )
        return typed

    async def upload(
        self,
        files: Sequence[str | os.PathLike[str]],
        basedir: str | os.PathLike[str] | None = None,
        show_progress: bool = False,
        *,
        progress: Callable[[int, int], None] | None = None,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
    ) -> None:
        """Upload small files (each under 1 MiB, at most 1000) into ``/home/work``.

        A file's place in the session is its path relative to *basedir* (default: the current
        directory); intermediate directories are created. The server takes 20 files per
        request: more go as several requests, up to *max_parallel* at once, and if some fail
        the others still complete and
        :class:`~ai_backend_client.transfer.PartialTransferError` lists the files of the failed
        ones. ``progress(sent, total)`` is called as bytes go out (``show_progress`` is kept for
        compatibility; the CLI draws bars).
        """
        await _session_files.upload(
            self._session(),
            self._ref(),
            files,
            basedir,
            progress=progress,
            max_parallel=max_parallel,
        )

    async def download(
        self,
        files: Sequence[str],
        dest: str | os.PathLike[str] = ".",
        show_progress: bool = False,
        *,
        overwrite: bool = False,
        progress: Callable[[int], None] | None = None,
        max_parallel: int = DEFAULT_MAX_PARALLEL,
    ) -> DownloadResult:
        """Download files (relative paths start at ``/home/work``; at most 1000) into *dest*.

        Each answer's tar archives are all checked before extraction: links, devices, paths that
        would leave *dest*, and more than ``max_extract_size`` bytes (or ``max_extract_ratio``
        times the bytes received) of the configuration are refused
        (:class:`~ai_backend_client.func._archive.UnsafeArchiveError`), and nothing of that
        answer is written. Existing files are kept unless *overwrite*
        (:class:`~ai_backend_client.transfer.TargetExistsError`), as vfolder downloads do. The
        server sends 5 files per request: more go as several requests, up to *max_parallel* at
        once (then no path may be given twice or lie inside another), and failures are reported
        as in :meth:`upload`. ``progress(received)`` counts the bytes of all answers.
        """
        return await _session_files.download(
            self._session(),
            self._ref(),
            files,
            Path(dest),
            overwrite=overwrite,
            progress=progress,
            max_parallel=max_parallel,
        )

    async def list_files(
        self, path: str | os.PathLike[str] = "."
    ) -> models.ListSessionFilesResponse:
        """List a directory of the session (``files`` is the agent's JSON text of entries)."""
        remote = Path(path).as_posix() if isinstance(path, os.PathLike) else str(path)
        return await self._session().wire.session.list_files(session_name=self._ref(), path=remote)

    async def stream_app_info(self) -> list[models.ServicePort]:
        """The app services (``jupyter``, ``sshd``, ...) the session offers."""
        resp = await self._session().wire.stream.get_stream_apps(session_name=self._stream_ref())
        return resp.root

    async def start_service(
        self,
        app: str,
        *,
        port: int | None = None,
        envs: Mapping[str, str] | None = None,
        arguments: Mapping[str, Any] | None = None,
    ) -> models.StartServiceResponse:
        """Start an app service and get a wsproxy token for it (wsproxy v2 flow)."""
        import json

        resp = await self._session().wire.session.start_service(
            session_name=self._ref(),
            app=app,
            port=port if port is not None else NOT_GIVEN,
            envs=json.dumps(dict(envs)) if envs else NOT_GIVEN,
            arguments=json.dumps(dict(arguments)) if arguments else NOT_GIVEN,
        )
        return resp

    # -- streams -----------------------------------------------------------------------------
    def listen_events(self, scope: EventScope = "*") -> AsyncSessionEventStream:
        """Lifecycle events of this session (SSE; reconnects after the server's ``retry:``).

        A context manager to iterate: ``with``/``for`` on a ``Session``, ``async with``/``async
        for`` on an ``AsyncSession``; each event has ``.event``, ``.session_id``, ``.reason``...
        """
        if scope not in ("*", "session", "kernel"):
            raise LocalArgumentError(
                f"event scope must be '*', 'session' or 'kernel', not {scope!r}"
            )
        return AsyncStreams.session_events(
            self._session(),
            # by name: 26.09 ignores ``sessionId`` (the stream then filters by it)
            session_name=self.name,
            session_id=str(self.id) if self.id is not None else None,
            owner_access_key=self.owner_access_key,
            scope=scope,
        )

    stream_events = listen_events

    def stream_execute(
        self: AsyncWebSocketOwner,
        code: str = "",
        *,
        mode: str = "query",
        opts: Mapping[str, Any] | None = None,
        input_handler: InputHandler | None = None,
    ) -> AbstractAsyncContextManager[AsyncExecuteStream]:
        """Run *code* over a WebSocket; the socket is the run, so there is no runId.

        Needs an ``AsyncSession`` (on a blocking ``Session`` the call is a type error):
        ``async with kern.stream_execute(code) as stream: async for result in stream: ...``;
        on ``waiting-input`` answer with ``await stream.send_text(text)`` (or pass
        ``input_handler``). Frames are typed results that also read like aiohttp messages.
        """
        if mode not in ("query", "batch"):
            raise LocalArgumentError(
                f"streaming execution supports 'query' and 'batch', not {mode!r}"
            )
        options: dict[str, Any] | None = None
        if mode == "batch":
            given = dict(opts or {})
            options = {
                "clean": given.get("clean"),
                "build": given.get("build"),
                "buildLog": bool(given.get("buildLog", False)),
                "exec": given.get("exec"),
            }
        kern = cast(ComputeSession, self)  # the protocol self type guards only the call site
        return AsyncStreams.execute(
            kern._session(),
            kern._stream_ref(),
            code,
            mode="batch" if mode == "batch" else "query",
            options=options,
            input_handler=input_handler,
        )

    def stream_pty(self: AsyncWebSocketOwner) -> AbstractAsyncContextManager[AsyncStreamPty]:
        """Attach to the session's terminal: ``StreamPty`` with ``send_stdin``, ``resize``,
        ``ping``, ``restart``; iterate it for output bytes. Needs an ``AsyncSession``."""
        kern = cast(ComputeSession, self)  # the protocol self type guards only the call site
        return AsyncStreams.pty(kern._session(), kern._stream_ref())

    def stream_proxy(
        self: AsyncWebSocketOwner,
        app: str,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        protocol: Literal["http", "tcp"] = "http",
        envs: Mapping[str, str] | None = None,
        arguments: Mapping[str, object] | None = None,
    ) -> AsyncAppProxy:
        """A local TCP listener relaying each connection to *app* (``backend.ai app``).
        Needs an ``AsyncSession``."""
        kern = cast(ComputeSession, self)  # the protocol self type guards only the call site
        return AsyncStreams.app_proxy(
            kern._session(),
            kern._ref(),
            app,
            host=host,
            port=port,
            protocol=protocol,
            envs=envs,
            arguments=arguments,
        )

    # -- history, dependencies, images, updates (24.09 and later) ---------------------------
    async def get_status_history(self) -> models.SessionStatusHistory:
        """When the session entered each status (``{"PENDING": "<ISO time>", ...}``)."""
        return await _adapters.session_status_history(
            self._session(), self._ref(), str(self.id) if self.id is not None else None
        )

    async def get_dependency_graph(self) -> models.DependencyGraph:
        """The session and, recursively, the sessions it depends on (``depends_on``)."""
        return await self._session().wire.session.get_dependency_graph(session_name=self._ref())

    async def commit(self) -> models.CommitSessionResponse:
        """Commit the running session's container to a tar file on the agent host (the
        agent's answer, e.g. a ``bgtask_id`` to follow with ``BackgroundTask``)."""
        return await self._session().wire.session.commit_session(session_name=self._ref())

    async def get_commit_status(self) -> models.CommitStatusResponse:
        """Whether a commit of the session is running (``ready`` / ``ongoing``)."""
        return await self._session().wire.session.get_commit_status(session_name=self._ref())

    async def export_to_image(
        self, new_image_name: str
    ) -> models.ConvertSessionToImageResponseModel:
        """Commit the session to a new image and push it to the project's registry (a
        background task: ``task_id``). The server needs per-user image commit set up."""
        if not new_image_name:
            raise LocalArgumentError("a new image name is required")
        return await self._session().wire.session.convert_session_to_image(
            session_name=self._ref(), image_name=new_image_name
        )

    async def update(
        self, *, name: str | None = None, priority: int | None = None
    ) -> gql.ComputeSessionModifyModifyComputeSessionItem:
        """Rename the session and/or set its scheduling priority (0-100; the server may clamp
        it by resource policy), through GraphQL ``modify_compute_session``."""
        if name is None and priority is None:
            raise LocalArgumentError("nothing to update: give name and/or priority")
        if priority is not None and not 0 <= priority <= 100:
            raise LocalArgumentError(f"priority must be between 0 and 100, not {priority}")
        if name is not None:
            check_session_name(name, what="new session name")
        session = self._session()
        session_id = self.id
        if session_id is None:  # the dependency graph names the session's id
            graph = await session.wire.session.get_dependency_graph(session_name=self._ref())
            session_id = UUID(graph.session_id)
        answer = await session.graphql.compute_session_modify(
            input=inputs(
                gql.ModifyComputeSessionInput,
                id=str(session_id),
                name=name,
                priority=priority,
                clientMutationId=secrets.token_urlsafe(16),
            )
        )
        payload = answer.modify_compute_session
        if payload is None or payload.item is None:
            raise GraphQLError(
                [{"message": "modify_compute_session: the server returned no session"}]
            )
        if name is not None:
            self.name = name
        return payload.item


def _as_uuid(value: object) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def _created(name: str, answer: object) -> str:
    """``the server created session 'x' (ID ...)`` from what is known of a creation answer."""
    fields = cast("dict[str, object]", answer) if isinstance(answer, dict) else {}
    sid = _as_uuid(fields.get("sessionId"))
    return f"the server created session {name!r}" + (f" (ID {sid})" if sid else "")


def _explain_not_found(
    error: NotFoundError, image: str | None
) -> BackendClientError | NotFoundError:
    """An unknown image gets one clear message instead of the raw 404."""
    text = f"{error.title or ''} {error.message or ''}".lower()
    if image is not None and ("image" in text or "alias" in text or "registry" in text):
        return UnknownImageError(image, error)
    return error
