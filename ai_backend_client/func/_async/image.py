"""Images: GraphQL ``images`` and the image mutations (admin)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from ..._types import NOT_GIVEN
from ._gql import check_mutation, gql, run
from .base import AsyncFunction

__all__ = ["Image", "ImageItem"]

ImageItem = gql.ImageListImages


class Image(AsyncFunction):
    """Kernel images known to the manager."""

    @classmethod
    async def list(
        cls,
        operation: bool = False,
        fields: Sequence[str] | None = None,
        *,
        installed: bool | None = None,
    ) -> builtins.list[ImageItem]:
        """Images (``operation=True``: the operational ones instead of the user-facing)."""
        result = await run(
            cls._session().graphql.image_list,
            gql.ImageList,
            fields,
            ("images",),
            is_operation=operation,
            is_installed=installed if installed is not None else NOT_GIVEN,
        )
        return [i for i in result.images or () if i is not None]

    @classmethod
    async def rescan_images(cls, registry: str | None = None) -> gql.ImageRescanRescanImages:
        """Rescan a registry (all without one); ``task_id`` follows the background task."""
        result = await run(
            cls._session().graphql.image_rescan, gql.ImageRescan, None, (), registry=registry
        )
        return check_mutation(result.rescan_images, "rescan_images")

    @classmethod
    async def alias_image(
        cls, alias: str, target: str, arch: str | None = None
    ) -> gql.ImageAliasAliasImage:
        """Give *target* the name *alias* (for *arch*; 22.03's client dropped the architecture)."""
        result = await run(
            cls._session().graphql.image_alias,
            gql.ImageAlias,
            None,
            (),
            alias=alias,
            target=target,
            architecture=arch,
        )
        return check_mutation(result.alias_image, "alias_image")

    @classmethod
    async def dealias_image(cls, alias: str) -> gql.ImageDealiasDealiasImage:
        """Remove an alias."""
        result = await run(
            cls._session().graphql.image_dealias, gql.ImageDealias, None, (), alias=alias
        )
        return check_mutation(result.dealias_image, "dealias_image")
