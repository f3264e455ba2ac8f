"""Client configuration: explicit arguments > ``BACKEND_*`` (then legacy ``SORNA_*``) > defaults."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, cast, overload
from urllib.parse import urlsplit

from ._redact import redact_url
from ._types import Undefined, undefined
from .exceptions import BackendClientError
from .versioning import CLIENT_API_VERSION, parse_version

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_INFLIGHT_CHUNKS",
    "APIConfig",
    "ConfigError",
    "EndpointType",
    "format_size",
    "get_config",
    "get_env",
    "parse_bool",
    "set_config",
    "user_cache_dir",
    "user_state_dir",
]

_T = TypeVar("_T")

EndpointType = Literal["api", "session"]

DEFAULT_CHUNK_SIZE: Final = 16 * (2**20)
MAX_INFLIGHT_CHUNKS: Final = 4

_HASH_TYPES: Final = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")


def _client_version() -> str:
    try:
        from importlib.metadata import version

        return version("ai-backend-client")
    except Exception:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


class ConfigError(BackendClientError, ValueError):
    """The configuration is invalid (bad URL, unknown endpoint type, missing secret, ...)."""


def _default_clean(value: Any) -> Any:
    return value


@overload
def get_env(key: str, default: str | Mapping[str, str] | Undefined = ...) -> Any: ...
@overload
def get_env(
    key: str, default: str | Mapping[str, str] | Undefined = ..., *, clean: Callable[[Any], _T]
) -> _T: ...
def get_env(
    key: str,
    default: str | Mapping[str, str] | Undefined = undefined,
    *,
    clean: Callable[[Any], Any] = _default_clean,
) -> Any:
    """Read ``BACKEND_<KEY>``, else ``SORNA_<KEY>``, else *default*, then apply *clean*.

    Empty strings count as set. Raises ``KeyError`` when nothing is set and no default is given.
    """
    key = key.upper()
    for prefix in ("BACKEND_", "SORNA_"):
        value = os.environ.get(prefix + key)
        if value is not None:
            return clean(value)
    if isinstance(default, Undefined):
        raise KeyError(key)
    return clean(default)


def parse_bool(value: str | bool) -> bool:
    """``y/yes/t/true/1`` or ``n/no/f/false/0`` (case-insensitive)."""
    if isinstance(value, bool):
        return value
    v = value.strip().lower()
    if v in ("y", "yes", "t", "true", "1", "on"):
        return True
    if v in ("n", "no", "f", "false", "0", "off", ""):
        return False
    raise ConfigError(f"not a boolean value: {value!r} (use yes/no, true/false or 1/0)")


def _parse_endpoints(value: str | Sequence[str]) -> list[str]:
    items = (
        [v.strip() for v in value.split(",")]
        if isinstance(value, str)
        else [str(v).strip() for v in value]
    )
    items = [v for v in items if v]
    if not items:
        raise ConfigError("no API endpoint is configured (set BACKEND_ENDPOINT)")
    result: list[str] = []
    for item in items:
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"malformed endpoint URL {item!r}: it must be an absolute http(s) URL such as "
                "'https://api.backend.ai' or 'http://127.0.0.1:8091'"
            )
        try:
            parts.port  # noqa: B018 - validates the port number
        except ValueError as e:
            raise ConfigError(f"malformed endpoint URL {item!r}: {e}") from None
        result.append(item.rstrip("/"))
    return result


def _parse_address_map(value: str | Mapping[str, str]) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    result: dict[str, str] = {}
    for pair in value.split(","):
        pair = pair.strip()
        if not pair:
            continue
        if "=" not in pair:
            raise ConfigError(
                f"malformed storage proxy address map item {pair!r}: expected FROM=TO (comma-separated)"
            )
        src, dst = pair.split("=", 1)
        result[src.strip()] = dst.strip()
    return result


_SIZE_UNITS: Final = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def _parse_size(name: str, value: str | int) -> int:
    """A byte count: ``65536``, ``64M``, ``64MiB``, ``1g`` (binary units)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number, unit = value, ""
    else:
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        unit = text[-1:] if text[-1:] in _SIZE_UNITS and not text[-1:].isdigit() else ""
        try:
            number = int(text[: len(text) - len(unit)])
        except ValueError:
            raise ConfigError(
                f"{name} must be a number of bytes such as 65536, 64M or 1G, got {value!r}"
            ) from None
    if number <= 0:
        raise ConfigError(f"{name} must be positive, got {value!r}")
    return number * _SIZE_UNITS[unit]


