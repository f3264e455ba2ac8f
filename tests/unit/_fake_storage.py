"""An in-memory manager + storage proxy for transfer tests (httpx.MockTransport handlers).

It speaks the parts of the protocol transfers use: request-upload / request-download, tus HEAD and
PATCH with the token, ranged GET downloads, file listings, and (as a 26.09 server,
``api_version="v9.20250722"``) the zip archive of named files. Faults are injected per request:
``cut_patch`` keeps only the first N bytes of the next PATCH and drops the connection, ``cut_get``
ends the next download body after N bytes.
"""

from __future__ import annotations

import io
import json
import posixpath
import zipfile
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import httpx

MANAGER = "http://manager.test"
STORAGE = "http://storage.test:6021"


@dataclass
class UploadSession:
    path: str
    size: int
    data: bytearray = field(default_factory=bytearray)


class _CutStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, data: bytes, cut: int | None) -> None:
        self.data = data
        self.cut = cut

    def _blocks(self) -> Iterator[bytes]:
        limit = len(self.data) if self.cut is None else self.cut
        for i in range(0, limit, 4096):
            yield self.data[i : min(i + 4096, limit)]
        if self.cut is not None:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body"
            )

    def __iter__(self) -> Iterator[bytes]:
        yield from self._blocks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for block in self._blocks():
            yield block


