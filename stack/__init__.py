"""Bring up a real Backend.AI 24.09.6 stack on 127.0.0.1: ``python -m stack up|down|status|logs|env``.

The driver is stdlib-only (Python >= 3.10); the Backend.AI services run from a CPython 3.12 venv
that ``up`` creates under the state root. See stack/README.md.
"""
