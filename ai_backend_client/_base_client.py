"""The transport core shared by every generated client.

``BaseClient`` holds everything that does no I/O: URL building (the ``/func`` prefix in session
mode), default headers, the status-to-exception mapping and response parsing.
``SyncAPIClient`` and ``AsyncAPIClient`` add the I/O with httpx; when to try again is decided
in :mod:`._retry`, and the blocking client's transport is :mod:`._transport`'s. Each retry and
each failover attempt is signed afresh (:mod:`ai_backend_client.auth`).

Limits against a misbehaving server (see :class:`~ai_backend_client.config.APIConfig`): a JSON
answer is read only up to ``max_response_size`` and an error body only up to what is kept; a
JSON call ends after ``total_timeout`` however slowly the server trickles (the async client
cancels at the deadline, the blocking one caps every socket wait at the time left); a
``Retry-After`` longer than ``max_retry_after`` ends the call with the wait in its message; a
refused TLS certificate is not retried. Importing this module installs the log filter that keeps
credentials in URLs and headers out of the httpx and httpcore loggers.
"""

from __future__ import annotations

import functools
import json as jsonlib
import logging
import ssl
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Generator,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Final, TypeVar, cast

import anyio
import httpx
import pydantic

from ._models import validate_response
from ._redact import install_log_redaction, redact_url
from ._retry import RetryPlan, RetryPolicy, parse_retry_after
from ._tls import ssl_verify
from ._transport import DEADLINE, deadline_transport, received, skips_client_middleware
from ._types import NOT_GIVEN, FileTypes, JSONValueRoot, NotGiven
from .auth import STREAM_EXTENSION, BackendAIAuth
from .config import APIConfig, format_size
from .exceptions import (
    BackendAPIError,
    BackendConnectionError,
    BackendTimeoutError,
    BackendTLSError,
    MalformedResponseError,
    error_for_status,
)

__all__ = [
    "AsyncAPIClient",
    "BaseClient",
    "MalformedResponseError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SyncAPIClient",
    "redact_url",
]

log = logging.getLogger("ai_backend_client")

T = TypeVar("T")

_MAX_ERROR_TEXT: Final = 2000
#: Bytes of an error answer that are read (and kept): enough for any problem+json body.
_MAX_ERROR_BODY: Final = 64 * 1024

install_log_redaction()

TimeoutTypes = float | httpx.Timeout | None


def describe_validation_error(error: pydantic.ValidationError, limit: int = 5) -> str:
    """``path: message; ...`` of the first *limit* problems of *error*."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}"
        for err in error.errors(include_url=False)[:limit]
    )


class ResponseTooLargeError(MalformedResponseError):
    """A JSON answer is larger than ``max_response_size``; it was not read past the limit."""


def _signed_content_type(
    headers: dict[str, str], kwargs: Mapping[str, Any], stream_extension: bool
) -> str:
    """The mimetype an API request is signed with; a bodiless one is sent as ``text/plain``,
    as the server expects (*headers* gets it)."""
    if stream_extension:  # WebSocket/SSE: no Content-Type sent, octet-stream signed
        return "application/octet-stream"
    if "files" in kwargs:  # httpx adds the boundary; the server signs the bare mimetype
        return "multipart/form-data"
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if ctype is None:
        headers["Content-Type"] = ctype = "text/plain"
    return ctype.split(";", 1)[0].strip()


@functools.lru_cache(maxsize=256)
def _parsed_url(url: str) -> httpx.URL:
    """*url* parsed once: the same few API URLs are called again and again, and parsing is a
    tenth of a call's client CPU (``httpx.URL`` is immutable, so one object serves every call)."""
    return httpx.URL(url)


