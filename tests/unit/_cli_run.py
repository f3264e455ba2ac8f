"""Run ``backend.ai`` in-process against a respx-mocked manager that says which API version
it speaks (for the CLI tests of one command group)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import respx
from click.testing import CliRunner, Result

from ai_backend_client.cli.main import cli


def cli_runner(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> Callable[..., Result]:
    """``run(version, *args)``: the CLI's result, the manager at *endpoint* answering *version*."""
    monkeypatch.setenv("BACKEND_ENDPOINT", endpoint)
    monkeypatch.setenv("BACKEND_ACCESS_KEY", "AKIATEST")
    monkeypatch.setenv("BACKEND_SECRET_KEY", "secret")

    def run(version: str, *args: str, **kwargs: Any) -> Result:
        respx.get(f"{endpoint}/").respond(json={"version": version, "manager": "x"})
        return CliRunner().invoke(cli, list(args), **kwargs)

    return run
