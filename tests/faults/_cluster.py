"""A fake Backend.AI manager and storage proxy on one :class:`FaultServer`, with scripted faults.

It speaks what the SDK's transfers use, over real loopback sockets: the version probe, vfolder
``request-upload`` / ``request-download`` / ``files``, tus ``HEAD`` and ``PATCH`` with a JWT-like
token, ranged ``GET`` downloads with ETag/Last-Modified/If-Range (as aiohttp's FileResponse, which
the 24.09 storage proxy uses), zip archives, and the compute-session ``download`` (multipart/mixed
of tar archives). Any other route can be added with :meth:`Cluster.route`.

Faults are queued per request kind (``patch_faults``, ``head_faults``, ``get_faults``): each
request takes the next one; a fault answers the request itself (returns ``True``) or changes the
state and lets the normal handling go on (returns ``False``).
"""

from __future__ import annotations

import email.utils
import hashlib
import io
import posixpath
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._server import Conn, FaultServer, Request

__all__ = ["Cluster", "Fault", "multipart_mixed", "tar_of"]

VFOLDER = "vf"
#: Looks like a storage-proxy JWT; tests check that no log line, repr or error shows it.
TOKEN_PREFIX = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu"

Fault = Callable[[Request, Conn, "Cluster"], bool]


@dataclass
class Upload:
    path: str
    size: int
    data: bytearray = field(default_factory=bytearray)


