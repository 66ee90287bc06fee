"""Embedded prices of a variant: every currency, country, channel and customer-group scope, tiers and validity."""

from __future__ import annotations

import random
from datetime import timedelta

from ctbridge.sandbox.catalog.money import percentage_of, retail_price, typed_money
from ctbridge.sandbox.catalog.references import key_ref
from ctbridge.sandbox.catalog.spec import CatalogSpec, timestamp

CUSTOMER_GROUPS: tuple[tuple[str, str], ...] = (("b2b", "Business customers"), ("vip", "VIP"))


def _price(currency: str, euro_cents: int, key: str, **scope: object) -> dict:
    return {"key": key, "value": typed_money(currency, retail_price(euro_cents, currency)), **scope}


def _tiers(currency: str, euro_cents: int) -> list[dict]:
    return [
        {"minimumQuantity": quantity, "value": typed_money(currency, retail_price(cents, currency))}
        for quantity, cents in (
            (5, euro_cents - percentage_of(euro_cents, 5)),
            (10, euro_cents - percentage_of(euro_cents, 10)),
        )
    ]


def price_drafts(
    rng: random.Random,
    spec: CatalogSpec,
    euro_cents: int,
    distribution_channels: tuple[str, ...],
    *,
    without_currency: str | None = None,
) -> list[dict]:
    """PriceDrafts for one variant whose reference price is `euro_cents`.

    Scopes never collide: one price per currency, per (currency, country), per customer group,
    per channel; dated prices share a country scope with the undated one but never overlap
    each other (an expired one, a running sale, an upcoming one).
    """
    prices: list[dict] = []
    with_tiers = rng.random() < 0.4
    for currency in spec.currencies:
        if currency == without_currency:
            continue
        price = _price(currency, euro_cents, currency.lower())
        if with_tiers:
            price["tiers"] = _tiers(currency, euro_cents)
        prices.append(price)
    for market in spec.markets:
        if market.currency == without_currency:
            continue
        local = euro_cents + percentage_of(euro_cents, rng.randint(-5, 5))
        prices.append(
            _price(
                market.currency,
                local,
                f"{market.currency}-{market.country}".lower(),
                country=market.country,
            )
        )
    home = spec.markets[0]
    if home.currency == without_currency:
        return prices
    group_key, _ = CUSTOMER_GROUPS[rng.randrange(len(CUSTOMER_GROUPS))]
    prices.append(
        _price(
            home.currency,
            euro_cents - percentage_of(euro_cents, 15),
            f"{home.currency}-{home.country}-{group_key}".lower(),
            country=home.country,
            customerGroup=key_ref("customer-group", group_key),
        )
    )
    for channel in distribution_channels[:2]:
        prices.append(
            _price(
                home.currency,
                euro_cents - percentage_of(euro_cents, 3),
                f"{home.currency}-{channel}".lower(),
                channel=key_ref("channel", channel),
            )
        )
    if rng.random() < 0.5:
        now = spec.now
        for name, start, end, percent in (
            ("expired", -90, -30, -25),
            ("sale", -7, 14, -20),
            ("upcoming", 30, 60, 10),
        ):
            prices.append(
                _price(
                    home.currency,
                    euro_cents + percentage_of(euro_cents, percent),
                    f"{home.currency}-{home.country}-{name}".lower(),
                    country=home.country,
                    validFrom=timestamp(now + timedelta(days=start)),
                    validUntil=timestamp(now + timedelta(days=end)),
                )
            )
    return prices
