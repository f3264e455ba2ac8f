"""A griffe extension for the API reference: Sphinx roles in the docstrings as code spans.

The docstrings name things the Sphinx way (:class:`Session`, :meth:`~X.close`); mkdocs renders
Markdown, where the role would show as typed. `Session` and `X.close` read the same and link
nowhere less than before.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|exc|obj):`~?([^`]+)`")


class SphinxRolesAsCode(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(r"`\1`", obj.docstring.value)
