"""Python names for spec names: snake_case parameters, PascalCase classes, tag attributes."""

from __future__ import annotations

import keyword
import re

__all__ = ["class_name", "snake_case", "tag_attribute", "tag_class_stem"]

_ACRONYM_BOUNDARY = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^0-9A-Za-z]+")


def snake_case(name: str) -> str:
    """``ownerAccessKey`` -> ``owner_access_key``, ``Upload-Offset`` -> ``upload_offset``."""
    name = _ACRONYM_BOUNDARY.sub("_", name)
    name = _WORD_BOUNDARY.sub("_", name)
    name = _NON_WORD.sub("_", name).strip("_").lower()
    name = re.sub(r"_+", "_", name) or "value"
    if name[0].isdigit():
        name = "v_" + name
    # Hard keywords only: the soft ones (match, case, type, _) are valid names and differ
    # between Python versions, which would make the output depend on the interpreter.
    if keyword.iskeyword(name):
        name += "_"
    return name


def class_name(name: str) -> str:
    """A component or tag name as a PascalCase class name: ``session.Info`` -> ``SessionInfo``."""
    parts = [part for part in _NON_WORD.split(name) if part]
    result = "".join(part[0].upper() + part[1:] for part in parts) or "Model"
    if result[0].isdigit():
        result = "M" + result
    return result


def tag_attribute(tag: str) -> str:
    """The client attribute of a tag: ``template/session`` -> ``template_session``."""
    return re.sub(r"[^0-9A-Za-z_]", "_", tag.replace("/", "_").replace("-", "_"))


def tag_class_stem(tag: str) -> str:
    """``template/session`` -> ``TemplateSession`` (resource classes add a suffix)."""
    return class_name(tag_attribute(tag).replace("_", " "))
