"""A manager on loopback whose answers drift from the spec, as other server builds' answers do.

It answers the main seed calls (sessions, execution over REST and the streaming WebSocket, files,
folders, invitations, the GraphQL lists and details, manager status, presets, templates,
dotfiles) with the shapes a real 24.09 manager sends (recorded from the local 24.09.6 stack), or
a 22.03 one with ``version="v6.20220315"``, but changed the way other builds change them: fields
missing, spelled in the other casing, extra fields, another scalar type (numbers as strings,
strings as numbers, objects where a JSON string was promised) and null lists. Every answer a
seed call parses has at least one change its model cannot take, so the call succeeds only when
answers are read leniently.

It is a real HTTP/1.1 server (``http.server`` in a thread) with a minimal RFC 6455 WebSocket for
the streaming execute. Requests are not signature-checked; every request is recorded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["DriftServer", "Recorded", "drift_server"]

GROUP_ID = "2de2b969-1d04-48a6-af16-0bc8adb3c831"
USER_ID = "f38dea23-50fa-42a0-b5ae-338f5f4693f4"
ADMIN_EMAIL = "admin@lablup.com"
TIMESTAMP = "2024-09-15T09:47:48.135194+00:00"
IMAGE = "cr.backend.ai/stable/python:3.9-ubuntu20.04"
_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class _Session:
    id: str
    name: str
    status: str = "RUNNING"


@dataclass
class _Folder:
    id: str
    name: str
    host: str = "local:volume1"


@dataclass
class DriftServer:
    """State and answers; :func:`drift_server` runs it on a free loopback port."""

    version: str = "v8.20240915"
    url: str = ""
    requests: list[Recorded] = field(default_factory=lambda: [])
    sessions: dict[str, _Session] = field(default_factory=lambda: {})
    folders: dict[str, _Folder] = field(default_factory=lambda: {})
    invitations: list[dict[str, Any]] = field(default_factory=lambda: [])
    #: ``is_admin`` of the caller's keypair (``KeyPair.info``)
    is_admin: bool = True
    #: status code of ``GET /license`` (the open-source manager has no such route)
    license_status: int = 404
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.folders["shared-data"] = _Folder("8f1ab2f4c2d94d2d8a6b1b8e0c1f2a3b", "shared-data")
        self.invitations += [
            {
                "id": "b7a2b8f0-3c7d-4b2a-9c55-0b5bb7d0e001",
                "inviter": "user2@lablup.com",
                "invitee": ADMIN_EMAIL,
                "perm": "rw",
                "state": "pending",
                "created_at": 1726393668,  # a number where a string is promised
                "modified_at": None,
                "vfolder_id": "3a9e1b6a71d2461f9f0e6a8c2b7d4e55",
                "vfolder_name": "team-data",
            },
            {
                "id": "b7a2b8f0-3c7d-4b2a-9c55-0b5bb7d0e002",
                "inviter": "user3@lablup.com",
                "invitee": ADMIN_EMAIL,
                "perm": "ro",
                "state": "pending",
                "created_at": "2024-09-15T09:47:49+00:00",
                "vfolder_id": "5c0d2e7f0a1b4c3d9e8f7a6b5c4d3e21",
                "vfolder_name": "papers",
            },
        ]

    @property
    def v6(self) -> bool:
        return self.version.startswith("v6.")

    def add_session(self, name: str) -> _Session:
        """A running session *name* (kept if it exists)."""
        with self._lock:
            sess = self._find_session(name) or _Session(str(uuid.uuid4()), name)
            self.sessions[sess.id] = sess
        return sess

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # -- dispatch ------------------------------------------------------------------------
    def answer(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        """(status, JSON body or ``None`` for no content) of one request."""
        with self._lock:
            self.requests.append(Recorded(method, path, query, body))
        for route_method, pattern, handler in self._routes():
            if route_method != method:
                continue
            match = re.fullmatch(pattern, path)
            if match:
                return handler(*[unquote(g) for g in match.groups()], query=query, body=body)
        return 404, _problem("object-not-found", f"no route for {method} {path}")

    def _routes(self) -> list[tuple[str, str, Callable[..., tuple[int, Any]]]]:
        return [
            ("GET", r"/", self._hello),
            ("GET", r"/license", self._license),
            ("POST", r"/admin/gql", self._graphql),
            ("POST", r"/session", self._create_session),
            ("GET", r"/session/([^/]+)", self._session_info),
            ("POST", r"/session/([^/]+)", self._execute),
            ("DELETE", r"/session/([^/]+)", self._destroy),
            ("GET", r"/session/([^/]+)/logs", self._logs),
            ("GET", r"/session/([^/]+)/files", self._session_files),
            ("POST", r"/session/([^/]+)/complete", self._complete),
            ("GET", r"/stream/session/([^/]+)/apps", self._apps),
            ("POST", r"/folders", self._create_folder),
            ("GET", r"/folders", self._list_folders),
            ("GET", r"/folders/_/hosts", self._hosts),
            ("GET", r"/folders/_/all-hosts", self._all_hosts),
            ("GET", r"/folders/_/allowed-types", self._allowed_types),
            ("GET", r"/folders/invitations/list", self._invitations),
            ("POST", r"/folders/invitations/accept", self._accept_invitation),
            ("DELETE", r"/folders/invitations/delete", self._delete_invitation),
            ("POST", r"/folders/invitations/delete", self._delete_invitation),
            ("POST", r"/folders/delete-from-trash-bin", self._no_content),
            ("GET", r"/folders/([^/_][^/]*)", self._folder_info),
            ("DELETE", r"/folders/([^/_][^/]*)", self._delete_folder),
            ("POST", r"/folders/([^/]+)/mkdir", self._mkdir),
            ("GET", r"/folders/([^/]+)/files", self._folder_files),
            ("GET", r"/manager/status", self._manager_status),
            ("GET", r"/manager/announcement", self._announcement),
            ("GET", r"/resource/presets", self._presets),
            ("POST", r"/resource/check-presets", self._check_presets),
            ("GET", r"/scaling-groups", self._scaling_groups),
            ("GET", r"/template/session", self._templates),
            ("GET", r"/user-config/dotfiles", self._dotfiles),
        ]

    # -- REST ----------------------------------------------------------------------------
    def _hello(self, **_: Any) -> tuple[int, Any]:
        # ``manager`` missing (a proxy in front of the manager answered), and an extra key
        return 200, {"version": self.version, "build": "drift"}

    def _license(self, **_: Any) -> tuple[int, Any]:
        if self.license_status == 200:
            return 200, {"status": "valid", "certificate": {"licensee": "Lablup", "seats": "5"}}
        return self.license_status, _problem("object-not-found", "Not Found")

    def _find_session(self, ref: str) -> _Session | None:
        for s in self.sessions.values():
            if ref in (s.name, s.id):
                return s
        return None

    def _create_session(self, *, body: Any, **_: Any) -> tuple[int, Any]:
        name = str((body or {}).get("name") or (body or {}).get("clientSessionToken") or "s")
        with self._lock:
            existing = self._find_session(name)
            sess = existing or _Session(str(uuid.uuid4()), name)
            self.sessions[sess.id] = sess
        return (200 if existing else 201), {
            "sessionId": sess.id,
            "session_name": sess.name,  # the other casing
            "status": sess.status,
            "servicePorts": [
                {"name": "jupyter", "protocol": "http", "ports": "8080"},  # string, not a list
                {"name": "ttyd", "protocol": "http", "ports": [7681]},
            ],
            "created": existing is None,
            "agentList": ["i-dummy-agent"],  # extra
        }

    def _session_info(self, ref: str, **_: Any) -> tuple[int, Any]:
        sess = self._find_session(ref)
        if sess is None:
            return 404, _problem("session-not-found", "No such session.")
        return 200, {
            "domainName": "default",
            "groupId": GROUP_ID,
            "userId": USER_ID,
            "lang": IMAGE,
            "image": IMAGE,
            "architecture": "x86_64",
            "registry": "cr.backend.ai",
            "tag": None,
            "containerId": "krunner-14817",
            # an object where str() of a Python mapping is promised (as newer builds send)
            "occupiedSlots": {"cpu": "1", "mem": "335544320"},
            "occupiedShares": "{}",
            "environ": "{}",
            "status": sess.status,
            "statusInfo": "",
            "statusData": None,
            "age": "12.5",  # a fractional string where an integer is promised
            "creationTime": TIMESTAMP,
            "terminationTime": None,
            "numQueriesExecuted": "3",
            "lastStat": {"cpu_used": {"current": "10", "capacity": None}},
        }

    def _execute(self, ref: str, *, body: Any, **_: Any) -> tuple[int, Any]:
        if self._find_session(ref) is None:
            return 404, _problem("session-not-found", "No such session.")
        code = str((body or {}).get("code") or "")
        return 200, {
            "result": {
                "status": "finished",
                "runId": (body or {}).get("runId") or uuid.uuid4().hex,
                "exitCode": "0",
                "options": [],  # a list where an object is promised
                "files": None,
                "console": [["stdout", _output_of(code)]],
            }
        }

    def _destroy(self, ref: str, **_: Any) -> tuple[int, Any]:
        with self._lock:
            sess = self._find_session(ref)
            if sess is None:
                return 404, _problem("session-not-found", "No such session.")
            del self.sessions[sess.id]
        # a string where the statistics object is promised (v8 takes any value here)
        return 200, {"stats": "terminated"}

    def _logs(self, ref: str, **_: Any) -> tuple[int, Any]:
        if self._find_session(ref) is None:
            return 404, _problem("session-not-found", "No such session.")
        return 200, {"result": {"logs": ["line 1\n", "line 2\n"]}}  # lines, not one string

    def _session_files(self, ref: str, *, query: dict[str, list[str]], **_: Any) -> tuple[int, Any]:
        if self._find_session(ref) is None:
            return 404, _problem("session-not-found", "No such session.")
        entries = [
            {"mode": "-rw-r--r--", "size": "220", "mtime": 1726393668.4, "filename": ".bashrc"},
            {"mode": "drwxr-xr-x", "size": 4096, "mtime": 1726393668.4, "filename": "data"},
        ]
        # the entries as a JSON array instead of a JSON text
        return 200, {"files": entries, "errors": None, "abspath": query.get("path", ["."])[0]}

    def _complete(self, ref: str, **_: Any) -> tuple[int, Any]:
        return 200, {"result": ["print", "printf"]}  # the candidates without their envelope

    def _apps(self, ref: str, **_: Any) -> tuple[int, Any]:
        return 200, [
            {"name": "jupyter", "protocol": "http", "ports": 8080},  # a number, not a list
            {"name": "ttyd", "protocol": "http", "ports": [7681], "is_inference": "no"},
        ]

    def _folder(self, name: str, **extra: Any) -> dict[str, Any]:
        f = self.folders[name]
        return {
            "name": f.name,
            "id": f.id,
            "host": f.host,
            "quota_scope_id": f"user:{USER_ID}",
            "usage_mode": "general",
            "permission": "rw",
            "user": USER_ID,
            "group": None,
            "creator": ADMIN_EMAIL,
            "ownership_type": "user",
            "type": "user",
            "cloneable": False,
            "status": "ready",
            **extra,
        }

    def _create_folder(self, *, body: Any, **_: Any) -> tuple[int, Any]:
        name = str((body or {}).get("name"))
        with self._lock:
            self.folders[name] = _Folder(uuid.uuid4().hex, name)
        return 201, self._folder(name, max_size="unlimited")  # a word where a number is promised

    def _list_folders(self, **_: Any) -> tuple[int, Any]:
        return 200, [
            self._folder(
                name,
                created_at=1726393669.57,  # a number where a string is promised
                is_owner="true",
                max_files="1000",
                max_size=None,
                cur_size="0",
                user_email=ADMIN_EMAIL,
                group_name=None,
            )
            for name in sorted(self.folders)
        ]

    def _hosts(self, **_: Any) -> tuple[int, Any]:
        return 200, {
            "default": "local:volume1",
            "allowed": "local:volume1",  # one string instead of a list
            "volume_info": {"local:volume1": {"backend": "vfs", "capabilities": ["vfolder"]}},
        }

    def _all_hosts(self, **_: Any) -> tuple[int, Any]:
        return 200, {"default": "local:volume1", "allowed": "local:volume1"}

    def _allowed_types(self, **_: Any) -> tuple[int, Any]:
        return 200, ["user", "group", {"name": "project"}]  # a newer build describes one

    def _folder_info(self, name: str, **_: Any) -> tuple[int, Any]:
        if name not in self.folders:
            return 404, _problem("vfolder-not-found", "No such vfolder.")
        return 200, self._folder(
            name,
            numFiles="1",
            used_bytes="4096",
            created_at=1726393669.57,  # a number where a string is promised
            last_used=TIMESTAMP,
            is_owner=True,
            max_size=None,
        )

    def _delete_folder(self, name: str, **_: Any) -> tuple[int, Any]:
        with self._lock:
            if self.folders.pop(name, None) is None:
                return 404, _problem("vfolder-not-found", "No such vfolder.")
        return 204, None

    def _no_content(self, **_: Any) -> tuple[int, Any]:
        return 204, None

    def _mkdir(self, name: str, *, body: Any, **_: Any) -> tuple[int, Any]:
        paths = (body or {}).get("path")
        items = paths if isinstance(paths, list) else [paths]
        return 200, {"results": {"success": items, "failed": None}}  # bare names, null list

    def _folder_files(self, name: str, **_: Any) -> tuple[int, Any]:
        if name not in self.folders:
            return 404, _problem("vfolder-not-found", "No such vfolder.")
        listing = [{"filename": "d1", "size": 4096, "mode": "drwxr-xr-x", "mtime": 1726393669.6}]
        return 200, {
            "items": [
                {
                    "name": "d1",
                    "type": "DIRECTORY",
                    "size": "4096",
                    "mode": 16877,  # the number a 26.09 storage proxy sends
                    "created": TIMESTAMP,
                    "modified": TIMESTAMP,
                },
            ],
            "files": json.dumps(listing),
        }

    def _invitations(self, **_: Any) -> tuple[int, Any]:
        return 200, {"invitations": list(self.invitations)}

    def _take_invitation(self, body: Any) -> tuple[int, Any]:
        inv_id = (body or {}).get("inv_id")
        with self._lock:
            before = len(self.invitations)
            self.invitations[:] = [i for i in self.invitations if i["id"] != inv_id]
            if len(self.invitations) == before:
                return 404, _problem("object-not-found", "No such invitation.")
        return 200, {}

    def _accept_invitation(self, *, body: Any, **_: Any) -> tuple[int, Any]:
        return self._take_invitation(body)

    def _delete_invitation(self, *, body: Any, **_: Any) -> tuple[int, Any]:
        return self._take_invitation(body)

    def _manager_status(self, **_: Any) -> tuple[int, Any]:
        return 200, {
            "nodes": [
                {
                    "id": "i-vm",
                    "num_proc": "1",
                    "service_addr": "127.0.0.1:8091",
                    "heartbeat_timeout": "40.0",
                    "ssl_enabled": False,
                    "active_sessions": 0,
                    "status": "running",
                    "version": "22.03.9",
                    "api_version": self.version,  # one string instead of [major, date]
                }
            ],
            "status": "running",
            "active_sessions": "0",
        }

    def _announcement(self, **_: Any) -> tuple[int, Any]:
        return 200, {"enabled": "disabled", "message": None}  # a word where a boolean is

    def _presets(self, **_: Any) -> tuple[int, Any]:
        return 200, {
            "presets": [
                {"name": "cpu01-small", "shared_memory": None, "resource_slots": "cpu=1,mem=1g"},
                {
                    "name": "cpu02-medium",
                    "shared_memory": "64m",
                    "resource_slots": {"cpu": "4", "mem": "8589934592"},
                },
            ]
        }

    def _check_presets(self, **_: Any) -> tuple[int, Any]:
        return 200, {
            "keypair_limits": {"cpu": "Infinity", "mem": "Infinity"},
            "keypair_using": {"cpu": "0", "mem": "0"},
            "keypair_remaining": {"cpu": "Infinity", "mem": "Infinity"},
            "scaling_group_remaining": {"cpu": "8", "mem": "17179869184"},
            "scaling_groups": {"default": {"using": "0", "remaining": {"cpu": "8"}}},
            "presets": [
                {
                    "name": "cpu01-small",
                    "resource_slots": {"cpu": "1", "mem": "1073741824"},
                    "shared_memory": None,
                    "allocatable": True,
                }
            ],
        }

    def _scaling_groups(self, **_: Any) -> tuple[int, Any]:
        return 200, {"scaling_groups": ["default"]}  # names instead of objects

    def _templates(self, **_: Any) -> tuple[int, Any]:
        return 200, [
            {
                "name": "nightly",
                "id": "1f5b6b0e-8e0a-4a7e-9c3b-2d4f6a8b0c1d",
                "created_at": TIMESTAMP,
                "is_owner": True,
                "user": USER_ID,
                "group": GROUP_ID,
                "user_email": ADMIN_EMAIL,
                "group_name": "default",
                "domain_name": "default",
                "type": "task",
                "template": "{'kind': 'taskTemplate'}",  # text where an object is promised
            }
        ]

    def _dotfiles(self, **_: Any) -> tuple[int, Any]:
        return 200, [{"path": ".bashrc", "permission": 420, "data": "export A=1\n"}]

    # -- GraphQL -------------------------------------------------------------------------
    def _graphql(self, *, body: Any, **_: Any) -> tuple[int, Any]:
        query = str((body or {}).get("query", ""))
        variables = (body or {}).get("variables") or {}
        match = re.search(r"\{\s*(\w+)", query)
        root = match.group(1) if match else ""
        answer = self._graphql_root(root, variables)
        if answer is None:
            return 200, {"data": None, "errors": [{"message": f"drift: no field {root}"}]}
        return 200, {"data": {root: answer}}

    def _graphql_root(self, root: str, variables: dict[str, Any]) -> Any:
        agent = {
            "id": "i-dummy-agent",
            "status": "ALIVE",
            "status_changed": None,
            "architecture": "x86_64",
            "scaling_group": "default",
            "schedulable": True,
            "region": "local",
            "addr": "tcp://127.0.0.1:6011",
            "version": "24.09.6",
            "first_contact": TIMESTAMP,
            "lost_at": None,
            "cpu_cur_pct": "n/a",  # a word where a number is promised
            "mem_cur_bytes": "0",
            "available_slots": '{"cpu": "8", "mem": "17179869184"}',
            "occupied_slots": {},  # already decoded, not a JSON string
            "container_count": "0",
            "hardware_metadata": "{}",
            "live_stat": '{"node": {}, "devices": {}}',
            "compute_plugins": '{"cpu": {"version": "24.09.6"}}',
        }
        volume = {
            "id": "local:volume1",
            "backend": "vfs",
            "capabilities": "vfolder",  # one string instead of a list
            "path": "/vfroot/local/volume1",
            "fsprefix": ".",
            "hardware_metadata": '{"status": "healthy"}',
            "performance_metric": "{}",
            "usage": '{"capacity_bytes": 270553174016, "used_bytes": 188541452288}',
        }
        keypair = {
            "user_id": ADMIN_EMAIL,
            "user_info": {"email": ADMIN_EMAIL, "full_name": "Admin Lablup"},
            "access_key": "AKIAIOSFODNN7EXAMPLE",
            "is_active": True,
            "is_admin": self.is_admin,
            "created_at": TIMESTAMP,
            "last_used": None,
            "resource_policy": "default",
            "rate_limit": "unlimited",  # a word where a number is promised
            "concurrency_used": "0",
            "num_queries": "70",
        }
        if root == "agent_list":
            return {"items": [agent], "total_count": "1"}
        if root == "agent":
            return agent
        if root == "storage_volume_list":
            return {"items": [volume], "total_count": 1}
        if root == "storage_volume":
            return volume
        if root == "keypair":
            return keypair
        if root == "keypairs":
            return [keypair]
        if root == "keypair_list":
            return {"items": [keypair], "total_count": "1"}
        if root == "create_keypair":
            # no ``ok``: a build that reports success by the keypair alone
            return {
                "msg": "success",
                "keypair": dict(
                    keypair,
                    user_id=variables.get("user_id"),
                    access_key="AKIADRIFTNEWKEY00001",
                    secret_key="drift-secret-of-the-new-keypair",
                    is_admin=False,
                ),
            }
        if root == "compute_session_list":
            items = [self._gql_session(s) for s in self.sessions.values()]
            return {"items": items, "total_count": str(len(items))}
        if root == "compute_session":
            sess = self._find_session(str(variables.get("id", "")))
            return self._gql_session(sess, detail=True) if sess is not None else None
        if root == "images":
            return [
                {
                    "name": "stable/python",
                    "humanized_name": "stable/python",
                    "registry": "cr.backend.ai",
                    "architecture": "x86_64",
                    "tag": "3.9-ubuntu20.04",
                    "digest": "sha256:" + "0" * 63 + "1",
                    "size_bytes": "1000000",
                    "aliases": None,  # a null list
                    "installed": "true",
                    "resource_limits": [{"key": "cpu", "min": 1, "max": None}],  # number for text
                    "supported_accelerators": [""],
                }
            ]
        if root == "domains":
            return [
                {
                    "name": "default",
                    "description": "The default domain",
                    "is_active": True,
                    "created_at": TIMESTAMP,
                    "total_resource_slots": "{}",
                    "allowed_vfolder_hosts": '{"local:volume1": ["create-vfolder"]}',
                    "allowed_docker_registries": "cr.backend.ai",  # one string, not a list
                    "integration_id": None,
                }
            ]
        if root == "groups":
            return [
                {
                    "id": GROUP_ID,
                    "name": "default",
                    "description": "The default user group",
                    "is_active": True,
                    "created_at": "yesterday",  # not a timestamp
                    "domain_name": "default",
                    "total_resource_slots": "{}",
                    "allowed_vfolder_hosts": "{}",
                    "integration_id": None,
                }
            ]
        if root in ("users", "user_list"):
            users = [
                {
                    "uuid": USER_ID,
                    "username": "admin",
                    "email": ADMIN_EMAIL,
                    "full_name": "Admin Lablup",
                    "role": "superadmin",
                    "status": "active",
                    "status_info": "admin-requested",
                    "need_password_change": False,
                    "description": "Lablup's Admin Account",
                    "created_at": TIMESTAMP,
                    "domain_name": "default",
                    "groups": [{"id": GROUP_ID, "name": "default"}, "model-store"],  # a bare name
                }
            ]
            return users if root == "users" else {"items": users, "total_count": 1}
        if root == "keypair_resource_policies":
            return [
                {
                    "name": "default",
                    "created_at": TIMESTAMP,
                    "default_for_unspecified": "UNLIMITED",
                    "total_resource_slots": "{}",
                    "max_session_lifetime": 0,
                    "max_concurrent_sessions": "5",
                    "max_containers_per_session": 1,
                    "idle_timeout": 3600,
                    "max_vfolder_count": "unlimited",  # a word where a number is promised
                    "max_vfolder_size": None,
                    "allowed_vfolder_hosts": "{}",
                }
            ]
        return None

    def _gql_session(self, sess: _Session, *, detail: bool = False) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": sess.id,
            "session_id": sess.id,
            "name": sess.name,
            "type": "INTERACTIVE",
            "image": IMAGE,
            "tag": None,
            "architecture": "x86_64",
            "cluster_mode": "SINGLE_NODE",
            "cluster_size": "1",
            "domain_name": "default",
            "group_name": "default",
            "group_id": GROUP_ID,
            "user_email": ADMIN_EMAIL,
            "access_key": "AKIAIOSFODNN7EXAMPLE",
            "scaling_group": "default",
            "status": sess.status,
            "status_info": {"reason": "scheduled"},  # an object where text is promised
            "status_changed": TIMESTAMP,
            "created_at": TIMESTAMP,
            "terminated_at": None,
            "result": "UNDEFINED",
            "occupied_slots": '{"cpu": "1", "mem": "335544320"}',
            "requested_slots": {"cpu": "1"},
        }
        if detail:
            item.update(
                status_data="{}",
                resource_opts="{}",
                service_ports="[]",
                mounts=None,  # a null list
                dependencies=None,
                containers=[
                    {
                        "id": "c0ffee00-0000-4000-8000-000000000001",
                        "cluster_role": "main",
                        "cluster_idx": "main1",  # text where a number is promised
                        "cluster_hostname": "main1",
                        "session_id": sess.id,
                        "image": IMAGE,
                        "registry": "cr.backend.ai",
                        "status": "RUNNING",
                        "status_info": None,
                        "status_data": "{}",
                        "status_changed": TIMESTAMP,
                        "agent": "i-dummy-agent",
                        "container_id": "krunner-14817",
                        "resource_opts": "{}",
                        "occupied_slots": '{"cpu": "1", "mem": "335544320"}',
                        "live_stat": '{"cpu_util": {"current": "1.5"}}',
                        "last_stat": None,
                    }
                ],
            )
        return item

    # -- the streaming execute (one WebSocket per run) -----------------------------------
    def execute_frames(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        code = str(request.get("code") or "")
        if request.get("mode") == "batch":
            yield {"status": "build-finished", "console": [], "runId": None}
        yield {
            "status": "finished",
            "console": [["stdout", _output_of(code)]],
            "exitCode": 0,
            "options": None,
            "served_by": "drift",  # extra
        }


def _problem(slug: str, title: str) -> dict[str, Any]:
    return {"type": f"https://api.backend.ai/probs/{slug}", "title": title}


def _output_of(code: str) -> str:
    """What ``print("...")`` would write, for the few snippets the tests run."""
    match = re.fullmatch(r"""\s*print\((['"])(.*)\1\)\s*""", code)
    return (match.group(2) + "\n") if match else ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        return raw

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self._websocket(parts.path, query)
            return
        body = self._read_body()
        if body is None and query and self.command in ("GET", "DELETE"):
            body = {k: v[0] for k, v in query.items()}
        status, data = self.server.drift.answer(self.command, parts.path, query, body)
        payload = b"" if data is None else json.dumps(data).encode()
        self.send_response(status)
        if data is not None:
            ctype = "application/problem+json" if status >= 400 else "application/json"
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _handle

    # RFC 6455, as much as the streaming execute needs (server frames unmasked, no extensions)
    def _websocket(self, path: str, query: dict[str, list[str]]) -> None:
        drift = self.server.drift
        with drift._lock:
            drift.requests.append(Recorded("WS", path, query, None))
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        opcode, data = self._read_frame()
        request = json.loads(data) if opcode == 1 else {}
        if not re.fullmatch(r"/stream/session/[^/]+/execute", path):
            self._send_frame(8, struct.pack("!H", 1008) + b"unknown stream")
            return
        for frame in drift.execute_frames(request):
            self._send_frame(1, json.dumps(frame).encode())
        self._send_frame(8, struct.pack("!H", 1000))
        self.close_connection = True

    def _read_frame(self) -> tuple[int, bytes]:
        head = self.rfile.read(2)
        if len(head) < 2:
            return 8, b""
        opcode = head[0] & 0x0F
        length = head[1] & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.rfile.read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self.rfile.read(8))
        mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
        payload = bytearray(self.rfile.read(length))
        for i in range(len(payload)):
            payload[i] ^= mask[i % 4]
        return opcode, bytes(payload)

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack("!H", n)
        else:
            head += bytes([127]) + struct.pack("!Q", n)
        self.wfile.write(head + payload)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    drift: DriftServer


@contextmanager
def drift_server(version: str = "v8.20240915") -> Iterator[DriftServer]:
    """A :class:`DriftServer` listening on ``127.0.0.1`` (a free port) while in the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    drift = DriftServer(version=version)
    server.drift = drift
    drift.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.02,), name="drift-server", daemon=True
    )
    thread.start()
    try:
        yield drift
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