def format_size(n: int) -> str:
    """``67108864`` -> ``64 MiB`` (for messages about the size limits)."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n} bytes"


def _parse_positive(name: str, value: str | float) -> float:
    result = _parse_timeout(name, value)
    if result <= 0:
        raise ConfigError(f"{name} must be positive, got {value!r}")
    return result


def _parse_timeout(name: str, value: str | float) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds, got {value!r}") from None
    if result < 0:
        raise ConfigError(f"{name} must not be negative, got {value!r}")
    return result


def _setting(name: str, given: Any, parse: Callable[[str, Any], _T]) -> _T:
    """The argument *given*, else ``BACKEND_<NAME>``, else the default; checked by *parse*."""
    value = given if given is not None else get_env(name, cast(str, APIConfig.DEFAULTS[name]))
    return parse(f"{name} (BACKEND_{name.upper()})", value)


class APIConfig:
    """A set of client settings; every argument falls back to the environment, then the defaults.

    Unlike the official client, the read timeout is finite by default (``0`` still means "none"
    when set explicitly), and TLS verification is on unless ``skip_sslcert_validation`` is set.

    Limits that protect the client from a misbehaving server (each ``BACKEND_<NAME>``):
    ``total_timeout`` bounds one JSON call from the first byte sent to the last byte read,
    retries included (``0``: no bound); ``max_response_size`` bounds a JSON answer;
    ``max_retry_after`` is the longest ``Retry-After`` the client waits for before it gives up;
    ``max_extract_size`` and ``max_extract_ratio`` bound what a compute-session download may
    extract (in bytes, and relative to the bytes received). ``ca_bundle`` names a PEM file of
    extra certificate authorities to trust (a private CA of the cluster).
    """

    DEFAULTS: Mapping[str, str | Mapping[str, str]] = {
        "endpoint": "https://api.backend.ai",
        "endpoint_type": "api",
        "version": str(CLIENT_API_VERSION),
        "hash_type": "sha256",
        "domain": "default",
        "group": "default",
        "storage_proxy_address_map": {},
        "connection_timeout": "10.0",
        "read_timeout": "300.0",
        "total_timeout": "300.0",
        "max_response_size": "64M",
        "max_retry_after": "60.0",
        "max_extract_size": "1G",
        "max_extract_ratio": "100",
    }

    def __init__(
        self,
        *,
        endpoint: str | Sequence[str] | None = None,
        endpoint_type: str | None = None,
        domain: str | None = None,
        group: str | None = None,
        storage_proxy_address_map: Mapping[str, str] | None = None,
        version: str | None = None,
        user_agent: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        hash_type: str | None = None,
        vfolder_mounts: Iterable[str] | None = None,
        skip_sslcert_validation: bool | None = None,
        connection_timeout: float | None = None,
        read_timeout: float | None = None,
        total_timeout: float | None = None,
        max_response_size: int | None = None,
        max_retry_after: float | None = None,
        max_extract_size: int | None = None,
        max_extract_ratio: float | None = None,
        ca_bundle: str | os.PathLike[str] | None = None,
        announcement_handler: Callable[[str], None] | None = None,
        shuffle_endpoints: bool = True,
        strict_responses: bool | None = None,
    ) -> None:
        d = self.DEFAULTS
        endpoints = _parse_endpoints(
            endpoint if endpoint is not None else get_env("ENDPOINT", cast(str, d["endpoint"]))
        )
        if shuffle_endpoints and len(endpoints) > 1:
            # All endpoints are assumed to front the same cluster: spread clients over them.
            random.shuffle(endpoints)
        self._endpoints = endpoints
        etype = (
            endpoint_type
            if endpoint_type is not None
            else get_env("ENDPOINT_TYPE", cast(str, d["endpoint_type"]))
        )
        etype = etype.strip().lower()
        if etype not in ("api", "session"):
            raise ConfigError(f"unsupported endpoint type {etype!r}: use 'api' or 'session'")
        self._endpoint_type: EndpointType = "session" if etype == "session" else "api"
        self._domain = domain if domain is not None else get_env("DOMAIN", cast(str, d["domain"]))
        self._group = group if group is not None else get_env("GROUP", cast(str, d["group"]))
        self._version = str(
            parse_version(version if version is not None else cast(str, d["version"]))
        )
        self._user_agent = (
            user_agent
            if user_agent is not None
            else f"Backend.AI Client for Python {_client_version()} (ai-backend-client)"
        )
        if self._endpoint_type == "session":
            # The webserver holds the real keypair; requests carry its cookie instead of a signature.
            self._access_key = "dummy"
            self._secret_key = "dummy"
        else:
            self._access_key = access_key if access_key is not None else get_env("ACCESS_KEY", "")
            self._secret_key = secret_key if secret_key is not None else get_env("SECRET_KEY", "")
            if self._access_key and not self._secret_key:
                raise ConfigError(
                    "an access key is configured but no secret key: set BACKEND_SECRET_KEY "
                    "(or use an empty access key for anonymous access)"
                )
        ht = (hash_type if hash_type is not None else cast(str, d["hash_type"])).lower()
        if ht not in _HASH_TYPES:
            raise ConfigError(f"unsupported hash type {ht!r}: use one of {', '.join(_HASH_TYPES)}")
        self._hash_type = ht
        env_mounts = get_env("VFOLDER_MOUNTS", "")
        mounts = {m.strip() for m in env_mounts.split(",") if m.strip()}
        if vfolder_mounts is not None:
            mounts |= {m for m in vfolder_mounts if m}
        self._vfolder_mounts = sorted(mounts)
        self._skip_sslcert_validation = (
            skip_sslcert_validation
            if skip_sslcert_validation is not None
            else get_env("SKIP_SSLCERT_VALIDATION", "no", clean=parse_bool)
        )
        self._connection_timeout = (
            float(connection_timeout)
            if connection_timeout is not None
            else _parse_timeout(
                "BACKEND_CONNECTION_TIMEOUT",
                get_env("CONNECTION_TIMEOUT", cast(str, d["connection_timeout"])),
            )
        )
        self._read_timeout = (
            float(read_timeout)
            if read_timeout is not None
            else _parse_timeout(
                "BACKEND_READ_TIMEOUT", get_env("READ_TIMEOUT", cast(str, d["read_timeout"]))
            )
        )
        self._total_timeout = _setting("total_timeout", total_timeout, _parse_timeout)
        self._max_response_size = _setting("max_response_size", max_response_size, _parse_size)
        self._max_retry_after = _setting("max_retry_after", max_retry_after, _parse_timeout)
        self._max_extract_size = _setting("max_extract_size", max_extract_size, _parse_size)
        self._max_extract_ratio = _setting("max_extract_ratio", max_extract_ratio, _parse_positive)
        bundle = os.fspath(ca_bundle) if ca_bundle is not None else get_env("CA_BUNDLE", "")
        if bundle and not os.path.isfile(bundle):
            raise ConfigError(
                f"the CA bundle {bundle!r} (ca_bundle / BACKEND_CA_BUNDLE) is not a readable file"
            )
        self._ca_bundle = bundle or None
        self._storage_proxy_address_map = (
            dict(storage_proxy_address_map)
            if storage_proxy_address_map is not None
            else get_env(
                "OVERRIDE_STORAGE_PROXY",
                cast(Mapping[str, str], d["storage_proxy_address_map"]),
                clean=_parse_address_map,
            )
        )
        self._announcement_handler = announcement_handler
        self._strict_responses = (
            strict_responses
            if strict_responses is not None
            else get_env("STRICT_RESPONSES", "no", clean=parse_bool)
        )

    # -- properties of the seed ---------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """The currently active endpoint URL (changes on failover)."""
        return self._endpoints[0]

    @property
    def endpoints(self) -> Sequence[str]:
        """All configured endpoint URLs, the active one first."""
        return tuple(self._endpoints)

    def rotate_endpoints(self) -> None:
        """Make the next endpoint the active one (used on connection failures)."""
        if len(self._endpoints) > 1:
            self._endpoints.append(self._endpoints.pop(0))

    def load_balance_endpoints(self) -> None:
        """Kept for compatibility with the seed; endpoints are shuffled once at construction."""

    @property
    def endpoint_type(self) -> EndpointType:
        return self._endpoint_type

    @property
    def domain(self) -> str:
        return self._domain

    @property
    def group(self) -> str:
        return self._group

    @property
    def storage_proxy_address_map(self) -> Mapping[str, str]:
        return dict(self._storage_proxy_address_map)

    @property
    def user_agent(self) -> str:
        return self._user_agent

    @property
    def access_key(self) -> str:
        return self._access_key

    @property
    def secret_key(self) -> str:
        return self._secret_key

    @property
    def version(self) -> str:
        """The newest API version this client offers in negotiation."""
        return self._version

    @property
    def hash_type(self) -> str:
        return self._hash_type

    @property
    def vfolder_mounts(self) -> Sequence[str]:
        return tuple(self._vfolder_mounts)

    @property
    def skip_sslcert_validation(self) -> bool:
        return self._skip_sslcert_validation

    @property
    def connection_timeout(self) -> float:
        return self._connection_timeout

    @property
    def read_timeout(self) -> float:
        """Seconds to wait for response data; ``0`` means no limit."""
        return self._read_timeout

    @property
    def total_timeout(self) -> float:
        """Seconds one JSON call may take in all, retries included; ``0`` means no limit."""
        return self._total_timeout

    @property
    def max_response_size(self) -> int:
        """The largest JSON answer (in bytes, after decompression) the client accepts."""
        return self._max_response_size

    @property
    def max_retry_after(self) -> float:
        """The longest ``Retry-After`` (seconds) honoured; a longer one ends the call at once."""
        return self._max_retry_after

    @property
    def max_extract_size(self) -> int:
        """The most bytes a compute-session download may extract."""
        return self._max_extract_size

    @property
    def max_extract_ratio(self) -> float:
        """The most bytes a compute-session download may extract per byte received."""
        return self._max_extract_ratio

    @property
    def ca_bundle(self) -> str | None:
        """A PEM file of certificate authorities trusted in addition to the system's."""
        return self._ca_bundle

    @property
    def announcement_handler(self) -> Callable[[str], None] | None:
        return self._announcement_handler

    @property
    def strict_responses(self) -> bool:
        """Whether an answer that does not match its model is an error
        (``MalformedResponseError``) instead of a model built as far as it fits, with a
        ``ResponseValidationWarning`` (the default). ``BACKEND_STRICT_RESPONSES=1`` turns it on."""
        return self._strict_responses

    @property
    def is_anonymous(self) -> bool:
        return self._access_key == ""

    @property
    def masked_secret_key(self) -> str:
        return mask_secret(self._secret_key)

    def __repr__(self) -> str:
        return (
            f"<APIConfig endpoint={redact_url(self.endpoint)!r} endpoint_type={self.endpoint_type!r} "
            f"access_key={self.access_key!r} secret_key={self.masked_secret_key!r} "
            f"domain={self.domain!r} group={self.group!r} version={self.version!r}>"
        )


def mask_secret(secret: str) -> str:
    """``********`` for any secret that is set (no prefix, no length), ``""`` when unset."""
    return "********" if secret else ""


def user_state_dir() -> Path:
    """Where the CLI keeps session cookies and small state (XDG state home)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(base) / "backend.ai"


def user_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "backend.ai"


_config: APIConfig | None = None


def get_config() -> APIConfig:
    """The process-wide configuration; built from the environment on first use."""
    global _config
    if _config is None:
        _config = APIConfig()
    return _config


def set_config(conf: APIConfig | None) -> None:
    """Set (or with ``None`` reset) the process-wide configuration."""
    global _config
    _config = conf
