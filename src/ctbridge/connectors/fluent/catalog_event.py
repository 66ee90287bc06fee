"""The Event API envelope of product-catalogue events (UPSERT_CATEGORY, UPSERT_PRODUCT)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Where catalogue events go: the retailer and the product catalogue ref."""

    retailer_id: str
    catalogue_ref: str
    locale: str = "en-US"


def catalogue_event(name: str, catalogue: Catalogue, attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "retailerId": catalogue.retailer_id,
        "entityRef": catalogue.catalogue_ref,
        "entityType": "PRODUCT_CATALOGUE",
        "entitySubtype": "MASTER",
        "rootEntityRef": catalogue.catalogue_ref,
        "rootEntityType": "PRODUCT_CATALOGUE",
        "attributes": attributes,
    }
