"""The exception hierarchy.

``BackendError`` is the root. ``BackendClientError`` covers local problems (bad arguments, bad
configuration, connection failures); ``BackendAPIError`` covers answers of the server that are not
a success, with one subclass per common status, each carrying the parsed problem+json body.
The seed's names (``BackendError``, ``BackendAPIError``, ``BackendClientError``,
``BackendAPIVersionError``, ``APIVersionWarning``) stay importable from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import pydantic
    from pydantic_core import ErrorDetails

    from ._results import ExecutionResult

__all__ = [
    "APIVersionWarning",
    "AuthenticationError",
    "BackendAPIError",
    "BackendAPIVersionError",
    "BackendClientError",
    "BackendConnectionError",
    "BackendError",
    "BackendTLSError",
    "BackendTimeoutError",
    "BackgroundTaskTimeoutError",
    "BadRequestError",
    "ConflictError",
    "EventStreamTimeoutError",
    "ExecutionStreamError",
    "GraphQLError",
    "GraphQLPermissionError",
    "GraphQLValidationError",
    "InternalServerError",
    "InvalidArgumentError",
    "LocalArgumentError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "ResponseValidationWarning",
    "ServiceUnavailableError",
    "UnknownImageError",
    "UnprocessableEntityError",
    "UnsafeArchiveError",
    "WebSocketClosedError",
    "error_for_status",
]

PROBLEM_PREFIX = "https://api.backend.ai/probs/"


class BackendError(Exception):
    """Every error raised by this package derives from this class."""


class BackendClientError(BackendError):
    """A problem on the client side: configuration, arguments, connection, a malformed answer."""


class BackendConnectionError(BackendClientError):
    """No configured endpoint could be reached (after failover and retries)."""


class MalformedResponseError(BackendClientError):
    """The server answered with success but the body is not what the API promises.

    Raised for a body that is not JSON where JSON was promised, and, with
    ``APIConfig(strict_responses=True)``, for JSON that does not match the answer's model;
    ``data`` is the decoded JSON then (``None`` for a body that is not JSON).
    """

    def __init__(
        self, message: str, *, status: int, method: str, url: str, data: Any = None
    ) -> None:
        super().__init__(f"{method} {url} -> {status}: {message}")
        self.status = status
        self.method = method
        self.url = url
        self.data = data
        self.detail = message

    def after(self, outcome: str) -> MalformedResponseError:
        """The same error, first saying what the server did (``the server created session
        'x'``): a call that succeeded must not look as if nothing happened."""
        return MalformedResponseError(
            f"{outcome}, but {self.detail}",
            status=self.status,
            method=self.method,
            url=self.url,
            data=self.data,
        )


class BackendTLSError(BackendConnectionError):
    """The server's TLS certificate was refused; not retried, since asking again cannot help."""


class BackendTimeoutError(BackendConnectionError):
    """A call took longer than its total deadline (``total_timeout``), retries included."""


class EventStreamTimeoutError(BackendClientError, TimeoutError):
    """An event stream did not end within the overall timeout it was opened with (not a dropped
    connection: the stream is not reconnected after it)."""


class BackgroundTaskTimeoutError(EventStreamTimeoutError):
    """``BackgroundTask.wait`` gave up: the task did not end within ``timeout`` seconds.

    The task may still be running (or, on 26.09, may not exist: that manager keeps the event
    stream of an unknown task id open forever). ``task_id`` and ``timeout`` say which and how long.
    """

    def __init__(self, task_id: str, timeout: float) -> None:
        super().__init__(f"background task {task_id} did not end within {timeout:g} s")
        self.task_id = task_id
        self.timeout = timeout


class LocalArgumentError(BackendClientError, ValueError):
    """An argument was rejected locally; nothing was sent to the server."""


class InvalidArgumentError(BackendClientError, TypeError):
    """An argument of an SDK call has the wrong type or value; nothing was sent."""

    def __init__(self, func_name: str, error: pydantic.ValidationError) -> None:
        parts: list[str] = []
        for item in error.errors(include_url=False):
            loc = ".".join(str(p) for p in item["loc"]) or "(arguments)"
            parts.append(f"{loc}: {item['msg']}")
        super().__init__(f"invalid arguments to {func_name}(): " + "; ".join(parts))
        #: pydantic's record of each failed check (``loc``, ``msg``, ``type``, ``input``).
        self.errors: list[ErrorDetails] = error.errors(include_url=False)


