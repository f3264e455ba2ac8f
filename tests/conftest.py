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
    """Unit tests never see the developer's BACKEND_*/SORNA_* settings or state files."""
    if request.node.get_closest_marker("integration") is None:
        for key in list(os.environ):
            if key.startswith(("BACKEND_", "SORNA_")):
                monkeypatch.delenv(key)
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from ai_backend_client.config import set_config

    set_config(None)
    yield
    set_config(None)
