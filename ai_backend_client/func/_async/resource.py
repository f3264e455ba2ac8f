"""Resource presets, slots, usage statistics and registries (REST)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..._generated.latest import models
from ..._types import NOT_GIVEN
from . import _adapters
from .base import AsyncFunction, coerce_model

if TYPE_CHECKING:
    from ..._generated.neutral.rest.resource import ResourceUsagePerPeriodParams

__all__ = ["Resource"]


class Resource(AsyncFunction):
    """Resource presets and usage (the statistics and registries need an admin)."""

    @classmethod
    async def list(cls) -> builtins.list[models.ResourcePreset]:
        """The resource presets."""
        result = await cls._session().wire.resource.list_presets()
        return coerce_model(models.ResourcePresetsResponse, result).presets or []

    @classmethod
    async def check_presets(
        cls, group: str | None = None, scaling_group: str | None = None
    ) -> models.CheckPresetsResponse:
        """Which presets fit now, with the keypair's, group's and scaling groups' remaining slots."""
        session = cls._session()
        return await session.wire.resource.check_presets(
            group=group if group is not None else session.config.group,
            scaling_group=scaling_group if scaling_group is not None else NOT_GIVEN,
        )

    @classmethod
    async def recalculate_usage(cls) -> None:
        """Recompute the occupied slots of every keypair and agent (superadmin)."""
        await cls._session().wire.resource.recalculate_usage()

    @classmethod
    async def usage_per_month(
        cls, month: str, group_ids: Sequence[str] | None = None
    ) -> builtins.list[dict[str, Any]]:
        """Per-session usage records of a month (``YYYYMM``)."""
        result = await cls._session().wire.resource.usage_per_month(
            month=month, group_ids=list(group_ids) if group_ids is not None else NOT_GIVEN
        )
        return coerce_model(models.UsageRecordList, result).root

    @classmethod
    async def usage_per_period(
        cls, group_id: str | None, start_date: str, end_date: str
    ) -> builtins.list[dict[str, Any]]:
        """Per-session usage records between two dates (``YYYYMMDD``)."""
        params: ResourceUsagePerPeriodParams = {"start_date": start_date, "end_date": end_date}
        if group_id is not None:
            params["project_id"] = group_id
        result = await _adapters.resource_usage_per_period(cls._session().versioned, **params)
        return result.root

    @classmethod
    async def user_monthly_stats(cls) -> builtins.list[dict[str, Any]]:
        """The requester's usage time series of the last month."""
        result = await cls._session().wire.resource.user_month_stats()
        return coerce_model(models.MonthStatsResponse, result).root

    @classmethod
    async def admin_monthly_stats(cls) -> builtins.list[dict[str, Any]]:
        """Everyone's usage time series of the last month (superadmin)."""
        result = await cls._session().wire.resource.admin_month_stats()
        return coerce_model(models.MonthStatsResponse, result).root

    @classmethod
    async def get_resource_slots(cls) -> dict[str, str]:
        """Slot names and their units (``{"cpu": "count", "mem": "bytes", ...}``)."""
        result = await cls._session().wire.config.get_resource_slots()
        return {str(k): str(v) for k, v in result.root.items()}

    @classmethod
    async def get_vfolder_types(cls) -> builtins.list[str]:
        """The vfolder types the server allows (``user``, ``group``)."""
        result = await cls._session().wire.config.get_vfolder_types()
        return coerce_model(models.VFolderTypeList, result).root

    @classmethod
    async def get_docker_registries(cls) -> dict[str, str]:
        """Registry host names and URLs (superadmin)."""
        result = await cls._session().wire.config.get_docker_registries()
        return {str(k): str(v) for k, v in result.root.items()}
