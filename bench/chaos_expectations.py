"""What Ordergroove should hold for a commercetools product, by the soak's own minimal rules.

Written apart from the connector's mapping on purpose: when the expectation comes from the code
under test, a mapping bug agrees with itself and the soak cannot see it. The rules are the
documented ones, kept as small as the generated catalogue allows:
- price selection as commercetools documents it for embedded prices ("Price selection",
  docs.commercetools.com/api/pricing-and-discounts-overview#price-selection): the currency must
  match, customer-group prices and prices with a recurrence policy never apply, a price is valid
  now when `validFrom <= now < validUntil`; the most specific scope wins (country and channel,
  then channel, then country, then none) and, within a scope, a dated price beats an undated one;
- the amount is `centAmount / 10 ** fractionDigits`, exactly;
- `live` follows the Ordergroove reference (shared/reference/ordergroove.md): a variant without
  availability is live; the configured supply channel decides when it has an entry; otherwise
  any channel (or the channel-less entry) in stock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Scope:
    locale: str
    currency: str
    country: str
    channel: str
    supply_channel: str
    strict_supply_channel: bool
    use_discounted: bool

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Scope:
        def flag(name: str) -> bool:
            return environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}

        return cls(
            locale=environ.get("CTP_LANGUAGE_CODE", "en"),
            currency=environ["CTP_CURRENCY_CODE"],
            country=environ.get("CTP_COUNTRY_CODE", ""),
            channel=environ.get("CTP_DISTRIBUTION_CHANNEL_ID", ""),
            supply_channel=environ.get("CTP_INVENTORY_SUPPLY_CHANNEL_ID", ""),
            strict_supply_channel=flag("OG_STRICT_SUPPLY_CHANNEL"),
            use_discounted=flag("OG_USE_DISCOUNTED_PRICE"),
        )


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _applies(price: Mapping[str, Any], scope: Scope, now: datetime) -> bool:
    if price["value"]["currencyCode"] != scope.currency:
        return False
    if price.get("customerGroup") or price.get("recurrencePolicy"):
        return False
    if price.get("country") and price["country"] != scope.country:
        return False
    channel = (price.get("channel") or {}).get("id")
    if channel and channel != scope.channel:
        return False
    since, until = _instant(price.get("validFrom")), _instant(price.get("validUntil"))
    return (since is None or since <= now) and (until is None or now < until)


def _rank(price: Mapping[str, Any]) -> tuple[int, int]:
    specificity = 2 * bool(price.get("channel")) + bool(price.get("country"))
    dated = bool(price.get("validFrom") or price.get("validUntil"))
    return specificity, int(dated)


def expected_price(prices: list[Mapping[str, Any]], scope: Scope, now: datetime) -> Decimal | None:
    candidates = [p for p in prices if _applies(p, scope, now)]
    if not candidates:
        return None
    chosen = max(candidates, key=_rank)
    money = chosen["value"]
    if scope.use_discounted and chosen.get("discounted"):
        money = chosen["discounted"]["value"]
    return Decimal(money["centAmount"]).scaleb(-money["fractionDigits"])


def expected_live(availability: Mapping[str, Any] | None, scope: Scope) -> bool:
    if not availability:
        return True
    channels = availability.get("channels") or {}
    if scope.supply_channel and scope.supply_channel in channels:
        return channels[scope.supply_channel].get("isOnStock", True) is not False
    if scope.supply_channel and scope.strict_supply_channel:
        return False
    if not channels:
        return availability.get("isOnStock", True) is not False
    return any(c.get("isOnStock") is True for c in channels.values()) or (
        availability.get("isOnStock") is True
    )


def expected_products(
    projection: Mapping[str, Any], scope: Scope, now: datetime
) -> Iterator[dict[str, Any]]:
    """One expected Ordergroove product per sendable variant (sku, name in the locale, a price)."""
    name = (projection.get("name") or {}).get(scope.locale)
    variants = [projection.get("masterVariant") or {}, *(projection.get("variants") or [])]
    for variant in variants:
        price = expected_price(variant.get("prices") or [], scope, now)
        if not variant.get("sku") or not name or price is None:
            continue
        yield {
            "product_id": variant["sku"],
            "name": name,
            "price": price,
            "live": expected_live(variant.get("availability"), scope),
        }
