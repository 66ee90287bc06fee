"""Product projections (current or staged) with variant `availability` computed from inventory."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.listing import Listing
from ctbridge.sandbox.commercetools.store import ResourceStore

INVENTORY_TYPE_ID = "inventory-entry"
PRODUCT_TYPE_ID = "product"

_PRODUCT_FIELDS = ("key", "productType", "taxCategory", "state", "priceMode")


class AvailabilityIndex:
    """Per SKU, the `ProductVariantAvailability` the platform would show on a variant."""

    def __init__(self, store: ResourceStore) -> None:
        self.store = store

    def get(self, sku: str) -> dict[str, Any] | None:
        entries = self.store.lookup(INVENTORY_TYPE_ID, "sku", sku) if sku else []
        return _availability(entries) if entries else None


def availability_index(store: ResourceStore) -> AvailabilityIndex:
    return AvailabilityIndex(store)


def _availability(entries: list[dict[str, Any]]) -> dict[str, Any]:
    availability: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    for entry in entries:
        figures = {
            "isOnStock": entry["availableQuantity"] > 0,
            "availableQuantity": entry["availableQuantity"],
            "id": entry["id"],
            "version": entry["version"],
        }
        if entry.get("restockableInDays") is not None:
            figures["restockableInDays"] = entry["restockableInDays"]
        channel = entry.get("supplyChannel")
        if channel:
            channels[channel["id"]] = figures
        else:
            availability.update(figures)
    if channels:
        availability["channels"] = channels
    return availability


def with_availability(variant: dict[str, Any], index: AvailabilityIndex) -> dict[str, Any]:
    availability = index.get(variant.get("sku") or "")
    return {**variant, "availability": availability} if availability else variant


def product_data_view(data: dict[str, Any], index: AvailabilityIndex) -> dict[str, Any]:
    return {
        **data,
        "masterVariant": with_availability(data["masterVariant"], index),
        "variants": [with_availability(variant, index) for variant in data["variants"]],
    }


def product_view(product: dict[str, Any], index: AvailabilityIndex) -> dict[str, Any]:
    """The Product as GET /products shows it: both data sets, variants with availability."""
    master = product["masterData"]
    return {
        **product,
        "masterData": {
            **master,
            "current": product_data_view(master["current"], index),
            "staged": product_data_view(master["staged"], index),
        },
    }


def project(
    product: dict[str, Any], *, staged: bool, index: AvailabilityIndex | None = None
) -> dict[str, Any] | None:
    """The ProductProjection of `product`, or None when the current view is asked of a draft."""
    master = product["masterData"]
    if not staged and not master["published"]:
        return None
    data = master["staged" if staged else "current"]
    if index is not None:
        data = product_data_view(data, index)
    projection: dict[str, Any] = {"id": product["id"], "version": product["version"]}
    for name in _PRODUCT_FIELDS:
        if product.get(name) is not None:
            projection[name] = product[name]
    projection.update(data)
    projection.update(
        {
            "hasStagedChanges": master["hasStagedChanges"],
            "published": master["published"],
            "createdAt": product["createdAt"],
            "lastModifiedAt": product["lastModifiedAt"],
        }
    )
    return projection


def projections(store: ResourceStore, *, staged: bool) -> Listing:
    """Every product's projection in the asked view (drafts drop out of the current view).

    Projecting is costly (availability per variant), so the projections are kept until a
    product or an inventory entry changes: paging through an unchanged catalog projects it once.
    """
    with store.lock:
        shared = store.derived(
            ("product-projections", staged),
            (PRODUCT_TYPE_ID, INVENTORY_TYPE_ID),
            lambda: _project_all(store, staged=staged),
        )
        return shared.snapshot()


def _project_all(store: ResourceStore, *, staged: bool) -> Listing:
    index = availability_index(store)
    products = store.all(PRODUCT_TYPE_ID)
    views: dict[str, dict[str, Any]] = {}
    for product in products:
        view = project(product, staged=staged, index=index)
        if view is not None:
            views[product["id"]] = view
    by_id = [views[product["id"]] for product in products.by_id if product["id"] in views]
    return Listing(views.values(), by_id)
