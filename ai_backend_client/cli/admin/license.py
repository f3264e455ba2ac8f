"""``backend.ai admin license``: license information exists only in enterprise editions.

The open-source manager (22.03 to 24.09) serves no license API: none of the route tables in the
reference lists one, so ``show`` says so in one line instead of guessing an endpoint.
"""

from __future__ import annotations

import click

from .._output import fail

__all__ = ["license_"]


@click.group(name="license")
def license_() -> None:
    """License administration commands."""


@license_.command()
def show() -> None:
    """Show the license information (enterprise editions only)."""
    fail(
        "License information is available only in Backend.AI enterprise editions; "
        "the open-source manager has no license API."
    )
