"""Where ``models_layout`` places REST models: by the operations that use them."""

from __future__ import annotations

from codegen.models_layout import (
    module_for_groups,
    module_for_operations,
    parse_models,
    plan_namespace,
)

MODELS = """
from ai_backend_client._models import BaseModel


class Mode(BaseModel):
    value: str


class Item(BaseModel):
    name: str
    mode: Mode


class ItemList(BaseModel):
    items: list[Item]


class CreateReq(BaseModel):
    name: str
    mode: Mode


class Owner(BaseModel):
    email: str


class Orphan(BaseModel):
    x: int
"""

USAGE = {
    "folders.list_folders": ["ItemList"],
    "folders.create": ["CreateReq"],
    "users.get": ["Owner", "Mode"],
    "users.list": ["Owner"],
}


def _modules(usage: dict[str, list[str]]) -> dict[str, str]:
    ns = plan_namespace({"v1": parse_models(MODELS, "v1")}, {"v1": usage}, module_for_operations)
    return {name: ns.placements[("v1", name)].module for name in ns.names("v1")}


def test_each_class_goes_where_its_operations_are() -> None:
    assert _modules(USAGE) == {
        "ItemList": "folders__list_folders",  # one operation alone
        "Item": "folders__list_folders",  # through the list only
        "CreateReq": "folders__create",
        "Mode": "_shared_folders__users",  # two tags
        "Owner": "users",  # two operations of one tag
        "Orphan": "_unreferenced",
    }


def test_a_class_two_operations_of_a_tag_share_moves_to_the_tag_module() -> None:
    usage = {**USAGE, "folders.create": ["CreateReq", "ItemList"]}
    modules = _modules(usage)
    assert modules["ItemList"] == modules["Item"] == "folders"
    assert modules["CreateReq"] == "folders__create"


def test_names_of_the_modules() -> None:
    assert module_for_operations(set()) == "_unreferenced"
    assert module_for_operations({"session.get_info"}) == "session__get_info"
    assert module_for_operations({"session.get_info", "session.restart"}) == "session"
    assert module_for_operations({"a.x", "b.y"}) == module_for_groups({"a", "b"}) == "_shared_a__b"
    tags = {f"t{i}" for i in range(5)}
    assert module_for_operations({f"{t}.op" for t in tags}) == module_for_groups(tags)
    assert module_for_groups(tags).startswith("_shared_5_")
