"""``python -m ai_backend_client.cli`` runs the ``backend.ai`` command."""

from __future__ import annotations

from .main import run

if __name__ == "__main__":
    run()