class _BodyReader:
    """Collects a response body up to *limit* bytes: an error past it, or (``truncate``) a stop."""

    def __init__(
        self,
        client: BaseClient,
        response: httpx.Response,
        *,
        limit: int,
        deadline: float | None,
        truncate: bool = False,
    ) -> None:
        self.client = client
        self.response = response
        self.limit = limit
        self.deadline = deadline
        self.truncate = truncate
        self.buffer = bytearray()
        declared = response.headers.get("Content-Length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise self._too_large()

    def _too_large(self) -> ResponseTooLargeError:
        request = self.response.request
        return ResponseTooLargeError(
            f"the answer is larger than {format_size(self.limit)}, the limit for a JSON answer "
            "(raise it with BACKEND_MAX_RESPONSE_SIZE or APIConfig(max_response_size=...))",
            status=self.response.status_code,
            method=request.method,
            url=redact_url(request.url),
        )

    def add(self, chunk: bytes) -> bool:
        """Keep *chunk*; ``False`` when nothing more is wanted."""
        room = self.limit - len(self.buffer)
        if len(chunk) > room:
            if not self.truncate:
                raise self._too_large()
            self.buffer += chunk[:room]
            return False
        self.buffer += chunk
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise self.client.deadline_error(self.response.request)
        return not (self.truncate and len(self.buffer) >= self.limit)

    def value(self) -> bytes:
        return bytes(self.buffer)


def _drop_not_given(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    result: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, NotGiven):
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        result[k] = v
    return result


class BaseClient:
    """I/O-free parts of the transport."""

    def __init__(
        self,
        config: APIConfig,
        *,
        api_version: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.config = config
        self.api_version: str = api_version or config.version
        self.retry: RetryPolicy = retry or RetryPolicy()
        # In session mode the webserver re-signs with the keypair it holds; we only send cookies.
        if config.endpoint_type == "session":
            self.auth: BackendAIAuth = BackendAIAuth("", "", hash_type=config.hash_type)
        else:
            self.auth = BackendAIAuth(
                config.access_key, config.secret_key, hash_type=config.hash_type
            )

    # -- URLs and headers -------------------------------------------------------------------
    def build_url(self, path: str, *, base_url: str | None = None) -> str:
        """Absolute URL of *path* on the active endpoint (or on *base_url*)."""
        if not path.startswith("/"):
            path = "/" + path
        if base_url is not None:
            return base_url.rstrip("/") + path
        prefix = ""
        if self.config.endpoint_type == "session" and not path.startswith("/server"):
            prefix = "/func"
        return self.config.endpoint + prefix + path

    def default_headers(self) -> dict[str, str]:
        return {
            "User-Agent": self.config.user_agent,
            "X-BackendAI-Domain": self.config.domain,
            "X-BackendAI-Version": self.api_version,
        }

    def timeout(self) -> httpx.Timeout:
        read = self.config.read_timeout or None
        return httpx.Timeout(
            connect=self.config.connection_timeout,
            read=read,
            write=read,
            pool=self.config.connection_timeout,
        )

    def _build_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        files: Sequence[tuple[str, FileTypes]] | None,
        content: bytes | Iterable[bytes] | AsyncIterable[bytes] | None,
        headers: Mapping[str, str] | None,
        base_url: str | None,
        authenticated: bool,
        timeout: TimeoutTypes | NotGiven,
        stream_extension: bool = False,
    ) -> httpx.Request:
        method = method.upper()
        url = self.build_url(path, base_url=base_url)
        all_headers = (
            self.default_headers() if base_url is None else {"User-Agent": self.config.user_agent}
        )
        if headers:
            all_headers.update(headers)
            # An empty value leaves a default header out (the version probe sends no version).
            all_headers = {k: v for k, v in all_headers.items() if v}
        kwargs: dict[str, Any] = {}
        if not isinstance(json, NotGiven):
            # The manager's JSON parser is lenient about spacing; keep the dump compact and stable.
            kwargs["content"] = jsonlib.dumps(json, ensure_ascii=False).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif files is not None:
            kwargs["files"] = list(files)
        elif content is not None:
            kwargs["content"] = content
        extensions: dict[str, Any] = {}
        if not isinstance(timeout, NotGiven):
            t = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
            extensions["timeout"] = t.as_dict()
        if stream_extension:
            extensions[STREAM_EXTENSION] = True
        query = _drop_not_given(params) or None  # {} would make httpx copy the URL once more
        if query and "?" not in url:
            # The same encoding httpx gives params, in the URL string: httpx then parses the URL
            # once instead of twice (a quarter of a call's client CPU).
            url = f"{url}?{httpx.QueryParams(query)}"
            query = None
        if base_url is not None or query is not None:  # another host, or params httpx merges
            request = http.build_request(
                method,
                url,
                params=query,
                headers=all_headers,
                extensions=extensions or None,
                **kwargs,
            )
            if authenticated and base_url is None:
                self.auth.sign(request)
            elif "Content-Type" not in request.headers and base_url is None:
                request.headers["Content-Type"] = "text/plain"
            return request
        # An API call: the URL, its headers and the signature are known before the request is
        # built, so the request's headers are not searched and rewritten afterwards.
        parsed = _parsed_url(url)
        content_type = _signed_content_type(all_headers, kwargs, stream_extension and authenticated)
        if authenticated:
            all_headers.update(
                self.auth.signature_headers(
                    method,
                    parsed,
                    content_type=content_type,
                    version=all_headers.get("X-BackendAI-Version", ""),
                    host=all_headers.get("Host", ""),
                )
            )
        return http.build_request(
            method, parsed, headers=all_headers, extensions=extensions or None, **kwargs
        )

    def deadline(self, timeout: TimeoutTypes | NotGiven) -> float | None:
        """The monotonic deadline of a JSON call (``None``: no total limit)."""
        if timeout is None or not self.config.total_timeout:
            return None
        return time.monotonic() + self.config.total_timeout

    # -- responses --------------------------------------------------------------------------
    def make_api_error(self, response: httpx.Response, body: bytes) -> BackendAPIError:
        data: dict[str, Any]
        try:
            parsed = jsonlib.loads(body) if body else None
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            data = cast(dict[str, Any], parsed)
        else:
            text = body.decode("utf-8", "replace")[:_MAX_ERROR_TEXT]
            data = {
                "type": "https://api.backend.ai/probs/generic-error",
                "title": "Generic Error (could not parse error string)",
                "content": text if parsed is None else parsed,
            }
        cls = error_for_status(response.status_code)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return cls(
            response.status_code,
            response.reason_phrase,
            data,
            method=response.request.method,
            url=redact_url(response.request.url),
            retry_after=None if retry_after is None else max(0.0, retry_after),
        )

    def _parse(self, response: httpx.Response, cast_to: type[T], body: bytes) -> T:
        """*body* (already read, within the size limit) as *cast_to*.

        ``httpx.Response`` gives the whole answer: status, headers and the body read.
        """
        if cast_to is type(None):
            nothing: object = None
            return cast(T, nothing)
        if cast_to is httpx.Response:  # the answer as a whole, read (within the size limit)
            headers = [  # the body is decoded already
                (k, v)
                for k, v in response.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length")
            ]
            whole = httpx.Response(
                response.status_code,
                headers=headers,
                content=body,
                request=response.request,
                extensions={"http_version": response.http_version.encode()},
            )
            return cast(T, whole)
        if cast_to is bytes:
            return cast(T, body)
        if cast_to is str:
            return cast(T, body.decode(response.encoding or "utf-8", "replace"))
        method = response.request.method
        # The redacted URL only for an error: redacting is costly next to a successful parse.
        if not body.strip():
            if cast_to is JSONValueRoot:  # an answer the spec does not describe may be empty
                return cast(T, JSONValueRoot(None))
            if response.status_code != 204:  # "No Content" is the one success without a body
                raise MalformedResponseError(
                    "expected a JSON body, got an empty one",
                    status=response.status_code,
                    method=method,
                    url=redact_url(response.request.url),
                )
            body = b"{}"
        try:
            payload: object = jsonlib.loads(body)
        except ValueError:
            snippet = body[:200].decode("utf-8", "replace")
            raise MalformedResponseError(
                f"expected a JSON body, got {response.headers.get('Content-Type', 'no content type')}: {snippet!r}",
                status=response.status_code,
                method=method,
                url=redact_url(response.request.url),
            ) from None
        try:
            return cast(T, validate_response(cast_to, payload, strict=self.config.strict_responses))
        except pydantic.ValidationError as e:
            raise MalformedResponseError(
                f"the answer does not match {getattr(cast_to, '__name__', cast_to)!s}: "
                + describe_validation_error(e),
                status=response.status_code,
                method=method,
                url=redact_url(response.request.url),
                data=payload,
            ) from None

    def connection_error(
        self, exc: Exception, base_url: str | None = None
    ) -> BackendConnectionError:
        if base_url is not None:
            return BackendConnectionError(
                f"Request to {redact_url(base_url)} has failed. Check your network connection and/or "
                f"the server status: {type(exc).__name__}: {exc}"
            )
        endpoints = ", ".join(redact_url(e) for e in self.config.endpoints)
        return BackendConnectionError(
            "Request to the API endpoint has failed. Check your network connection and/or the "
            f"server status (tried: {endpoints}): {type(exc).__name__}: {exc}"
        )

    def tls_error(self, exc: ssl.SSLCertVerificationError, url: httpx.URL) -> BackendTLSError:
        origin = redact_url(f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}")
        reason = str(exc.verify_message or exc.reason or exc).rstrip(".")
        if exc.verify_code in (62, 64):  # X509_V_ERR_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH
            advice = "use the host name the certificate is for in BACKEND_ENDPOINT"
        elif exc.verify_code in (9, 10):  # not yet valid, expired
            advice = "the server's certificate must be renewed (or this machine's clock is wrong)"
        else:
            advice = (
                "if the cluster uses its own certificate authority, trust it with "
                "BACKEND_CA_BUNDLE=/path/to/ca.pem (or APIConfig(ca_bundle=...))"
            )
        return BackendTLSError(
            f"The TLS certificate of {origin} was not accepted ({reason}); not retried: {advice}."
        )

    def deadline_error(self, request: httpx.Request) -> BackendTimeoutError:
        return BackendTimeoutError(
            f"{request.method} {redact_url(request.url)} took longer than the total timeout of "
            f"{self.config.total_timeout:g} s, retries included (the server answers too slowly; "
            "raise the limit with BACKEND_TOTAL_TIMEOUT or APIConfig(total_timeout=...))"
        )


class SyncAPIClient(BaseClient):
    """Blocking transport over ``httpx.Client``."""

    def __init__(
        self,
        config: APIConfig,
        *,
        api_version: str | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(config, api_version=api_version, retry=retry)
        self._owns_http = http_client is None
        #: Where requests go without ``httpx.Client.send`` (``None``: through the client).
        self._direct: httpx.HTTPTransport | None = None
        if http_client is None:
            verify = ssl_verify(config)
            transport = deadline_transport(verify)
            http_client = httpx.Client(
                transport=transport,
                timeout=self.timeout(),
                verify=verify,
                follow_redirects=False,
            )
            if skips_client_middleware():
                self._direct = transport
        self.http: httpx.Client = http_client

    def _send_one(self, request: httpx.Request) -> httpx.Response:
        """*request* sent, the response's body not read yet (see :func:`_skips_client_middleware`)."""
        transport = self._direct
        if transport is None:
            return self.http.send(request, stream=True)
        if self.http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        response = transport.handle_request(request)
        return received(self.http.cookies, request, response)

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def _read(self, response: httpx.Response, reader: _BodyReader) -> bytes:
        try:
            for chunk in response.iter_bytes():
                if not reader.add(chunk):
                    break
        finally:
            response.close()
        return reader.value()

    def _send(
        self,
        method: str,
        path: str,
        *,
        read_body: bool,
        idempotent: bool | None,
        base_url: str | None,
        **kwargs: Any,
    ) -> tuple[httpx.Response, bytes]:
        """Send with retries and failover; the body is read (within limits) when *read_body*."""
        deadline = self.deadline(kwargs["timeout"]) if read_body else None
        plan = RetryPlan(self, method, idempotent, base_url, deadline)
        token = DEADLINE.set(deadline)
        try:
            while True:
                request = self._build_request(self.http, method, path, base_url=base_url, **kwargs)
                if log.isEnabledFor(
                    logging.DEBUG
                ):  # redacting costs more than the rest of a log call
                    log.debug("%s %s", request.method, redact_url(request.url))
                try:
                    response = self._send_one(request)
                    if response.is_success:
                        if not read_body:
                            return response, b""
                        limit = self.config.max_response_size
                        reader = _BodyReader(self, response, limit=limit, deadline=deadline)
                        return response, self._read(response, reader)
                    reader = _BodyReader(
                        self, response, limit=_MAX_ERROR_BODY, deadline=deadline, truncate=True
                    )
                    body = self._read(response, reader)
                except httpx.TransportError as e:
                    time.sleep(plan.after_transport_error(e, request))
                    continue
                time.sleep(plan.after_error_status(response, body))
        finally:
            DEADLINE.reset(token)

    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        params: Mapping[str, Any] | None = None,
        json: Any = NOT_GIVEN,
        files: Sequence[tuple[str, FileTypes]] | None = None,
        content: bytes | Iterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
        authenticated: bool = True,
        idempotent: bool | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> T:
        response, body = self._send(
            method,
            path,
            read_body=True,
            idempotent=idempotent,
            base_url=base_url,
            params=params,
            json=json,
            files=files,
            content=content,
            headers=headers,
            authenticated=authenticated,
            timeout=timeout,
        )
        return self._parse(response, cast_to, body)

    @contextmanager
    def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NOT_GIVEN,
        files: Sequence[tuple[str, FileTypes]] | None = None,
        content: bytes | Iterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
        authenticated: bool = True,
        idempotent: bool | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        stream_extension: bool = False,
    ) -> Generator[httpx.Response, None, None]:
        """Send and yield the open response (status already checked); the body is not read."""
        response, _ = self._send(
            method,
            path,
            read_body=False,
            idempotent=idempotent,
            base_url=base_url,
            params=params,
            json=json,
            files=files,
            content=content,
            headers=headers,
            authenticated=authenticated,
            timeout=timeout,
            stream_extension=stream_extension,
        )
        try:
            yield response
        finally:
            response.close()


# A deliberate sync/async pair with SyncAPIClient above: the same request path step by step with
# await; what does not do I/O (retry plan, URL, headers, error mapping) is shared in BaseClient.
class AsyncAPIClient(BaseClient):
    """Non-blocking transport over ``httpx.AsyncClient``."""

    def __init__(
        self,
        config: APIConfig,
        *,
        api_version: str | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(config, api_version=api_version, retry=retry)
        self._owns_http = http_client is None
        #: Where requests go without ``httpx.AsyncClient.send`` (``None``: through the client).
        self._direct: httpx.AsyncHTTPTransport | None = None
        if http_client is None:
            verify = ssl_verify(config)
            transport = httpx.AsyncHTTPTransport(verify=verify)
            http_client = httpx.AsyncClient(
                transport=transport,
                timeout=self.timeout(),
                verify=verify,
                follow_redirects=False,
            )
            if skips_client_middleware():
                self._direct = transport
        self.http: httpx.AsyncClient = http_client

    async def _send_one(self, request: httpx.Request) -> httpx.Response:
        """*request* sent, the response's body not read yet (see :func:`_skips_client_middleware`)."""
        transport = self._direct
        if transport is None:
            return await self.http.send(request, stream=True)
        if self.http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        response = await transport.handle_async_request(request)
        return received(self.http.cookies, request, response)

    async def close(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def _read(self, response: httpx.Response, reader: _BodyReader) -> bytes:
        try:
            async for chunk in response.aiter_bytes():
                if not reader.add(chunk):
                    break
        finally:
            await response.aclose()
        return reader.value()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        read_body: bool,
        idempotent: bool | None,
        base_url: str | None,
        **kwargs: Any,
    ) -> tuple[httpx.Response, bytes]:
        """Send with retries and failover; the body is read (within limits) when *read_body*."""
        deadline = self.deadline(kwargs["timeout"]) if read_body else None
        plan = RetryPlan(self, method, idempotent, base_url, deadline)
        last: list[httpx.Request] = []
        with anyio.move_on_after(None if deadline is None else deadline - time.monotonic()):
            while True:
                request = self._build_request(self.http, method, path, base_url=base_url, **kwargs)
                last[:] = [request]
                if log.isEnabledFor(
                    logging.DEBUG
                ):  # redacting costs more than the rest of a log call
                    log.debug("%s %s", request.method, redact_url(request.url))
                try:
                    response = await self._send_one(request)
                    if response.is_success:
                        if not read_body:
                            return response, b""
                        limit = self.config.max_response_size
                        reader = _BodyReader(self, response, limit=limit, deadline=deadline)
                        return response, await self._read(response, reader)
                    reader = _BodyReader(
                        self, response, limit=_MAX_ERROR_BODY, deadline=deadline, truncate=True
                    )
                    body = await self._read(response, reader)
                except httpx.TransportError as e:
                    await anyio.sleep(plan.after_transport_error(e, request))
                    continue
                await anyio.sleep(plan.after_error_status(response, body))
        raise self.deadline_error(last[0])

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        params: Mapping[str, Any] | None = None,
        json: Any = NOT_GIVEN,
        files: Sequence[tuple[str, FileTypes]] | None = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
        authenticated: bool = True,
        idempotent: bool | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> T:
        response, body = await self._send(
            method,
            path,
            read_body=True,
            idempotent=idempotent,
            base_url=base_url,
            params=params,
            json=json,
            files=files,
            content=content,
            headers=headers,
            authenticated=authenticated,
            timeout=timeout,
        )
        return self._parse(response, cast_to, body)

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NOT_GIVEN,
        files: Sequence[tuple[str, FileTypes]] | None = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
        authenticated: bool = True,
        idempotent: bool | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        stream_extension: bool = False,
    ) -> AsyncGenerator[httpx.Response, None]:
        response, _ = await self._send(
            method,
            path,
            read_body=False,
            idempotent=idempotent,
            base_url=base_url,
            params=params,
            json=json,
            files=files,
            content=content,
            headers=headers,
            authenticated=authenticated,
            timeout=timeout,
            stream_extension=stream_extension,
        )
        try:
            yield response
        finally:
            await response.aclose()
