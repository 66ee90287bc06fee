"""Fluent fulfilments → commercetools line-item custom fields, one entry per fulfilment and line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ctbridge.connectors.fluent.client.graphql_pages import edges
from ctbridge.connectors.fluent.to_commercetools.custom_types import (
    FULFILMENT_FIELD,
    LINE_ITEM_TYPE,
)
from ctbridge.errors import Permanent


class FulfilmentNotMappable(Permanent):
    """The fulfilment names order items the commercetools order does not have."""


def fulfilment_entry(fulfilment: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    location = fulfilment.get("fromLocation") or {}
    return {
        "fulfilmentId": str(fulfilment["id"]),
        "fulfilmentRef": fulfilment.get("ref"),
        "fulfilmentStatus": fulfilment.get("status"),
        "fulfilmentType": fulfilment.get("type"),
        "fulfilmentLocationRef": location.get("ref"),
        "fulfilmentLocationName": location.get("name"),
        "fulfilmentQty": item.get("requestedQuantity"),
        "filledQty": item.get("filledQuantity"),
        "rejectedQty": item.get("rejectedQuantity"),
    }


def line_item_for(order: Mapping[str, Any], order_item_ref: str) -> dict[str, Any]:
    """The ct line item a Fluent order item stands for: its ref is the line item id (what
    ctbridge sends); for orders created elsewhere, a sku that only one line carries."""
    lines = order.get("lineItems") or []
    for line in lines:
        if line["id"] == order_item_ref:
            return line
    by_sku = [line for line in lines if (line.get("variant") or {}).get("sku") == order_item_ref]
    if len(by_sku) == 1:
        return by_sku[0]
    raise FulfilmentNotMappable(
        f"order {order.get('id')} has no line item {order_item_ref!r}"
        + (" (several lines carry that sku)" if by_sku else "")
    )


def current_entries(line: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = ((line.get("custom") or {}).get("fields") or {}).get(FULFILMENT_FIELD)
    if not raw:
        return []
    try:
        entries = json.loads(raw)
    except ValueError:
        return []
    return entries if isinstance(entries, list) else []


def merged_entries(existing: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The line's entries with this fulfilment's replaced; ordered by fulfilment id so the
    stored text is stable and an unchanged fulfilment produces no update."""
    others = [e for e in existing if e.get("fulfilmentId") != entry["fulfilmentId"]]
    return sorted(
        [*others, entry], key=lambda e: (len(str(e["fulfilmentId"])), str(e["fulfilmentId"]))
    )


def fulfilment_actions(
    order: Mapping[str, Any], fulfilment: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Per line item the fulfilment covers: its entry in the line's fulfilment metadata.

    A line split over several fulfilments (several locations) keeps one entry per fulfilment.
    A line without custom fields gets the Fluent type; one with another type gets the field set
    (ct refuses it if that type lacks the field, and the message is dead-lettered with why).
    """
    per_line: dict[str, list[dict[str, Any]]] = {}
    lines: dict[str, dict[str, Any]] = {}
    for item in edges(fulfilment.get("items")):
        ref = (item.get("orderItem") or {}).get("ref") or item.get("ref")
        if not ref:
            raise FulfilmentNotMappable(
                f"fulfilment {fulfilment.get('ref')} has an item without a ref"
            )
        line = line_item_for(order, str(ref))
        lines[line["id"]] = line
        entries = per_line.get(line["id"], current_entries(line))
        per_line[line["id"]] = merged_entries(entries, fulfilment_entry(fulfilment, item))
    actions: list[dict[str, Any]] = []
    for line_id, entries in per_line.items():
        line = lines[line_id]
        value = json.dumps(entries, separators=(",", ":"), sort_keys=True)
        if value == ((line.get("custom") or {}).get("fields") or {}).get(FULFILMENT_FIELD):
            continue
        if line.get("custom"):
            actions.append(
                {
                    "action": "setLineItemCustomField",
                    "lineItemId": line_id,
                    "name": FULFILMENT_FIELD,
                    "value": value,
                }
            )
        else:
            actions.append(
                {
                    "action": "setLineItemCustomType",
                    "lineItemId": line_id,
                    "type": {"typeId": "type", "key": LINE_ITEM_TYPE},
                    "fields": {FULFILMENT_FIELD: value},
                }
            )
    return actions
