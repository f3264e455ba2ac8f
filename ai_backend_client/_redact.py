"""Keeping credentials out of URLs shown to people: reprs, error messages and log lines.

Two kinds of secret travel in URLs: a password in the user-info part (``http://user:pw@host``)
and credential-like query values (the storage proxy's JWT ``token=...``). :func:`redact_url`
masks both. :func:`install_log_redaction` adds a filter to the ``httpx`` and ``httpcore`` loggers
(httpx logs every request URL at INFO; httpcore logs response headers, cookies included, at
DEBUG); :mod:`ai_backend_client._base_client` installs it when it is imported, so every way of
sending a request, generated clients included, is covered.
"""

from __future__ import annotations

import logging
import re
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["SECRET_NAMES", "install_log_redaction", "redact_text", "redact_url"]

#: Query keys and model fields whose values are credentials.
SECRET_NAMES: Final = frozenset(
    {"token", "secret_key", "password", "auth_token", "access_token", "refresh_token", "jwt"}
)
MASK: Final = "***"

# The loggers that print request URLs (httpx) or headers (httpcore's trace loggers).
_LOGGERS: Final = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)
_URL: Final = re.compile(r"\b(?:https?|wss?)://[^\s'\"<>]+")
_HEADER_VALUE: Final = re.compile(
    r"(\(b'(?:set-cookie|cookie|authorization|proxy-authorization)', b)(['\"])(?:\\.|(?!\2).)*\2",
    re.IGNORECASE,
)


def redact_url(url: object) -> str:
    """The URL with a user-info password and credential-like query values masked."""
    text = str(url)
    parts = urlsplit(text)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostport}" if colon else f"{userinfo}@{hostport}"
    query = parts.query
    if query and any(k.lower() in SECRET_NAMES for k, _ in parse_qsl(query, True)):
        pairs = [
            (k, MASK if k.lower() in SECRET_NAMES else v)
            for k, v in parse_qsl(query, keep_blank_values=True)
        ]
        query = urlencode(pairs, safe="*/")
    if netloc == parts.netloc and query == parts.query:
        return text
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def redact_text(text: str) -> str:
    """*text* with every URL in it redacted and cookie/authorization header values masked."""
    if "://" in text:
        text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    if "', b'" in text:
        text = _HEADER_VALUE.sub(rf"\g<1>\g<2>{MASK}\g<2>", text)
    return text


class _RedactFilter(logging.Filter):
    """Rewrites a record's message and arguments with :func:`redact_text`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_text(a) if isinstance(a, str) else _redact_object(a) for a in record.args
            )
        return True


def _redact_object(value: object) -> object:
    # httpx passes its URL objects as arguments; keep everything else untouched.
    if type(value).__name__ == "URL":
        return redact_url(value)
    return value


def install_log_redaction() -> None:
    """Add the redacting filter to the loggers of httpx and httpcore (once)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactFilter) for f in logger.filters):
            logger.addFilter(_RedactFilter())
