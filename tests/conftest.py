from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def _clean_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[None]:
    """Unit tests never see the developer's BACKEND_*/SORNA_* settings or state files.

    Every test (unit and integration) parses answers strictly, so an answer that drifts from the
    spec fails the suite; tests of the lenient default opt out with the ``lenient`` fixture.
    """
    if request.node.get_closest_marker("integration") is None:
        for key in list(os.environ):
            if key.startswith(("BACKEND_", "SORNA_")):
                monkeypatch.delenv(key)
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("BACKEND_STRICT_RESPONSES", "1")
    from ai_backend_client.config import set_config

    set_config(None)
    yield
    set_config(None)


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Parse answers as users get them by default: leniently, with warnings reported afresh."""
    from ai_backend_client import _models

    monkeypatch.setenv("BACKEND_STRICT_RESPONSES", "0")
    _models._reset_warnings()
    yield
    _models._reset_warnings()
