"""``backend.ai admin license``: license information exists only in enterprise editions.

``show`` asks the server (``GET /license``, as the official client does). The open-source manager
(22.03 to 24.09) serves no license route, so its 404 becomes one line saying so.
"""

from __future__ import annotations

from typing import Any, cast

import click

from .._output import current, emit_json, fail, print_done, print_table, print_warn

__all__ = ["license_"]


@click.group(name="license")
def license_() -> None:
    """License administration commands."""


@license_.command()
def show() -> None:
    """Show the license information (enterprise editions only)."""
    from ...exceptions import NotFoundError

    try:
        with current().session() as api:
            data = api.core.request("GET", "/license", cast_to=dict[str, Any])
    except NotFoundError:
        fail(
            "This server has no license API (404 Not Found): license information exists only "
            "in Backend.AI enterprise editions."
        )
    if current().json:
        emit_json(data)
        return
    if data.get("status") == "valid":
        print_done("Your Backend.AI license is valid.")
    else:
        print_warn(f"Your Backend.AI license is not valid (status: {data.get('status')}).")
    certificate: Any = data.get("certificate")
    if isinstance(certificate, dict):
        fields = cast("dict[str, Any]", certificate)
        rows = [{"key": k, "value": v} for k, v in fields.items()]
        print_table(rows, [("key", "Field"), ("value", "Value")], plain=True)
