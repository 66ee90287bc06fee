"""Product availability from Fluent's fulfilment options: quantities per location for one sku."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ctbridge.connectors.fluent.client.graphql_pages import edges


def fulfilment_option_input(
    sku: str, quantity: int, *, retailer_id: str, catalogue_ref: str, location: str | None
) -> dict[str, Any]:
    """HD options across the network, or CC options at one pickup location."""
    fields: dict[str, Any] = {
        "orderType": "CC" if location else "HD",
        "retailerId": int(retailer_id),
        "productCatalogueRef": catalogue_ref,
        "items": [{"productRef": sku, "requestedQuantity": quantity}],
    }
    if location:
        fields["locationRef"] = location
    return fields


def availability(option: Mapping[str, Any], sku: str, location: str | None) -> dict[str, Any]:
    """The best quantity each location offers for the sku (a location may be in several plans);
    `availableQuantity` is the location's when one was asked for, else the largest."""
    per_location: dict[str, int] = {}
    for plan in edges(option.get("plans")):
        for fulfilment in plan.get("fulfilments") or []:
            ref = fulfilment.get("locationRef")
            for item in fulfilment.get("items") or []:
                if item.get("productRef") == sku and ref:
                    quantity = int(item.get("availableQuantity") or 0)
                    per_location[ref] = max(per_location.get(ref, 0), quantity)
    if location is not None:
        per_location = {ref: q for ref, q in per_location.items() if ref == location}
    return {
        "sku": sku,
        "location": location,
        "available": any(q > 0 for q in per_location.values()),
        "availableQuantity": max(per_location.values(), default=0),
        "locations": [
            {"locationRef": ref, "availableQuantity": q} for ref, q in sorted(per_location.items())
        ],
    }
