"""Images: GraphQL ``images`` and the image mutations (admin)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..._types import NOT_GIVEN
from ._gql import check_mutation, gql, not_found, run
from .base import AsyncFunction

__all__ = ["Image", "ImageItem"]

ImageItem = gql.ImageListImages
if TYPE_CHECKING:  # annotations only: `admin image list` must not load these models
    CustomizedImageItem = gql.ImageCustomizedListCustomizedImages


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

    # -- users' own images (24.09 and later; purge: 26.09) ----------------------------------
    @classmethod
    async def list_customized(cls) -> builtins.list[CustomizedImageItem]:
        """The images committed from sessions (``customized_images``; a user sees their own)."""
        result = await cls._session().graphql.image_customized_list()
        return [i for i in result.customized_images or () if i is not None]

    @classmethod
    async def forget_image(cls, reference: str, architecture: str | None = None) -> None:
        """Mark the image *reference* as deleted on the server (users: their own images)."""
        result = await cls._session().graphql.image_forget(
            reference=reference, architecture=architecture if architecture else NOT_GIVEN
        )
        check_mutation(result.forget_image, "forget_image")

    @classmethod
    async def purge_image(
        cls,
        reference: str,
        architecture: str | None = None,
        *,
        remove_from_registry: bool = False,
    ) -> gql.ImagePurgeByIdPurgeImageByIdImage | None:
        """Delete a forgotten image for good (26.09: ``purge_image_by_id``); with
        *remove_from_registry* also untag it in its registry (HarborV2 registries only)."""
        graphql = cls._session().graphql
        found = await graphql.image_id_by_reference(
            reference=reference, architecture=architecture if architecture else NOT_GIVEN
        )
        if found.image is None or found.image.id is None:
            raise not_found("image", reference)
        result = await graphql.image_purge_by_id(
            image_id=str(found.image.id),
            options=gql.PurgeImageOptions(remove_from_registry=remove_from_registry),
        )
        return result.purge_image_by_id.image if result.purge_image_by_id else None
