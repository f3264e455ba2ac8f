from __future__ import annotations

from pathlib import Path

import pytest

from ai_backend_client.config import (
    APIConfig,
    ConfigError,
    get_config,
    get_env,
    parse_bool,
    set_config,
)

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_defaults() -> None:
    c = APIConfig()
    assert c.endpoint == "https://api.backend.ai"
    assert c.endpoint_type == "api"
    assert c.domain == "default" and c.group == "default"
    assert c.hash_type == "sha256"
    assert c.is_anonymous
    assert c.connection_timeout == 10.0
    assert c.read_timeout > 0, "the default read timeout must be finite"
    assert c.skip_sslcert_validation is False
    assert dict(c.storage_proxy_address_map) == {}
    assert set(APIConfig.DEFAULTS) >= {
        "endpoint",
        "endpoint_type",
        "version",
        "hash_type",
        "domain",
        "group",
    }


def test_backend_env_wins_over_legacy_sorna(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORNA_DOMAIN", "legacy")
    assert APIConfig().domain == "legacy"
    monkeypatch.setenv("BACKEND_DOMAIN", "new")
    assert APIConfig().domain == "new"
    assert APIConfig(domain="arg").domain == "arg"


def test_get_env_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(KeyError):
        get_env("NOPE")
    assert get_env("NOPE", "d") == "d"
    monkeypatch.setenv("BACKEND_EMPTY", "")
    assert get_env("empty", "d") == "", "empty strings count as set"
    assert get_env("NOPE", "3", clean=int) == 3


def test_env_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", "http://a:8081, http://b:8081")
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("BACKEND_SECRET_KEY", SECRET)
    monkeypatch.setenv("BACKEND_VFOLDER_MOUNTS", "data1,data2")
    monkeypatch.setenv("BACKEND_SKIP_SSLCERT_VALIDATION", "yes")
    monkeypatch.setenv("BACKEND_CONNECTION_TIMEOUT", "3.5")
    monkeypatch.setenv("BACKEND_READ_TIMEOUT", "0")
    monkeypatch.setenv(
        "BACKEND_OVERRIDE_STORAGE_PROXY", "http://10.0.0.1:6021=http://proxy:6021,x=y"
    )
    c = APIConfig(vfolder_mounts=["data3"])
    assert sorted(c.endpoints) == ["http://a:8081", "http://b:8081"]
    assert not c.is_anonymous and c.access_key == "AKIAIOSFODNN7EXAMPLE"
    assert sorted(c.vfolder_mounts) == ["data1", "data2", "data3"]
    assert c.skip_sslcert_validation is True
    assert c.connection_timeout == 3.5 and c.read_timeout == 0
    assert c.storage_proxy_address_map == {"http://10.0.0.1:6021": "http://proxy:6021", "x": "y"}


@pytest.mark.parametrize("bad", ["api.backend.ai", "ftp://x", "http://", "http://h:99999", "//h"])
def test_malformed_endpoint_is_rejected(bad: str) -> None:
    with pytest.raises(ConfigError, match="malformed endpoint URL"):
        APIConfig(endpoint=bad)


def test_unknown_endpoint_type() -> None:
    with pytest.raises(ConfigError, match="unsupported endpoint type"):
        APIConfig(endpoint_type="grpc")


def test_access_key_without_secret_is_rejected() -> None:
    with pytest.raises(ConfigError, match="no secret key"):
        APIConfig(access_key="AKIAIOSFODNN7EXAMPLE")


def test_session_mode_forces_dummy_keys() -> None:
    c = APIConfig(endpoint_type="session", access_key="x", secret_key="y")
    assert c.access_key == "dummy" and not c.is_anonymous


def test_secret_never_in_repr() -> None:
    c = APIConfig(access_key="AKIAIOSFODNN7EXAMPLE", secret_key=SECRET)
    assert SECRET not in repr(c)
    assert SECRET not in c.masked_secret_key
    assert "AKIAIOSFODNN7EXAMPLE" in repr(c)


def test_bad_bool_and_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError):
        parse_bool("maybe")
    monkeypatch.setenv("BACKEND_READ_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="BACKEND_READ_TIMEOUT"):
        APIConfig()


def test_rotate_endpoints() -> None:
    c = APIConfig(endpoint="http://a:1,http://b:2", shuffle_endpoints=False)
    assert c.endpoint == "http://a:1"
    c.rotate_endpoints()
    assert c.endpoint == "http://b:2"


def test_get_set_config() -> None:
    c = APIConfig(domain="x")
    set_config(c)
    assert get_config() is c
    set_config(None)
    assert get_config() is not c


def test_secret_display_has_no_prefix() -> None:
    c = APIConfig(access_key="AKIAIOSFODNN7EXAMPLE", secret_key=SECRET)
    assert c.masked_secret_key == "********"
    assert SECRET[:4] not in repr(c)
    assert APIConfig(access_key="").masked_secret_key == ""


def test_endpoint_password_is_redacted_in_repr() -> None:
    c = APIConfig(endpoint="http://alice:hunter2@127.0.0.1:8091")
    assert "hunter2" not in repr(c) and "alice:***@127.0.0.1:8091" in repr(c)
    assert c.endpoint == "http://alice:hunter2@127.0.0.1:8091"  # the value itself is kept


def test_limits_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    c = APIConfig()
    assert (c.total_timeout, c.max_response_size, c.max_retry_after) == (300.0, 64 * 2**20, 60.0)
    assert (c.max_extract_size, c.max_extract_ratio, c.ca_bundle) == (2**30, 100.0, None)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not checked here")
    for key, value in {
        "TOTAL_TIMEOUT": "0",
        "MAX_RESPONSE_SIZE": "1g",
        "MAX_RETRY_AFTER": "120",
        "MAX_EXTRACT_SIZE": "512KiB",
        "MAX_EXTRACT_RATIO": "7.5",
        "CA_BUNDLE": str(bundle),
    }.items():
        monkeypatch.setenv(f"BACKEND_{key}", value)
    c = APIConfig()
    assert (c.total_timeout, c.max_response_size, c.max_retry_after) == (0.0, 2**30, 120.0)
    assert (c.max_extract_size, c.max_extract_ratio, c.ca_bundle) == (512 * 2**10, 7.5, str(bundle))
    assert APIConfig(max_response_size=1000, total_timeout=5).max_response_size == 1000


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("MAX_RESPONSE_SIZE", "lots", "number of bytes"),
        ("MAX_RESPONSE_SIZE", "0", "must be positive"),
        ("MAX_EXTRACT_RATIO", "0", "must be positive"),
        ("TOTAL_TIMEOUT", "-1", "must not be negative"),
        ("CA_BUNDLE", "/nonexistent/ca.pem", "not a readable file"),
    ],
)
def test_bad_limits_are_config_errors(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str, message: str
) -> None:
    monkeypatch.setenv(f"BACKEND_{key}", value)
    with pytest.raises(ConfigError, match=message):
        APIConfig()
