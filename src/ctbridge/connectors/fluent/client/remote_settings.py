"""Reads a Setting stored in Fluent (its JSON value, the retailer's copy winning over the account's)."""

from __future__ import annotations

import json
from typing import Any

from ctbridge.connectors.fluent.client import FluentClient, operations
from ctbridge.connectors.fluent.client.graphql_pages import edges


def setting_value(node: dict[str, Any]) -> Any:
    value = node.get("lobValue")
    if value is None:
        value = node.get("value")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def pick_setting(nodes: list[dict[str, Any]], retailer_id: str) -> dict[str, Any] | None:
    ranked = sorted(
        nodes,
        key=lambda n: (
            0 if n.get("context") == "RETAILER" and str(n.get("contextId")) == retailer_id else 1
        ),
    )
    return ranked[0] if ranked else None


async def read_setting(
    client: FluentClient, names: list[str], retailer_id: str
) -> tuple[str, Any] | None:
    """(name, value) of the first matching setting, or None when Fluent has none."""
    data = await client.graphql(
        operations.SETTINGS, {"name": names, "context": ["RETAILER", "ACCOUNT"]}
    )
    node = pick_setting(edges(data.get("settings")), retailer_id)
    return None if node is None else (str(node.get("name")), setting_value(node))