class Cluster:
    """A manager + storage proxy; ``files`` is the content of the vfolder ``vf``."""

    def __init__(self, *, version: str = "v8.20240915", server: Any = None) -> None:
        self.version = version
        self.files: dict[str, bytes] = {}
        self.mtimes: dict[str, int] = {}
        self.uploads: dict[str, Upload] = {}
        self.downloads: dict[str, tuple[str, bool]] = {}
        self.listing_sizes = True
        self.honour_if_range = True
        self.patch_faults: list[Fault] = []
        self.head_faults: list[Fault] = []
        self.get_faults: list[Fault] = []
        self.session_parts: list[bytes] = []
        self.tokens: list[str] = []
        self._routes: dict[tuple[str, str], Callable[[Request, Conn], None]] = {}
        self.server: FaultServer = server or FaultServer(self.handle)

    # -- set-up -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()

    def route(self, method: str, path: str, handler: Callable[[Request, Conn], None]) -> None:
        """Answer *method* (``"*"``: any) on *path* with *handler*."""
        self._routes[(method, path)] = handler

    def put_file(self, path: str, data: bytes) -> None:
        self.files[path] = data
        self.mtimes[path] = self.mtimes.get(path, 1_700_000_000) + 100

    def etag(self, path: str) -> str:
        return '"' + hashlib.sha1(self.files[path]).hexdigest()[:16] + '"'

    def last_modified(self, path: str) -> str:
        return email.utils.formatdate(self.mtimes[path], usegmt=True)

    def _token(self) -> str:
        token = f"{TOKEN_PREFIX}.{len(self.tokens) + 1:04d}"
        self.tokens.append(token)
        return token

    # -- dispatch -----------------------------------------------------------------------------
    def handle(self, req: Request, conn: Conn) -> None:
        custom = self._routes.get((req.method, req.path)) or self._routes.get(("*", req.path))
        if custom is not None:
            custom(req, conn)
        elif req.path == "/" and req.method == "GET":
            conn.json(200, {"version": self.version, "manager": "24.09.6"})
        elif req.path.startswith(f"/folders/{VFOLDER}/"):
            self._folders(req, conn, req.path.rsplit("/", 1)[-1])
        elif req.path == "/upload":
            self._upload(req, conn)
        elif req.path == "/download" and req.method == "GET":
            self._download(req, conn)
        elif req.path.startswith("/session/") and req.path.endswith("/download"):
            content_type, body = multipart_mixed(self.session_parts)
            conn.respond(200, body, {"Content-Type": content_type})
        else:
            conn.json(404, {"type": "https://api.backend.ai/probs/url-not-found", "title": "no"})

    def _folders(self, req: Request, conn: Conn, action: str) -> None:
        params = req.params
        if action == "request-upload":
            token = self._token()
            self.uploads[token] = Upload(params["path"], int(params["size"]))
            conn.json(200, {"token": token, "url": self.url + "/upload"})
        elif action == "request-download":
            path = params["path"]
            is_dir = any(k.startswith(path.rstrip("/") + "/") for k in self.files)
            if path not in self.files and not is_dir:
                conn.json(
                    404,
                    {
                        "type": "https://api.backend.ai/probs/storage/file-not-found",
                        "title": "File not found",
                    },
                )
                return
            token = self._token()
            self.downloads[token] = (path, bool(params.get("archive")))
            conn.json(200, {"token": token, "url": self.url + "/download"})
        elif action == "files":
            base = params.get("path", ".")
            items: list[dict[str, Any]] = []
            for p, data in self.files.items():
                if posixpath.dirname(p) == ("" if base == "." else base):
                    item: dict[str, Any] = {  # as a 24.09 storage proxy lists a file
                        "name": posixpath.basename(p),
                        "type": "FILE",
                        "size": len(data),
                        "mode": "644",
                        "created": "2026-01-01T00:00:00+00:00",
                        "modified": "2026-01-01T00:00:00+00:00",
                    }
                    if not self.listing_sizes:
                        del item["size"]
                    items.append(item)
            prefix = "" if base == "." else base.rstrip("/") + "/"
            subdirs = {p[len(prefix) :].split("/")[0] for p in self.files if p.startswith(prefix)}
            for name in sorted(d for d in subdirs if f"{prefix}{d}" not in self.files):
                items.append(  # as a 24.09 storage proxy lists a directory
                    {
                        "name": name,
                        "type": "DIRECTORY",
                        "size": 4096,
                        "mode": "755",
                        "created": "2026-01-01T00:00:00+00:00",
                        "modified": "2026-01-01T00:00:00+00:00",
                    }
                )
            conn.json(200, {"items": items, "files": "[]"})
        else:
            conn.json(404, {"type": "https://api.backend.ai/probs/url-not-found", "title": "no"})

    def _upload(self, req: Request, conn: Conn) -> None:
        token = req.query.get("token", "")
        faults = self.head_faults if req.method == "HEAD" else self.patch_faults
        if faults and faults.pop(0)(req, conn, self):
            return
        upload = self.uploads.get(token)
        if upload is None:
            conn.json(
                404,
                {
                    "type": "https://api.backend.ai/probs/storage/no-such-upload-session",
                    "title": "No such upload session",
                },
            )
            return
        if req.method == "HEAD":
            conn.respond(
                200,
                headers={
                    "Upload-Offset": str(len(upload.data)),
                    "Upload-Length": str(upload.size),
                    "Content-Length": "0",
                },
            )
            return
        if req.method == "PATCH":
            self.accept_patch(upload, token, req.body)
            conn.respond(204, headers={"Upload-Offset": str(len(upload.data))})
            return
        conn.respond(405)

    def accept_patch(self, upload: Upload, token: str, body: bytes) -> None:
        """What the 24.09 storage proxy does with a PATCH body: append, finish at the size."""
        upload.data += body
        if len(upload.data) >= upload.size:
            self.put_file(upload.path, bytes(upload.data))
            self.uploads.pop(token, None)

    def _download(self, req: Request, conn: Conn) -> None:
        if self.get_faults and self.get_faults.pop(0)(req, conn, self):
            return
        target = self.downloads.get(req.query.get("token", ""))
        if target is None:
            conn.json(401, {"title": "invalid token"})
            return
        path, _ = target
        if req.query.get("archive") == "true":
            prefix = path.rstrip("/") + "/"
            zipped = zip_of(
                {k[len(prefix) :]: v for k, v in self.files.items() if k.startswith(prefix)}
            )
            conn.respond(200, zipped, {"Content-Type": "application/zip"})
            return
        if path not in self.files:  # a directory, as the storage proxy refuses it
            conn.json(
                400,
                {
                    "type": "https://api.backend.ai/probs/storage/invalid-api-params",
                    "title": "Invalid API parameters",
                    "msg": "The file is not a regular file.",
                },
            )
            return
        self.serve_file(req, conn, path)

    def serve_file(
        self,
        req: Request,
        conn: Conn,
        path: str,
        *,
        cut: int | None = None,
        length: bool = True,
        validators: bool = True,
        ignore_range: bool = False,
        start_offset: int = 0,
        content_range: bool = True,
    ) -> None:
        """Answer a (ranged) GET of *path*, optionally cut after *cut* body bytes."""
        data = self.files[path]
        headers: dict[str, str] = {"Content-Type": "application/octet-stream"}
        if validators:
            headers["ETag"] = self.etag(path)
            headers["Last-Modified"] = self.last_modified(path)
        status, body = 200, data
        rng = req.headers.get("range")
        if rng and not ignore_range and self._range_applies(req, path):
            start = int(rng.removeprefix("bytes=").split("-")[0]) + start_offset
            status, body = 206, data[start:]
            if content_range:
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        if length:
            headers["Content-Length"] = str(len(body))
        else:
            headers["Connection"] = "close"
        conn.head(status, headers)
        conn.send(body if cut is None else body[:cut])
        if cut is not None or not length:
            conn.close()

    def _range_applies(self, req: Request, path: str) -> bool:
        validator = req.headers.get("if-range")
        if validator is None or not self.honour_if_range:
            return True
        return validator in (self.etag(path), self.last_modified(path))


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
    return out.getvalue()


