"""The ``backend.ai`` command line interface (click).

Subcommands are imported lazily (see :mod:`ai_backend_client.cli._group`) so that
``backend.ai --help`` imports neither httpx nor pydantic.
"""
