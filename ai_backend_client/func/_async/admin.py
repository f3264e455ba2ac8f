"""Raw GraphQL for administrators: ``Admin.query``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import AsyncFunction

__all__ = ["Admin"]


class Admin(AsyncFunction):
    """Send any GraphQL document to the manager's ``/admin/gql``."""

    @classmethod
    async def query(cls, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Send *query* with *variables*; return the ``data`` mapping.

        The document and the variables are first validated against the negotiated version's
        schema (``GraphQLValidationError``, nothing sent); ``errors`` in the answer raise
        ``GraphQLError`` (``GraphQLPermissionError`` for refusals) carrying every message, path
        and the partial data. Queries are retried on transient failures, mutations are not.
        """
        return await cls._session().graphql.client.query(query, variables)