def tar_of(
    members: dict[str, bytes], *, mode: int = 0o644, compression: str = "", kind: bytes = b"0"
) -> bytes:
    """A tar archive of regular files (``kind=b"2"`` makes each a symlink to its content)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=f"w:{compression}") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.mode = mode
            info.mtime = 1_700_000_000
            if kind == tarfile.SYMTYPE:
                info.type = tarfile.SYMTYPE
                info.linkname = data.decode()
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def multipart_mixed(parts: list[bytes], boundary: str = "fault-boundary") -> tuple[str, bytes]:
    body = b""
    for part in parts:
        body += (
            (
                f"--{boundary}\r\nContent-Type: application/x-tar\r\n"
                "Content-Encoding: identity\r\n\r\n"
            ).encode()
            + part
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return f"multipart/mixed; boundary={boundary}", body


# -- faults -------------------------------------------------------------------------------------
def _upload_of(req: Request, cluster: Cluster) -> tuple[str, Upload]:
    token = req.query["token"]
    return token, cluster.uploads[token]


def cut_patch_after(n: int) -> Fault:
    """The storage proxy keeps the first *n* bytes of the PATCH, then the connection resets."""

    def fault(req: Request, conn: Conn, cluster: Cluster) -> bool:
        token, upload = _upload_of(req, cluster)
        cluster.accept_patch(upload, token, req.body[:n])
        conn.reset()
        return True

    return fault


def patch_answers(status: int) -> Fault:
    """The PATCH is refused with *status*; nothing is kept."""

    def fault(req: Request, conn: Conn, cluster: Cluster) -> bool:
        conn.json(status, {"title": f"storage proxy says {status}"})
        return True

    return fault


def patch_claims(delta: int, *, header: bool = True) -> Fault:
    """The PATCH is kept, and the answer's Upload-Offset is off by *delta* (or absent)."""

    def fault(req: Request, conn: Conn, cluster: Cluster) -> bool:
        token, upload = _upload_of(req, cluster)
        cluster.accept_patch(upload, token, req.body)
        headers = {"Upload-Offset": str(len(upload.data) + delta)} if header else {}
        conn.respond(204, headers=headers)
        return True

    return fault


def patch_keeps(n: int) -> Fault:
    """The storage proxy keeps only *n* bytes of the PATCH, and says so."""

    def fault(req: Request, conn: Conn, cluster: Cluster) -> bool:
        token, upload = _upload_of(req, cluster)
        cluster.accept_patch(upload, token, req.body[:n])
        conn.respond(204, headers={"Upload-Offset": str(len(upload.data))})
        return True

    return fault


def patch_stalls(keep: int) -> Fault:
    """The storage proxy keeps *keep* bytes and never answers."""

    def fault(req: Request, conn: Conn, cluster: Cluster) -> bool:
        token, upload = _upload_of(req, cluster)
        cluster.accept_patch(upload, token, req.body[:keep])
        conn.stall(30)
        return True

    return fault


def head_offset(value: str) -> Fault:
    """The HEAD answers Upload-Offset: *value*."""

    def fault(req: Request, conn: Conn, cluster: Cluster) -> bool:
        conn.respond(200, headers={"Upload-Offset": value, "Content-Length": "0"})
        return True

    return fault


def forget_uploads() -> Fault:
    """The upload session expired on the storage proxy (before this request)."""

    def fault(req: Request, conn: Conn, cluster: Cluster) -> bool:
        cluster.uploads.clear()
        return False

    return fault


def serve(**options: object) -> Fault:
    """Answer the download with :meth:`Cluster.serve_file` options (``cut=``, ``length=``...)."""

    def fault(req: Request, conn: Conn, cluster: Cluster) -> bool:
        path, _ = cluster.downloads[req.query["token"]]
        cluster.serve_file(req, conn, path, **options)  # type: ignore[arg-type]
        return True

    return fault


def change_file(path: str, data: bytes) -> Fault:
    """The file changes on the server before this request is answered."""

    def fault(req: Request, conn: Conn, cluster: Cluster) -> bool:
        cluster.put_file(path, data)
        return False

    return fault
