"""The source rewrites codegen applies to the newest models at the version seam."""

from __future__ import annotations

from typing import Annotated, Any

import pydantic
from pydantic import AliasChoices, Field

from codegen.compat import relax_fields, respell_fields

SOURCE = '''class Mounts(BaseModel):
    """Per node."""

    manager: Result
    storage_proxy: Result
    agent_map: Annotated[dict[str, Result], Field(alias="agentMap")]
    note: str | None = None
'''


def _build(source: str) -> type[pydantic.BaseModel]:
    namespace: dict[str, Any] = {
        "BaseModel": pydantic.BaseModel,
        "Result": dict[str, Any],
        "Annotated": Annotated,
        "Field": Field,
        "AliasChoices": AliasChoices,
    }
    exec(compile(source, "<model>", "exec"), namespace)
    model: type[pydantic.BaseModel] = namespace["Mounts"]
    model.model_rebuild(_types_namespace=namespace)
    return model


def test_relax_fields_makes_only_the_named_fields_optional() -> None:
    model = _build(relax_fields(SOURCE, {"storage_proxy", "agentMap"}))
    fields = model.model_fields
    assert fields["manager"].is_required()
    assert not fields["storage_proxy"].is_required() and not fields["agent_map"].is_required()
    assert fields["agent_map"].alias == "agentMap"  # the wire key is kept
    assert model.model_validate({"manager": {}}).storage_proxy is None


def test_respell_fields_accepts_the_older_key_and_sends_the_own_one() -> None:
    spelled = respell_fields(SOURCE, {"storage_proxy": {"storage-proxy"}, "agentMap": {"agents"}})
    assert '"""Per node."""' in spelled and "note: str | None = None" in spelled
    model = _build(spelled)
    old = model.model_validate({"manager": {}, "storage-proxy": {"a": 1}, "agents": {}})
    new = model.model_validate({"manager": {}, "storage_proxy": {"a": 2}, "agentMap": {}})
    assert old.storage_proxy == {"a": 1} and new.storage_proxy == {"a": 2}
    assert set(new.model_dump(by_alias=True)) == {"manager", "storage_proxy", "agentMap", "note"}
    # a field already aliased keeps its alias for sending
    assert model.model_fields["agent_map"].alias == "agentMap"
