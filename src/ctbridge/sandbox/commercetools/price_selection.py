"""Product price selection on projections: `priceCurrency`, `priceCountry`, `priceChannel`,
`priceCustomerGroup` → each variant's `price`.

Sources:
- commercetools-api-reference api-specs/api/traits/price-selecting.raml: the four parameters;
  country, channel and customer group "can be used only in conjunction with the priceCurrency
  parameter" (answered 400 InvalidInput here, as the npm mock does).
- api-specs/api/types/product/ProductVariant.raml: `price` is "only present when price selection
  is applied" and "cannot be used in a Query Predicate" (so it is added after the page is cut);
  `scopedPrice` is "only available in response to a Product Projection Search request", so
  query and get never carry it (projection_search.py adds it).
- docs.commercetools.com/api/pricing-and-discounts-overview#product-price-selection and
  docs.commercetools.com/learning-model-b2b-commerce/configure-b2b-pricing/price-selection:
  currency and validity are hard filters, the other scopes are tried "from most specific to least
  specific" in a fixed fallback order, and a Price whose validity window holds now is preferred
  over an undated one. The order itself (below) is as the API page lists it; the stored copy of
  that page was not available, so `FALLBACK` is from memory of it (see the report of issue 13).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ctbridge.sandbox.commercetools.errors import invalid_input

# Which scopes a Price must carry, most specific first: (customerGroup, channel, country).
FALLBACK: tuple[tuple[bool, bool, bool], ...] = (
    (True, True, True),
    (True, True, False),
    (True, False, True),
    (True, False, False),
    (False, True, True),
    (False, True, False),
    (False, False, True),
    (False, False, False),
)


@dataclass(frozen=True)
class PriceSelector:
    currency: str
    country: str | None = None
    channel: str | None = None
    customer_group: str | None = None


def price_selector(params: Mapping[str, Sequence[str]]) -> PriceSelector | None:
    """The selector the query parameters ask for, None when they ask for none."""

    def last(name: str) -> str | None:
        values = params.get(name)
        return values[-1] if values else None

    currency = last("priceCurrency")
    scopes = {
        "priceCountry": last("priceCountry"),
        "priceChannel": last("priceChannel"),
        "priceCustomerGroup": last("priceCustomerGroup"),
    }
    if currency is None:
        given = sorted(name for name, value in scopes.items() if value is not None)
        if given:
            raise invalid_input(
                f"The price selecting parameters {', '.join(given)} "
                "cannot be used without the priceCurrency parameter."
            )
        return None
    return PriceSelector(
        currency, scopes["priceCountry"], scopes["priceChannel"], scopes["priceCustomerGroup"]
    )


def select_price(
    prices: Sequence[dict[str, Any]], selector: PriceSelector, now: str
) -> dict[str, Any] | None:
    """The Price the platform selects for `selector` at `now` (ISO 8601), or None."""
    candidates = [p for p in prices if _eligible(p, selector, now)]
    for wants_group, wants_channel, wants_country in FALLBACK:
        level = [
            p
            for p in candidates
            if bool(p.get("customerGroup")) == wants_group
            and bool(p.get("channel")) == wants_channel
            and bool(p.get("country")) == wants_country
        ]
        if level:
            dated = [p for p in level if p.get("validFrom") or p.get("validUntil")]
            return (dated or level)[0]
    return None


def _eligible(price: dict[str, Any], selector: PriceSelector, now: str) -> bool:
    if price.get("value", {}).get("currencyCode") != selector.currency:
        return False
    if price.get("country") and price["country"] != selector.country:
        return False
    if price.get("channel") and price["channel"].get("id") != selector.channel:
        return False
    group = price.get("customerGroup")
    if group and group.get("id") != selector.customer_group:
        return False
    at = _instant(now)
    if price.get("validFrom") and _instant(price["validFrom"]) > at:
        return False
    return not (price.get("validUntil") and _instant(price["validUntil"]) <= at)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def with_selected_prices(
    projection: dict[str, Any], selector: PriceSelector, now: str
) -> dict[str, Any]:
    """A copy of `projection` whose variants carry the selected `price` where there is one."""

    def variant(v: dict[str, Any]) -> dict[str, Any]:
        chosen = select_price(v.get("prices") or [], selector, now)
        return {**v, "price": chosen} if chosen is not None else v

    return {
        **projection,
        "masterVariant": variant(projection["masterVariant"]),
        "variants": [variant(v) for v in projection.get("variants") or []],
    }
