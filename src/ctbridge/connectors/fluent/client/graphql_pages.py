"""Reads every node of a Fluent GraphQL connection, page after page by cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ctbridge.connectors.fluent.client import FluentClient

MAX_PAGES = 100_000


async def connection_pages(
    client: FluentClient, query: str, field: str, variables: dict[str, Any], *, page_size: int
) -> AsyncIterator[list[dict[str, Any]]]:
    after = None
    for _ in range(MAX_PAGES):
        data = await client.graphql(query, {**variables, "first": page_size, "after": after})
        found = data.get(field) or {}
        edges = found.get("edges") or []
        nodes = [edge["node"] for edge in edges if edge.get("node")]
        if nodes:
            yield nodes
        if not edges or not (found.get("pageInfo") or {}).get("hasNextPage"):
            return
        after = edges[-1].get("cursor")
        if after is None:
            return
