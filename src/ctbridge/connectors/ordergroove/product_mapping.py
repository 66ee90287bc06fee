"""Maps a commercetools product projection to Ordergroove products, one per variant."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ctbridge.connectors.ordergroove.availability import StockRule, is_live
from ctbridge.connectors.ordergroove.config import SLUG_PLACEHOLDER, OrdergrooveSettings
from ctbridge.connectors.ordergroove.pricing import (
    PriceScope,
    money_amount,
    price_amount,
    select_price,
)
from ctbridge.http import json_body

OrdergrooveProduct = dict[str, Any]


@dataclass(frozen=True, slots=True)
class MappingRules:
    """Everything the mapping depends on besides the product itself."""

    locale: str
    prices: PriceScope
    stock: StockRule
    store_url: str = ""
    groups_attribute: str = ""
    group_type: str = "custom"
    extra_data_attributes: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: OrdergrooveSettings) -> MappingRules:
        return cls(
            locale=settings.ctp_language_code,
            prices=PriceScope(
                currency=settings.ctp_currency_code,
                country=settings.ctp_country_code,
                channel_id=settings.ctp_distribution_channel_id,
                use_discounted=settings.og_use_discounted_price,
                recurrence_policy_id=settings.og_price_recurrence_policy_id,
            ),
            stock=StockRule(
                supply_channel_id=settings.ctp_inventory_supply_channel_id,
                strict=settings.og_strict_supply_channel,
            ),
            store_url=settings.product_store_url,
            groups_attribute=settings.og_groups_attribute,
            group_type=settings.og_group_type,
            extra_data_attributes=tuple(settings.og_extra_data_attributes),
        )


@dataclass(frozen=True, slots=True)
class SkippedVariant:
    """A variant that was not sent, and why (reported by loads and handlers)."""

    item_id: str
    reason: str


@dataclass
class ProductMapping:
    """The Ordergroove products of one commercetools product, and the variants left out.

    `skus` holds every sku the product has, sent or not, so a later mapping can tell which
    variants were removed.
    """

    product_id: str
    products: list[OrdergrooveProduct] = field(default_factory=list)
    skipped: list[SkippedVariant] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)


def variants_of(projection: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The master variant first, then the others."""
    master = projection.get("masterVariant")
    if master:
        yield master
    yield from projection.get("variants") or ()


def _first_image(variant: Mapping[str, Any]) -> str:
    images = variant.get("images") or ()
    return str(images[0].get("url") or "") if images else ""


def _detail_url(projection: Mapping[str, Any], rules: MappingRules) -> str:
    slug = (projection.get("slug") or {}).get(rules.locale)
    if not rules.store_url or not slug:
        return ""
    return rules.store_url.replace(SLUG_PLACEHOLDER, quote(slug, safe=""), 1)


def _attribute_values(variant: Mapping[str, Any], name: str, locale: str) -> list[Any]:
    for attribute in variant.get("attributes") or ():
        if attribute.get("name") == name:
            value = attribute.get("value")
            values = value if isinstance(value, list) else [value]
            return [_plain_value(v, locale) for v in values if v is not None]
    return []


def _plain_value(value: Any, locale: str) -> Any:
    """An attribute value as plain JSON: enums give their key, localized values the locale's."""
    if isinstance(value, dict):
        if "key" in value and "label" in value:
            return value["key"]
        if "centAmount" in value:
            return format(money_amount(value), "f")
        if locale in value:
            return value[locale]
    return value


def map_variant(
    projection: Mapping[str, Any],
    variant: Mapping[str, Any],
    rules: MappingRules,
    now: datetime,
) -> OrdergrooveProduct | SkippedVariant:
    """One variant → one Ordergroove product, or the reason it cannot be sent."""
    product_id = str(projection.get("id", ""))
    sku = variant.get("sku") or ""
    if not sku:
        return SkippedVariant(
            f"{product_id}/{variant.get('id')}", "variant has no sku (Ordergroove needs one)"
        )
    name = (projection.get("name") or {}).get(rules.locale)
    if not name:
        return SkippedVariant(sku, f"product has no name in locale {rules.locale}")
    price = select_price(variant.get("prices") or (), rules.prices, now)
    if price is None:
        return SkippedVariant(sku, f"no embedded price for {rules.prices.describe()}")
    master = projection.get("masterVariant") or {}
    product: OrdergrooveProduct = {
        "product_id": sku,
        "sku": sku,
        "name": name,
        "price": price_amount(price, rules.prices),
        "live": is_live(variant.get("availability"), rules.stock),
        "image_url": _first_image(variant) or _first_image(master),
        "detail_url": _detail_url(projection, rules),
    }
    if rules.groups_attribute:
        names = _attribute_values(variant, rules.groups_attribute, rules.locale)
        product["groups"] = [{"name": str(n), "group_type": rules.group_type} for n in names]
    if rules.extra_data_attributes:
        extra = {}
        for attribute in rules.extra_data_attributes:
            values = _attribute_values(variant, attribute, rules.locale)
            if values:
                extra[attribute] = values if len(values) > 1 else values[0]
        product["extra_data"] = json.dumps(extra, sort_keys=True, default=str)
    return product


def map_product(
    projection: Mapping[str, Any], rules: MappingRules, now: datetime
) -> ProductMapping:
    """All variants of a product; a variant that cannot be sent is skipped with its reason."""
    mapping = ProductMapping(product_id=str(projection.get("id", "")))
    for variant in variants_of(projection):
        if variant.get("sku"):
            mapping.skus.append(variant["sku"])
        result = map_variant(projection, variant, rules, now)
        if isinstance(result, SkippedVariant):
            mapping.skipped.append(result)
        else:
            mapping.products.append(result)
    return mapping


def find_variant(projection: Mapping[str, Any], sku: str) -> Mapping[str, Any] | None:
    return next((v for v in variants_of(projection) if v.get("sku") == sku), None)


FINGERPRINT_FORMAT = "v2:"


def catalogue_fingerprint(product: Mapping[str, Any]) -> str:
    """A hash of everything sent except `live`, which stock updates change on their own."""
    fields = {k: v for k, v in product.items() if k != "live"}
    digest = hashlib.blake2b(json_body.encode(fields, sort_keys=True), digest_size=16)
    return FINGERPRINT_FORMAT + digest.hexdigest()


def fingerprint_matches(fingerprint: str | None, product: Mapping[str, Any]) -> bool:
    """Whether a ledger's fingerprint is this product's; ledgers written before the current
    format (stdlib JSON, sha256) are still read, so an upgrade re-sends nothing."""
    if fingerprint is None:
        return False
    if fingerprint.startswith(FINGERPRINT_FORMAT):
        return fingerprint == catalogue_fingerprint(product)
    fields = {k: v for k, v in sorted(product.items()) if k != "live"}
    text = json.dumps(fields, sort_keys=True, default=lambda v: format(v, "f"))
    return fingerprint == hashlib.sha256(text.encode()).hexdigest()[:32]


def stock_update(sku: str, live: bool) -> OrdergrooveProduct:
    """The partial object a stock change sends: never the catalogue fields."""
    return {"product_id": sku, "live": live}


def skus_removed(previous: Sequence[str], current: Sequence[str]) -> list[str]:
    kept = set(current)
    return [sku for sku in previous if sku not in kept]
