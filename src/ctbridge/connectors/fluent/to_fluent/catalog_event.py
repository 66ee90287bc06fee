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
    # The catalogue's type: Fluent picks the workflow `PRODUCT_CATALOGUE::<type>` by it.
    catalogue_type: str = "MASTER"


def catalogue_event(name: str, catalogue: Catalogue, attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "retailerId": catalogue.retailer_id,
        "entityRef": catalogue.catalogue_ref,
        "entityType": "PRODUCT_CATALOGUE",
        # Product Catalog Workflow Interface Contracts (docs.fluentcommerce.com/building-blocks/
        # product-catalogue-workflow-interface-contracts): the envelope names the catalogue
        # (`entityRef`) and its type (`entitySubtype`, `DEFAULT` in the page's examples).
        "entitySubtype": catalogue.catalogue_type,
        "rootEntityRef": catalogue.catalogue_ref,
        "rootEntityType": "PRODUCT_CATALOGUE",
        "attributes": attributes,
    }
