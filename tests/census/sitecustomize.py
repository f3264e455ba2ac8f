"""Field census: which fields of the parsed answers the real servers send, and how often.

Not a test. Put this folder first on ``PYTHONPATH`` and set ``AIBC_FIELD_CENSUS`` to a folder;
every Python process then counts, per model class and field, how many answers it parsed and in
how many the field was present and not null, and writes ``<pid>.json`` there at exit. Run the
integration suite on each server line that way (CLI subprocesses included), then
``python tests/census/report.py DIR...`` lists the optional fields every answer carried on every
line: the candidates for ``required`` in the spec.
"""

from __future__ import annotations

import atexit
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

_OUT = os.environ.get("AIBC_FIELD_CENSUS")

if _OUT:
    import pydantic

    from ai_backend_client import _models

    seen: Counter[str] = Counter()
    present: Counter[str] = Counter()
    optional: dict[str, bool] = {}

    def _walk(value: Any, depth: int = 0) -> None:
        if depth > 20:
            return
        if isinstance(value, pydantic.RootModel):
            _walk(value.root, depth + 1)
            return
        if isinstance(value, pydantic.BaseModel):
            cls = type(value)
            name = f"{cls.__module__}:{cls.__qualname__}"
            seen[name] += 1
            for field, info in cls.model_fields.items():
                key = f"{name}.{field}"
                optional[key] = not info.is_required()
                item = getattr(value, field, None)
                if field in value.model_fields_set and item is not None:
                    present[key] += 1
                _walk(item, depth + 1)
        elif isinstance(value, (list, tuple)):
            for item in value:
                _walk(item, depth + 1)
        elif isinstance(value, dict):
            for item in value.values():
                _walk(item, depth + 1)

    original = _models._set_parsed_strictly

    def _counting(value: Any, strict: bool) -> None:
        _walk(value)
        original(value, strict)

    _models._set_parsed_strictly = _counting

    def _dump() -> None:
        if not seen:
            return
        folder = Path(_OUT)
        folder.mkdir(parents=True, exist_ok=True)
        fields = {
            key: {"optional": opt, "present": present[key], "seen": seen[key.rsplit(".", 1)[0]]}
            for key, opt in optional.items()
        }
        (folder / f"{os.getpid()}.json").write_text(json.dumps(fields))

    atexit.register(_dump)
