"""The transport core shared by every generated client.

``BaseClient`` holds everything that does no I/O: URL building (the ``/func`` prefix in session
mode), default headers, the status-to-exception mapping, response parsing and retry timing.
``SyncAPIClient`` and ``AsyncAPIClient`` add the I/O with httpx. Signing is an ``httpx.Auth``
(:mod:`ai_backend_client.auth`), so each retry and each failover attempt is signed afresh.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import logging
import random
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
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import anyio
import httpx
import pydantic

from ._models import validate_response
from ._types import NOT_GIVEN, FileTypes, NotGiven
from .auth import STREAM_EXTENSION, BackendAIAuth
from .config import APIConfig
from .exceptions import (
    BackendAPIError,
    BackendConnectionError,
    MalformedResponseError,
    error_for_status,
)

__all__ = [
    "AsyncAPIClient",
    "BaseClient",
    "MalformedResponseError",
    "RetryPolicy",
    "SyncAPIClient",
    "redact_url",
]

log = logging.getLogger("ai_backend_client")

T = TypeVar("T")

_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
# Problem types that will not go away by asking again soon.
_NON_TRANSIENT_PROBLEMS: Final = frozenset({"server-frozen", "not-implemented"})
_SECRET_QUERY_KEYS: Final = frozenset({"token", "secret_key", "password", "auth_token"})
_MAX_ERROR_TEXT: Final = 2000

TimeoutTypes = float | httpx.Timeout | None


def describe_validation_error(error: pydantic.ValidationError, limit: int = 5) -> str:
    """``path: message; ...`` of the first *limit* problems of *error*."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}"
        for err in error.errors(include_url=False)[:limit]
    )


