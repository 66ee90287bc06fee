"""Published commercetools products as Fluent standard and variant products (UPSERT_PRODUCT)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ctbridge.connectors.fluent.to_fluent.attribute_mapping import localized, map_attribute
from ctbridge.connectors.fluent.to_fluent.catalog_event import Catalogue, catalogue_event
from ctbridge.connectors.fluent.to_fluent.price_mapping import map_prices

SUMMARY_LIMIT = 255
GTIN_LIMIT = 20


@dataclass(frozen=True, slots=True)
class ProductRules:
    """GTIN source, and the ct attribute types by name when the product type is known."""

    gtin_attribute: str = "gtin"
    gtin_fallback: str = "NOTFORSALE"
    attribute_types: dict[str, str] = field(default_factory=dict)


@dataclass
class ProductEvents:
    """What to send for one product: the standard product first, then its variants.

    `skipped_variants` lists (variant id or sku, reason) for variants not sent.
    """

    product_ref: str
    standard: dict[str, Any]
    variants: list[dict[str, Any]]
    skipped_variants: list[tuple[str, str]] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return 1 + len(self.variants)


@dataclass(frozen=True, slots=True)
class ProductSkipped:
    reason: str


def all_variants(projection: dict[str, Any]) -> list[dict[str, Any]]:
    master = projection.get("masterVariant")
    return ([master] if master else []) + list(projection.get("variants") or [])


def product_events(
    projection: dict[str, Any],
    catalogue: Catalogue,
    *,
    category_refs: dict[str, str],
    rules: ProductRules | None = None,
    status: str = "ACTIVE",
) -> ProductEvents | ProductSkipped:
    """Maps a product projection; `status="INACTIVE"` for unpublished or deleted products.

    Skip rules of the reference, reported instead of silent: a product without key or without
    a name in the locale is skipped; a variant without sku, or whose sku equals the product key
    (refs would collide in Fluent), is left out.
    """
    rules = rules or ProductRules()
    key = projection.get("key")
    if not key:
        return ProductSkipped("product has no key")
    name = localized(projection.get("name"), catalogue.locale)
    if not name:
        return ProductSkipped(f"product has no name in {catalogue.locale}")
    summary = (localized(projection.get("description"), catalogue.locale) or "")[:SUMMARY_LIMIT]
    categories = [
        category_refs[ref["id"]]
        for ref in projection.get("categories") or []
        if ref["id"] in category_refs
    ]
    variants = all_variants(projection)
    standard = {
        "ref": key,
        "type": "STANDARD",
        "status": status,
        "gtin": _gtin(variants[0] if variants else {}, rules),
        "name": name,
        "summary": summary,
        "categoryRefs": categories,
    }
    events = ProductEvents(key, catalogue_event("UPSERT_PRODUCT", catalogue, standard), [])
    for variant in variants:
        sku = variant.get("sku")
        if not sku:
            events.skipped_variants.append((f"{key}#{variant.get('id')}", "variant has no sku"))
            continue
        if sku == key:
            events.skipped_variants.append((sku, "variant sku equals the product key"))
            continue
        attributes = {
            "ref": sku,
            "type": "VARIANT",
            "status": status,
            "gtin": _gtin(variant, rules),
            "name": name,
            "summary": summary,
            "standardProductRef": key,
            "categoryRefs": categories,
            "prices": map_prices(variant.get("prices")),
            "attributes": _variant_attributes(variant, catalogue.locale, rules),
        }
        events.variants.append(catalogue_event("UPSERT_PRODUCT", catalogue, attributes))
    return events


def _gtin(variant: dict[str, Any], rules: ProductRules) -> str:
    for attribute in variant.get("attributes") or []:
        if attribute.get("name") == rules.gtin_attribute and attribute.get("value") not in (
            None,
            "",
        ):
            return str(attribute["value"])[:GTIN_LIMIT]
    return rules.gtin_fallback


def _variant_attributes(
    variant: dict[str, Any], locale: str, rules: ProductRules
) -> list[dict[str, Any]]:
    mapped = []
    images = [image["url"] for image in variant.get("images") or [] if image.get("url")]
    if images:
        mapped.append({"name": "imageUrl", "type": "STRING", "value": images[0]})
        mapped.append({"name": "imageUrls", "type": "JSON", "value": images})
    for attribute in variant.get("attributes") or []:
        if attribute.get("name") == rules.gtin_attribute:
            continue
        converted = map_attribute(attribute, locale, rules.attribute_types.get(attribute["name"]))
        if converted is not None:
            mapped.append(converted)
    return mapped
