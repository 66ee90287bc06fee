"""Fluent GraphQL connections: the nodes of one, and every node page after page by cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ctbridge.connectors.fluent.client import FluentClient

MAX_PAGES = 100_000


def edges(connection: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The nodes of a GraphQL connection (empty when absent)."""
    return [edge["node"] for edge in (connection or {}).get("edges") or [] if edge.get("node")]


async def connection_pages(
    client: FluentClient, query: str, field: str, variables: dict[str, Any], *, page_size: int
) -> AsyncIterator[list[dict[str, Any]]]:
    after = None
    for _ in range(MAX_PAGES):
        data = await client.graphql(query, {**variables, "first": page_size, "after": after})
        found = data.get(field) or {}
        page = found.get("edges") or []
        nodes = edges(found)
        if nodes:
            yield nodes
        if not page or not (found.get("pageInfo") or {}).get("hasNextPage"):
            return
        after = page[-1].get("cursor")
        if after is None:
            return