def zip_of(files: dict[str, bytes], root: str, dirs: Sequence[str] = ()) -> bytes:
    """A real zip archive of *files* (paths relative to *root*) and the empty directories
    *dirs*, as the storage proxy sends (deflated)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(posixpath.relpath(path, root), data)
        for path in dirs:
            zf.writestr(posixpath.relpath(path, root) + "/", b"")
    return out.getvalue()


class FakeBackend:
    def __init__(self, *, storage_url: str = STORAGE, api_version: str = "v8.20240915") -> None:
        self.storage_url = storage_url
        self.api_version = api_version
        #: The files named by each archive token (``request-download-archive``, 26.09).
        self.archives: dict[str, list[str]] = {}
        self.files: dict[str, bytes] = {}
        #: Empty directories (the others are implied by the files' paths).
        self.dirs: set[str] = set()
        self.uploads: dict[str, UploadSession] = {}
        self.downloads: dict[str, str] = {}
        self.cut_patch: list[int] = []
        self.cut_get: list[int] = []
        #: Ends the next archive downloads after N bytes (one entry per download).
        self.cut_archive: list[int] = []
        self.ignore_range = False
        self.requests: list[httpx.Request] = []
        self.patch_sizes: list[int] = []
        self._n = 0

    # -- transports --------------------------------------------------------------------------
    def sync_handler(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        return self.handle(request, body)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        return self.handle(request, body)

    # -- logic -------------------------------------------------------------------------------
    def _token(self) -> str:
        self._n += 1
        return f"jwt-secret-{self._n}"

    def handle(self, request: httpx.Request, body: bytes) -> httpx.Response:
        self.requests.append(request)
        url = request.url
        origin = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
        query = {k: v[0] for k, v in parse_qs(url.query.decode()).items()}
        if origin == MANAGER:
            return self._manager(request, body, query)
        return self._storage(request, body, query)

    def _manager(
        self, request: httpx.Request, body: bytes, query: dict[str, str]
    ) -> httpx.Response:
        path = request.url.path
        params = json.loads(body) if body else query
        if path == "/":
            manager = "26.9.6" if self.api_version.startswith("v9.") else "24.09.6"
            return httpx.Response(200, json={"version": self.api_version, "manager": manager})
        parts = path.strip("/").split("/")
        if parts[0] != "folders" or len(parts) < 2:
            return httpx.Response(404, json={"type": "https://api.backend.ai/probs/url-not-found"})
        action = parts[2] if len(parts) > 2 else None
        if action == "request-upload":
            token = self._token()
            self.uploads[token] = UploadSession(params["path"], int(params["size"]))
            return httpx.Response(200, json={"token": token, "url": self.storage_url + "/upload"})
        if action == "request-download":
            target = params["path"]
            is_dir = target == "." or any(
                k.startswith(target.rstrip("/") + "/") for k in self.files
            )
            if target not in self.files and not is_dir:
                return httpx.Response(
                    404,
                    json={
                        "title": "File not found",
                        "type": "https://api.backend.ai/probs/storage/file-not-found",
                    },
                )
            token = self._token()
            self.downloads[token] = target
            return httpx.Response(200, json={"token": token, "url": self.storage_url + "/download"})
        if action == "request-download-archive" and self.api_version.startswith("v9."):
            missing = [f for f in params["files"] if f not in self.files]
            if missing:
                return httpx.Response(404, json={"title": f"File not found: {missing[0]}"})
            token = self._token()
            self.archives[token] = list(params["files"])
            return httpx.Response(
                200, json={"token": token, "url": self.storage_url + "/download-archive"}
            )
        if action == "files":
            base = params.get("path", ".")
            base = "" if base == "." else base
            items = []
            dirs: set[str] = set()
            for p, data in self.files.items():
                if posixpath.dirname(p) == base:
                    items.append(
                        {
                            "name": posixpath.basename(p),
                            "type": "FILE",
                            "size": len(data),
                            "mode": 0o100644 if self.api_version.startswith("v9.") else "644",
                            "created": "2026-12-02T00:00:00",
                            "modified": "2026-12-02T00:00:00",
                        }
                    )
                elif p.startswith(f"{base}/" if base else ""):
                    dirs.add(p[len(base) + 1 if base else 0 :].split("/")[0])
            for name in sorted(
                dirs | {d.rpartition("/")[2] for d in self.dirs if posixpath.dirname(d) == base}
            ):
                items.append(
                    {
                        "name": name,
                        "type": "DIRECTORY",
                        "size": 4096,
                        "mode": 0o40755 if self.api_version.startswith("v9.") else "755",
                        "created": "2026-12-02T00:00:00",
                        "modified": "2026-12-02T00:00:00",
                    }
                )
            return httpx.Response(200, json={"items": items, "files": "[]"})
        return httpx.Response(404, json={"type": "https://api.backend.ai/probs/url-not-found"})

    def _storage(
        self, request: httpx.Request, body: bytes, query: dict[str, str]
    ) -> httpx.Response:
        path = request.url.path
        token = query.get("token", "")
        if path == "/upload":
            session = self.uploads.get(token)
            if session is None:
                return httpx.Response(
                    404,
                    json={
                        "title": "No such upload session",
                        "type": "https://api.backend.ai/probs/storage/no-such-upload-session",
                    },
                )
            if request.method == "HEAD":
                return httpx.Response(
                    200,
                    headers={
                        "Upload-Offset": str(len(session.data)),
                        "Upload-Length": str(session.size),
                    },
                )
            if request.method == "PATCH":
                offset = int(request.headers["Upload-Offset"])
                if offset != len(session.data):
                    return httpx.Response(409, json={"title": "offset mismatch"})
                self.patch_sizes.append(len(body))
                if self.cut_patch:
                    keep = self.cut_patch.pop(0)
                    session.data += body[:keep]
                    raise httpx.ReadError("connection reset by peer")
                session.data += body
                if len(session.data) >= session.size:
                    self.files[session.path] = bytes(session.data)
                    del self.uploads[token]
                return httpx.Response(204, headers={"Upload-Offset": str(len(session.data))})
        if path == "/download-archive" and request.method == "GET":
            names = self.archives.get(token)
            if names is None:
                return httpx.Response(401, json={"title": "invalid token"})
            data = zip_of({name: self.files[name] for name in names}, ".")
            cut = self.cut_archive.pop(0) if self.cut_archive else None
            return httpx.Response(
                200, stream=_CutStream(data, cut), headers={"Content-Type": "application/zip"}
            )
        if path == "/download" and request.method == "GET":
            target = self.downloads.get(token)
            if target is None:
                return httpx.Response(401, json={"title": "invalid token"})
            if query.get("archive") == "true":
                prefix = "" if target == "." else target + "/"
                data = zip_of(
                    {k: v for k, v in sorted(self.files.items()) if k.startswith(prefix)},
                    target,
                    dirs=[d for d in sorted(self.dirs) if d.startswith(prefix)],
                )
                cut = self.cut_archive.pop(0) if self.cut_archive else None
                return httpx.Response(
                    200, stream=_CutStream(data, cut), headers={"Content-Type": "application/zip"}
                )
            if target not in self.files:  # a directory, as the storage proxy answers
                return httpx.Response(
                    400,
                    json={
                        "title": "Invalid API parameters",
                        "type": "https://api.backend.ai/probs/storage/invalid-api-params",
                        "msg": "The file is not a regular file.",
                    },
                )
            data = self.files[target]
            cut = self.cut_get.pop(0) if self.cut_get else None
            rng = request.headers.get("Range")
            if rng and not self.ignore_range:
                start = int(rng.removeprefix("bytes=").split("-")[0])
                part = data[start:]
                return httpx.Response(
                    206,
                    stream=_CutStream(part, cut),
                    headers={
                        "Content-Length": str(len(part)),
                        "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}",
                    },
                )
            return httpx.Response(
                200, stream=_CutStream(data, cut), headers={"Content-Length": str(len(data))}
            )
        return httpx.Response(405)
