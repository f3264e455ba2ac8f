"""The value types of model serving: what ``Service`` and ``Model`` take and answer.

Defined once here (not in ``func/``, whose blocking copy is derived), re-exported by
``ai_backend_client.types``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final, Literal

from typing_extensions import TypedDict

from ._generated.latest import models as m
from ._models import BaseModel

__all__ = [
    "NO_LIMIT",
    "AutoScalingRuleChanges",
    "ClusterMode",
    "Comparator",
    "MetricSource",
    "ModelInfo",
    "NoLimit",
    "RuntimeVariant",
    "ServiceOptions",
]

MetricSource = Literal["KERNEL", "INFERENCE_FRAMEWORK", "PROMETHEUS"]
Comparator = Literal["LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL"]

RuntimeVariant = Literal["vllm", "nim", "cmd", "custom"]
ClusterMode = Literal["single-node", "multi-node"]


class ServiceOptions(TypedDict, total=False):
    """The optional settings of :meth:`Service.create` and :meth:`Service.try_start`."""

    name: str
    model_version: int
    model_mount_destination: str
    model_definition_path: str
    extra_mounts: Mapping[str, str]
    envs: Mapping[str, str]
    startup_command: str
    resources: Mapping[str, str | int]
    resource_opts: Mapping[str, str | int]
    cluster_size: int
    cluster_mode: ClusterMode
    domain_name: str
    group_name: str
    bootstrap_script: str
    tag: str
    architecture: str
    scaling_group: str
    owner_access_key: str
    expose_to_public: bool
    runtime_variant: RuntimeVariant


class NoLimit(enum.Enum):
    """The type of :data:`NO_LIMIT`."""

    token = 0

    def __repr__(self) -> str:
        return "NO_LIMIT"


#: As ``min_replicas``/``max_replicas`` of :meth:`Service.update_auto_scaling_rule`: remove that
#: limit of the rule (the official CLI's ``-1``; sent as GraphQL ``null``, which the 26.09
#: manager reads as "clear the column", while a left-out field stays as it is).
NO_LIMIT: Final = NoLimit.token


class AutoScalingRuleChanges(TypedDict, total=False):
    """The attributes :meth:`Service.update_auto_scaling_rule` may change (``None`` or left
    out: unchanged; :data:`NO_LIMIT` removes a replica limit)."""

    metric_source: MetricSource | None
    metric_name: str | None
    threshold: str | None
    comparator: Comparator | None
    step_size: int | None
    cooldown_seconds: int | None
    min_replicas: int | NoLimit | None
    max_replicas: int | NoLimit | None


class ModelInfo(BaseModel):
    """A model folder and the versions it holds (newest name first)."""

    folder: m.VFolderInfo
    versions: list[str]
