"""TLS: certificates the client must refuse, and the way to trust a private CA.

A refused certificate is not transient: it fails at once (no retry, no back-off) with a message
that says how to trust the cluster's CA (``BACKEND_CA_BUNDLE``), not how to turn checks off.
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from ._helpers import ALL_MODES, SDK_MODES, bounded_time, failure, make_config, run
from ._server import Conn, FaultServer, Request

CLI = ["admin", "manager", "status"]


def _answer(req: Request, conn: Conn) -> None:
    if req.path == "/":
        conn.json(200, {"version": "v8.20240915", "manager": "24.09.6"})
    else:
        conn.json(200, {"nodes": [], "status": "running", "active_sessions": 0})


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(
    ca: trustme.CA, cli_env: Callable[[str], None]
) -> Iterator[Callable[..., FaultServer]]:
    servers: list[FaultServer] = []

    def start(*identities: str, **kw: dt.datetime) -> FaultServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*(identities or ("127.0.0.1",)), **kw).configure_cert(context)  # type: ignore[arg-type]
        server = FaultServer(_answer, ssl_context=context)
        servers.append(server)
        cli_env(server.url)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "cluster-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _check_refusal(mode: str, message: str, reason: str, advice: str) -> None:
    assert reason in message and advice in message, message
    assert "not retried" in message and "SKIP_SSLCERT" not in message.upper()


def status(s: object) -> object:
    return s.Manager.status()  # type: ignore[attr-defined]


@pytest.mark.fault(
    "BackendTLSError at once (one attempt), saying to trust the CA with BACKEND_CA_BUNDLE"
)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_certificate_from_an_unknown_ca(mode: str, tls_server) -> None:  # type: ignore[no-untyped-def]
    """The server presents a certificate signed by a CA the client does not know."""
    server = tls_server()
    with bounded_time(5):
        f = failure(mode, server.url, status, CLI)
    _check_refusal(
        mode,
        f.message,
        "unable to get local issuer certificate",
        "BACKEND_CA_BUNDLE=/path/to/ca.pem",
    )
    if mode != "cli":
        assert f.type == "BackendTLSError"
        # the version probe and one attempt: no retry, no failover
        assert server.connections <= 2


@pytest.mark.fault("BackendTLSError naming the mismatch and the host name to use, not retried")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_certificate_for_another_host(mode: str, tls_server, ca_file: Path) -> None:  # type: ignore[no-untyped-def]
    """The certificate (from a trusted CA) is for another host name."""
    server = tls_server("cluster.example")
    f = failure(mode, server.url, status, ca_bundle=ca_file)
    assert f.type == "BackendTLSError"
    _check_refusal(
        mode, f.message, "IP address mismatch", "use the host name the certificate is for"
    )


@pytest.mark.fault("BackendTLSError 'certificate has expired ... must be renewed', not retried")
@pytest.mark.parametrize("mode", SDK_MODES)
def test_expired_certificate(mode: str, tls_server, ca_file: Path) -> None:  # type: ignore[no-untyped-def]
    """The certificate (from a trusted CA) expired yesterday."""
    now = dt.datetime.now(dt.timezone.utc)
    server = tls_server(
        "127.0.0.1", not_before=now - dt.timedelta(days=10), not_after=now - dt.timedelta(days=1)
    )
    f = failure(mode, server.url, status, ca_bundle=ca_file)
    assert f.type == "BackendTLSError"
    _check_refusal(mode, f.message, "certificate has expired", "must be renewed")


@pytest.mark.fault("with BACKEND_CA_BUNDLE=<the cluster CA> the call succeeds")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_private_ca_is_trusted_through_the_bundle(
    mode: str,
    tls_server,
    ca_file: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """The user points the client at the cluster's private CA."""
    server = tls_server()
    monkeypatch.setenv("BACKEND_CA_BUNDLE", str(ca_file))
    if mode == "cli":
        from ._helpers import invoke_cli

        result = invoke_cli(["--output", "json", *CLI])
        assert result.exit_code == 0, result.output
        return
    assert run(mode, make_config(server.url), status).status == "running"  # type: ignore[attr-defined]


@pytest.mark.fault("with SSL_CERT_FILE=<the cluster CA> (as httpx reads it) the call succeeds")
@pytest.mark.parametrize("mode", ALL_MODES)
def test_the_default_trust_store_is_read_at_the_first_handshake(
    mode: str,
    tls_server,
    ca_file: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """No CA bundle is set; the trust store (SSL_CERT_FILE here) is read at the first handshake.

    The default context reads the store httpx would read when the first TLS connection opens,
    not when the session is made."""
    server = tls_server()
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    if mode == "cli":
        from ._helpers import invoke_cli

        result = invoke_cli(["--output", "json", *CLI])
        assert result.exit_code == 0, result.output
        return
    assert run(mode, make_config(server.url), status).status == "running"  # type: ignore[attr-defined]


@pytest.mark.fault("Configuration error naming the missing file, exit 1")
@pytest.mark.parametrize("mode", ["sync", "cli"])
def test_ca_bundle_that_does_not_exist(
    mode: str,
    tls_server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """BACKEND_CA_BUNDLE names a file that is not there."""
    server = tls_server()
    missing = tmp_path / "nope.pem"
    monkeypatch.setenv("BACKEND_CA_BUNDLE", str(missing))
    if mode == "cli":
        f = failure(mode, server.url, status, CLI)
        assert f.exit_code == 1
    else:
        from ai_backend_client.config import APIConfig, ConfigError

        with pytest.raises(ConfigError, match="not a readable file") as info:
            APIConfig(endpoint=server.url)
        f_message = str(info.value)
        assert "\n" not in f_message
        return
    assert str(missing) in f.message and "not a readable file" in f.message