def redact_url(url: str | httpx.URL) -> str:
    """The URL with credential-like query values (storage-proxy tokens, ...) masked."""
    parts = urlsplit(str(url))
    if not parts.query:
        return str(url)
    query = [
        (k, "***" if k.lower() in _SECRET_QUERY_KEYS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*/")))


class RetryPolicy:
    """Exponential backoff with full jitter, capped; ``Retry-After`` wins when it is sane."""

    def __init__(
        self, max_retries: int = 2, initial_delay: float = 0.5, max_delay: float = 8.0
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.max_retries = max_retries
        self.initial_delay = initial_delay
        self.max_delay = max_delay

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        if response is not None:
            retry_after = _parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and 0 <= retry_after <= 60:
                return retry_after
        base = min(self.max_delay, self.initial_delay * (2.0**attempt))
        return float(base * (0.5 + random.random() / 2))


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, dt.timestamp() - time.time())


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
        self.api_version = api_version or config.version
        self.retry = retry or RetryPolicy()
        # In session mode the webserver re-signs with the keypair it holds; we only send cookies.
        if config.endpoint_type == "session":
            self.auth = BackendAIAuth("", "", hash_type=config.hash_type)
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
        request = http.build_request(
            method,
            url,
            params=_drop_not_given(params),
            headers=all_headers,
            extensions=extensions or None,
            **kwargs,
        )
        if authenticated and base_url is None:
            self.auth.sign(request)
        elif "Content-Type" not in request.headers and base_url is None:
            request.headers["Content-Type"] = "text/plain"
        return request

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
        return cls(
            response.status_code,
            response.reason_phrase,
            data,
            method=response.request.method,
            url=redact_url(response.request.url),
        )

    def _parse(self, response: httpx.Response, cast_to: type[T]) -> T:
        if cast_to is type(None):
            nothing: object = None
            return cast(T, nothing)
        if cast_to is httpx.Response:
            return response  # type: ignore[return-value]
        if cast_to is bytes:
            return cast(T, response.content)
        if cast_to is str:
            return cast(T, response.text)
        body = response.content
        method = response.request.method
        url = redact_url(response.request.url)
        try:
            payload: object = jsonlib.loads(body) if body.strip() else {}
        except ValueError:
            snippet = body[:200].decode("utf-8", "replace")
            raise MalformedResponseError(
                f"expected a JSON body, got {response.headers.get('Content-Type', 'no content type')}: {snippet!r}",
                status=response.status_code,
                method=method,
                url=url,
            ) from None
        try:
            return cast(T, validate_response(cast_to, payload, strict=self.config.strict_responses))
        except pydantic.ValidationError as e:
            raise MalformedResponseError(
                f"the answer does not match {getattr(cast_to, '__name__', cast_to)!s}: "
                + describe_validation_error(e),
                status=response.status_code,
                method=method,
                url=url,
                data=payload,
            ) from None

    def is_retryable(self, method: str, idempotent: bool | None) -> bool:
        return idempotent if idempotent is not None else method.upper() in _IDEMPOTENT_METHODS

    def should_retry_status(self, response: httpx.Response, body: bytes) -> bool:
        if response.status_code not in _RETRY_STATUSES:
            return False
        try:
            data = jsonlib.loads(body) if body else None
        except ValueError:
            return True
        if isinstance(data, dict):
            ptype = str(cast(dict[str, Any], data).get("type", ""))
            if ptype.rsplit("/", 1)[-1] in _NON_TRANSIENT_PROBLEMS:
                return False
        return True

    def connection_error(
        self, exc: Exception, base_url: str | None = None
    ) -> BackendConnectionError:
        if base_url is not None:
            return BackendConnectionError(
                f"Request to {redact_url(base_url)} has failed. Check your network connection and/or "
                f"the server status: {type(exc).__name__}: {exc}"
            )
        endpoints = ", ".join(self.config.endpoints)
        return BackendConnectionError(
            "Request to the API endpoint has failed. Check your network connection and/or the "
            f"server status (tried: {endpoints}): {type(exc).__name__}: {exc}"
        )


class _RetryPlan:
    """The retry and failover decisions of one call, shared by the sync and async loops.

    Each ``after_*`` method returns how long to wait before the next attempt, or raises the
    error the caller should see when there is no attempt left.
    """

    def __init__(
        self, client: BaseClient, method: str, idempotent: bool | None, base_url: str | None
    ) -> None:
        self.client = client
        self.retryable = client.is_retryable(method, idempotent)
        self.base_url = base_url
        self.attempt = 0
        self.failovers = 0

    def _next_attempt(self, response: httpx.Response | None = None) -> float:
        delay = self.client.retry.delay(self.attempt, response)
        self.attempt += 1
        return delay

    def after_transport_error(self, exc: httpx.TransportError) -> float:
        config = self.client.config
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            # Nothing reached the server: trying the next endpoint (or again) is always safe.
            if self.base_url is None and self.failovers + 1 < len(config.endpoints):
                self.failovers += 1
                config.rotate_endpoints()
                return 0.0
            if self.attempt < self.client.retry.max_retries:
                self.failovers = 0
                return self._next_attempt()
        elif self.retryable and self.attempt < self.client.retry.max_retries:
            return self._next_attempt()
        raise self.client.connection_error(exc, self.base_url) from exc

    def after_error_status(self, response: httpx.Response, body: bytes) -> float:
        if (
            self.retryable
            and self.attempt < self.client.retry.max_retries
            and self.client.should_retry_status(response, body)
        ):
            return self._next_attempt(response)
        raise self.client.make_api_error(response, body)


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
        self.http = http_client or httpx.Client(
            timeout=self.timeout(),
            verify=not config.skip_sslcert_validation,
            follow_redirects=False,
        )

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def _send(
        self,
        method: str,
        path: str,
        *,
        stream: bool,
        idempotent: bool | None,
        base_url: str | None,
        **kwargs: Any,
    ) -> httpx.Response:
        plan = _RetryPlan(self, method, idempotent, base_url)
        while True:
            request = self._build_request(self.http, method, path, base_url=base_url, **kwargs)
            log.debug("%s %s", request.method, redact_url(request.url))
            try:
                response = self.http.send(request, stream=stream)
            except httpx.TransportError as e:
                time.sleep(plan.after_transport_error(e))
                continue
            if response.is_success:
                return response
            body = response.read()
            response.close()
            time.sleep(plan.after_error_status(response, body))

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
        response = self._send(
            method,
            path,
            stream=False,
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
        return self._parse(response, cast_to)

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
        response = self._send(
            method,
            path,
            stream=True,
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
        self.http = http_client or httpx.AsyncClient(
            timeout=self.timeout(),
            verify=not config.skip_sslcert_validation,
            follow_redirects=False,
        )

    async def close(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        stream: bool,
        idempotent: bool | None,
        base_url: str | None,
        **kwargs: Any,
    ) -> httpx.Response:
        plan = _RetryPlan(self, method, idempotent, base_url)
        while True:
            request = self._build_request(self.http, method, path, base_url=base_url, **kwargs)
            log.debug("%s %s", request.method, redact_url(request.url))
            try:
                response = await self.http.send(request, stream=stream)
            except httpx.TransportError as e:
                await anyio.sleep(plan.after_transport_error(e))
                continue
            if response.is_success:
                return response
            body = await response.aread()
            await response.aclose()
            await anyio.sleep(plan.after_error_status(response, body))

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
        response = await self._send(
            method,
            path,
            stream=False,
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
        return self._parse(response, cast_to)

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
        response = await self._send(
            method,
            path,
            stream=True,
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
