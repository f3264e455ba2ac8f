"""``backend.ai config``, ``login``, ``logout`` and ``update-password``."""

from __future__ import annotations

from typing import Any

import click

from ._output import current, emit_item, emit_mutation, fail

__all__ = ["config", "login", "logout", "update_password", "update_password_no_auth"]

_SESSION_MODE_ONLY = (
    'To {what}, your endpoint type must be "session" (set BACKEND_ENDPOINT_TYPE=session and '
    "point BACKEND_ENDPOINT at the webserver); API-mode endpoints use the access/secret keypair."
)


@click.command()
def config() -> None:
    """Shows the current configuration."""
    obj = current()
    conf = obj.api_config()
    from .. import __version__
    from .._redact import redact_url
    from ..session import Session

    server_version = "(unreachable)"
    manager_version = "-"
    negotiated = "-"
    with Session(config=conf, max_retries=0) as session:
        info = session.server_info
        if info:
            server_version = str(info.get("version", "-"))
            manager_version = str(info.get("manager", "-"))
            negotiated = str(session.negotiated_version)
    data: dict[str, Any] = {
        "endpoint": redact_url(conf.endpoint),
        "endpoints": [redact_url(e) for e in conf.endpoints],
        "endpoint_type": conf.endpoint_type,
        "client_version": __version__,
        "client_api_version": conf.version,
        "server_api_version": server_version,
        "manager_version": manager_version,
        "negotiated_api_version": negotiated,
        "domain": conf.domain,
        "group": conf.group,
        "access_key": conf.access_key if conf.endpoint_type == "api" else "(session mode)",
        "secret_key": conf.masked_secret_key if conf.endpoint_type == "api" else "(session mode)",
        "hash_type": conf.hash_type,
        "skip_sslcert_validation": conf.skip_sslcert_validation,
        "ca_bundle": conf.ca_bundle,
        "connection_timeout": conf.connection_timeout,
        "read_timeout": conf.read_timeout,
        "total_timeout": conf.total_timeout,
        "max_response_size": conf.max_response_size,
        "max_retry_after": conf.max_retry_after,
        "max_extract_size": conf.max_extract_size,
        "max_extract_ratio": conf.max_extract_ratio,
    }
    if conf.vfolder_mounts:
        data["vfolder_mounts"] = list(conf.vfolder_mounts)
    columns = [
        ("endpoint", "API endpoint"),
        ("endpoint_type", "Endpoint type"),
        ("client_version", "Client version"),
        ("client_api_version", "Client API version"),
        ("server_api_version", "Server API version"),
        ("manager_version", "Manager version"),
        ("negotiated_api_version", "Negotiated API version"),
        ("domain", "Domain name"),
        ("group", "Group name"),
        ("access_key", "Access key"),
        ("secret_key", "Secret key"),
        ("hash_type", "Signature hash type"),
        ("skip_sslcert_validation", "Skip SSL certificate validation"),
    ]
    if conf.ca_bundle:
        columns.append(("ca_bundle", "Extra CA bundle"))
    if len(conf.endpoints) > 1:
        columns.insert(1, ("endpoints", "All endpoints"))
    if conf.vfolder_mounts:
        columns.append(("vfolder_mounts", "Auto-mounted vfolders"))
    emit_item(data, None if obj.json else columns)


def _require_session_mode(what: str) -> None:
    conf = current().api_config()
    if conf.endpoint_type != "session":
        fail(_SESSION_MODE_ONLY.format(what=what))


@click.command()
@click.option(
    "-u",
    "--username",
    "--user-id",
    "username",
    envvar="BACKEND_USERNAME",
    help="User ID (email); prompted when not given (env BACKEND_USERNAME).",
)
@click.option(
    "-p",
    "--password",
    envvar="BACKEND_PASSWORD",
    help="Password; prompted (hidden) when not given (env BACKEND_PASSWORD).",
)
def login(username: str | None, password: str | None) -> None:
    """Log-in to the console API proxy.

    Only for session-mode endpoints (a webserver). The session cookie is saved in the user state
    directory, readable only by you, for the following commands.
    """
    _require_session_mode("log in")
    if not username:
        username = click.prompt("User ID", err=True)
    if not password:
        password = click.prompt("Password", hide_input=True, err=True)
    assert username is not None and password is not None
    with current().session() as session:
        result = session.Auth.login(username, password, persist=True)
    role = getattr(getattr(result, "data", None), "role", None)
    emit_mutation(True, "Login succeeded.", username=username, role=role)


@click.command()
def logout() -> None:
    """Log-out from the console API proxy and clears the local cookie data."""
    _require_session_mode("log out")
    from .._cookies import clear_cookies, cookie_file

    if not cookie_file().exists():
        clear_cookies()
        emit_mutation(True, "Logout done (there was no saved login).")
        return
    with current().session() as session:
        try:
            session.Auth.logout(persist=True)
        finally:
            clear_cookies()
    emit_mutation(True, "Logout done.")


@click.command(name="update-password")
@click.argument("old_password", required=False)
@click.argument("new_password", required=False)
@click.argument("new_password2", required=False)
def update_password(
    old_password: str | None, new_password: str | None, new_password2: str | None
) -> None:
    """Update user's password.

    Passwords not given as arguments are prompted for (hidden), which keeps them out of the
    shell history.
    """
    _require_session_mode("update password")
    if old_password is None:
        old_password = click.prompt("Current password", hide_input=True, err=True)
    if new_password is None:
        new_password = click.prompt("New password", hide_input=True, err=True)
    if new_password2 is None:
        new_password2 = click.prompt("New password (again)", hide_input=True, err=True)
    assert old_password is not None and new_password is not None and new_password2 is not None
    if new_password != new_password2:
        fail("The new password and its confirmation differ.")
    with current().session() as session:
        session.Auth.update_password(old_password, new_password, new_password2)
    emit_mutation(True, "Password updated.")


@click.command(name="update-password-no-auth")
@click.argument("domain", metavar="DOMAIN")
@click.argument("user_id", metavar="USER_ID")
@click.argument("current_password", metavar="CURRENT_PASSWORD", required=False)
@click.argument("new_password", metavar="NEW_PASSWORD", required=False)
def update_password_no_auth(
    domain: str, user_id: str, current_password: str | None, new_password: str | None
) -> None:
    """Update user's password. This is used to update `EXPIRED` password only.

    Passwords not given as arguments are prompted for (hidden), which keeps them out of the
    shell history.
    """
    if current_password is None:
        current_password = click.prompt("Current password", hide_input=True, err=True)
    if new_password is None:
        new_password = click.prompt(
            "New password", hide_input=True, confirmation_prompt=True, err=True
        )
    with current().session() as api:
        api.Auth.update_password_no_auth(domain, user_id, current_password, new_password)
    emit_mutation(True, "Password updated.")