class UnsafeArchiveError(BackendClientError):
    """A downloaded archive tried to write outside its destination or contained a link/device."""


class WebSocketClosedError(BackendClientError):
    """The WebSocket closed abnormally (or was already closed) while data was expected."""

    def __init__(self, message: str, *, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class ExecutionStreamError(BackendError):
    """The streaming-execute server sent an ``error`` or ``server-restarting`` frame."""

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result
        super().__init__(f"execution stream {result.status}: {result.msg or '(no message)'}")


class BackendAPIVersionError(BackendError):
    """The feature needs a newer (or older) server API version than the one negotiated."""


class APIVersionWarning(UserWarning):
    """Version negotiation found something worth telling the user about."""


class ResponseValidationWarning(UserWarning):
    """An answer did not match its model and was read leniently: the message names the model and
    the field paths that kept the server's raw value (or are missing). Issued once per model and
    field per process; ``APIConfig(strict_responses=True)`` makes such answers errors instead."""


class BackendAPIError(BackendError):
    """The server answered with a non-success status (or GraphQL ``errors``).

    ``data`` is the parsed problem+json body (``type``, ``title``, ``msg``, ``data``, ...); a body
    that is not JSON is kept under ``content`` with a generic ``type``.
    """

    status: int
    reason: str
    data: dict[str, Any]
    method: str | None
    url: str | None
    #: Seconds the server asked to wait (``Retry-After``) when the client gave up waiting.
    retry_after: float | None

    def __init__(
        self,
        status: int,
        reason: str,
        data: Mapping[str, Any] | None = None,
        *,
        method: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.data = dict(data) if data is not None else {}
        self.method = method
        self.url = url
        self.retry_after = retry_after
        super().__init__(status, reason, self.data)

    @property
    def type(self) -> str | None:
        """The full problem type URI, e.g. ``https://api.backend.ai/probs/server-frozen``."""
        value = self.data.get("type")
        return value if isinstance(value, str) else None

    @property
    def slug(self) -> str | None:
        """The last part of the problem type, e.g. ``server-frozen``; branch on this."""
        t = self.type
        if t is None:
            return None
        return t[len(PROBLEM_PREFIX) :] if t.startswith(PROBLEM_PREFIX) else t.rsplit("/", 1)[-1]

    @property
    def title(self) -> str | None:
        value = self.data.get("title")
        return value if isinstance(value, str) else None

    @property
    def message(self) -> str | None:
        """The server's detail: ``msg`` (or ``error_msg``/``message``), else a ``data`` string.

        The manager puts an error's extra text under ``msg`` but its extra *data* under ``data``;
        several errors carry their detail only there (a vfolder 404 sends the folder's name as
        ``data`` and no ``msg``), so a string ``data`` is the message then.
        """
        for key in ("msg", "error_msg", "message"):
            value = self.data.get(key)
            if isinstance(value, str) and value:
                return value
        data = self.data.get("data")
        if isinstance(data, str) and data:
            return data
        return None

    def __str__(self) -> str:
        head = f"{self.status} {self.reason}".strip()
        if self.method and self.url:
            head = f"{self.method} {self.url} -> {head}"
        details = [d for d in (self.title, self.message) if d]
        if self.slug and self.slug not in ("generic-error",):
            details.insert(0, f"[{self.slug}]")
        field_errors: object = self.data.get("data")
        if isinstance(field_errors, Mapping) and field_errors and self.slug == "invalid-api-params":
            fields = cast(Mapping[object, object], field_errors)
            details.append("; ".join(f"{k}: {fields[k]}" for k in sorted(fields, key=str)))
        text = head + (": " + " ".join(details) if details else "")
        if self.retry_after is not None:
            text += f" (the server asks to retry after {self.retry_after:g} s)"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status!r}, {self.reason!r}, {self.data!r})"


class BadRequestError(BackendAPIError):
    """400"""


class AuthenticationError(BackendAPIError):
    """401: unknown access key, signature mismatch, not logged in."""


