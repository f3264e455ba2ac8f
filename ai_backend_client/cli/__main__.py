"""``python -m ai_backend_client.cli`` runs the ``backend.ai`` command."""

from __future__ import annotations

from .main import main

if __name__ == "__main__":
    main()
