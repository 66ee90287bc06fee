"""commercetools variant prices as Fluent product prices, scoped prices kept apart by type."""

from __future__ import annotations

from typing import Any

from ctbridge.commercetools.money import amount, currency

DEFAULT_TYPE = "DEFAULT"
SALE_TYPE = "SALE"


def price_type(price: dict[str, Any], base: str = DEFAULT_TYPE) -> str:
    """`DEFAULT` for an unscoped price; a scoped one names its scope, e.g.
    `DEFAULT|country=US|channel=<id>`, so Fluent's upsert by (type, currency) keeps each."""
    scope = []
    if price.get("country"):
        scope.append(f"country={price['country']}")
    for field, label in (("channel", "channel"), ("customerGroup", "customerGroup")):
        reference = price.get(field)
        if reference:
            scope.append(
                f"{label}={(reference.get('obj') or {}).get('key') or reference.get('id')}"
            )
    for field in ("validFrom", "validUntil"):
        if price.get(field):
            scope.append(f"{field}={price[field]}")
    return "|".join([base, *scope])


def map_prices(prices: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """One Fluent price per ct price, plus a `SALE` price where a product discount applies."""
    mapped: list[dict[str, Any]] = []
    for price in prices or []:
        value = price.get("value")
        if not value:
            continue
        mapped.append(
            {"type": price_type(price), "currency": currency(value), "value": amount(value)}
        )
        discounted = (price.get("discounted") or {}).get("value")
        if discounted:
            mapped.append(
                {
                    "type": price_type(price, SALE_TYPE),
                    "currency": currency(discounted),
                    "value": amount(discounted),
                }
            )
    return mapped