class PermissionDeniedError(BackendAPIError):
    """403"""


class NotFoundError(BackendAPIError):
    """404"""


class ConflictError(BackendAPIError):
    """409"""


class PreconditionFailedError(BackendAPIError):
    """412 (for example a resource quota is exhausted)."""


class UnprocessableEntityError(BackendAPIError):
    """422"""


class RateLimitError(BackendAPIError):
    """429"""


class InternalServerError(BackendAPIError):
    """5xx other than 503."""


class UnknownImageError(NotFoundError):
    """The server does not know the image (or the domain may not use its registry)."""

    def __init__(self, image: str, cause: NotFoundError) -> None:
        super().__init__(cause.status, cause.reason, cause.data, method=cause.method, url=cause.url)
        self.image = image

    def __str__(self) -> str:
        return (
            f"unknown image {self.image!r}: the server has no such image or alias, or your domain "
            "may not use its registry (list the available ones with `backend.ai admin image list`)"
        )


class ServiceUnavailableError(InternalServerError):
    """503 (for example ``server-frozen``)."""


class GraphQLError(BadRequestError):
    """The GraphQL answer carried ``errors``; ``errors`` lists them and ``partial_data`` keeps ``data``."""

    errors: list[dict[str, Any]]
    partial_data: dict[str, Any] | None

    def __init__(
        self,
        errors: Sequence[Mapping[str, Any]],
        partial_data: Mapping[str, Any] | None = None,
        *,
        status: int = 400,
        method: str | None = "POST",
        url: str | None = None,
    ) -> None:
        self.errors = [dict(e) for e in errors]
        self.partial_data = dict(partial_data) if partial_data is not None else None
        data = {
            "type": PROBLEM_PREFIX + "graphql-error",
            "title": "GraphQL-generated error",
            "data": self.errors,
        }
        super().__init__(status, "Bad Request", data, method=method, url=url)

    @property
    def message(self) -> str | None:
        msgs: list[str] = []
        for e in self.errors:
            text = str(e.get("message", e))
            path = e.get("path")
            if path:
                text += " (at " + ".".join(str(p) for p in path) + ")"
            msgs.append(text)
        return "; ".join(msgs) or None


class GraphQLPermissionError(GraphQLError, PermissionDeniedError):
    """The manager refused a GraphQL field or mutation for lack of privilege (HTTP 200 + errors)."""

    def __init__(
        self,
        errors: Sequence[Mapping[str, Any]],
        partial_data: Mapping[str, Any] | None = None,
        *,
        url: str | None = None,
    ) -> None:
        super().__init__(errors, partial_data, status=403, url=url)
        self.reason = "Forbidden"
        self.data["type"] = PROBLEM_PREFIX + "generic-forbidden"


class GraphQLValidationError(GraphQLError, BackendClientError):
    """A document (or its variables) does not fit the server's schema; nothing was sent."""

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(errors, None, method=None)
        self.data["title"] = "Invalid GraphQL document"

    def __str__(self) -> str:
        parts: list[str] = []
        for e in self.errors:
            locations: list[dict[str, int]] = e.get("locations") or []
            where = f"{locations[0]['line']}:{locations[0]['column']}: " if locations else ""
            parts.append(where + str(e.get("message")))
        return "invalid GraphQL document (not sent): " + "; ".join(parts)


# How the manager words refusals (22.03 and 24.09): "... permission denied", InsufficientPrivilege,
# "Not enough privileges", "Unauthorized access", "forbidden".
_PERMISSION = re.compile(
    r"permission denied|insufficientprivilege|insufficient privilege|not enough privilege|"
    r"unauthorized|forbidden|only (?:super)?admin",
    re.IGNORECASE,
)


def is_permission_message(message: str) -> bool:
    """Does a GraphQL error message say the caller lacks the privilege?"""
    return _PERMISSION.search(message) is not None


_STATUS_CLASSES: dict[int, type[BackendAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def error_for_status(status: int) -> type[BackendAPIError]:
    """The exception class for an HTTP status."""
    cls = _STATUS_CLASSES.get(status)
    if cls is not None:
        return cls
    if status >= 500:
        return InternalServerError
    return BackendAPIError
