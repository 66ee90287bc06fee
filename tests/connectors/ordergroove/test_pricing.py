"""Price selection and amounts: the rules commercetools applies to embedded prices."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ctbridge.connectors.ordergroove.pricing import (
    PriceScope,
    money_amount,
    price_amount,
    select_price,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def money(cents: int, currency: str = "EUR", digits: int = 2) -> dict:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": digits,
    }


def price(pid: str, cents: int = 1000, currency: str = "EUR", **scope) -> dict:
    return {"id": pid, "value": money(cents, currency), **scope}


CHANNEL = {"typeId": "channel", "id": "web"}
OTHER_CHANNEL = {"typeId": "channel", "id": "store"}
GROUP = {"typeId": "customer-group", "id": "vip"}


@pytest.mark.parametrize(
    ("cents", "currency", "digits", "expected"),
    [
        (1999, "EUR", 2, Decimal("19.99")),
        (5, "EUR", 2, Decimal("0.05")),
        (1500, "EUR", 2, Decimal("15.00")),
        (1234, "JPY", 0, Decimal("1234")),
        (1, "KWD", 3, Decimal("0.001")),
        (12345, "KWD", 3, Decimal("12.345")),
        (0, "EUR", 2, Decimal("0.00")),
    ],
)
def test_amount_is_cent_amount_scaled_exactly_by_fraction_digits(cents, currency, digits, expected):
    amount = money_amount(money(cents, currency, digits))
    assert amount == expected
    assert format(amount, "f") == format(expected, "f")


def test_high_precision_amount_uses_precise_amount_and_its_digits():
    value = {
        "type": "highPrecision",
        "currencyCode": "EUR",
        "centAmount": 123,
        "preciseAmount": 123456,
        "fractionDigits": 5,
    }
    assert money_amount(value) == Decimal("1.23456")


SCOPE_CASES = [
    # (description, prices, scope, expected id)
    ("currency must match", [price("usd", currency="USD")], PriceScope("EUR"), None),
    ("plain price in currency", [price("a")], PriceScope("EUR"), "a"),
    (
        "customer group prices never qualify",
        [price("vip", customerGroup=GROUP)],
        PriceScope("EUR"),
        None,
    ),
    (
        "country price ignored when no country configured",
        [price("de", country="DE"), price("any")],
        PriceScope("EUR"),
        "any",
    ),
    (
        "channel price ignored when no channel configured",
        [price("web", channel=CHANNEL)],
        PriceScope("EUR"),
        None,
    ),
    (
        "country price wins over unscoped when that country configured",
        [price("any"), price("de", country="DE")],
        PriceScope("EUR", country="DE"),
        "de",
    ),
    (
        "price for another country is not eligible",
        [price("fr", country="FR"), price("any")],
        PriceScope("EUR", country="DE"),
        "any",
    ),
    (
        "channel wins over country",
        [price("de", country="DE"), price("web", channel=CHANNEL)],
        PriceScope("EUR", country="DE", channel_id="web"),
        "web",
    ),
    (
        "country plus channel wins over channel only",
        [
            price("web", channel=CHANNEL),
            price("de-web", country="DE", channel=CHANNEL),
            price("de", country="DE"),
            price("any"),
        ],
        PriceScope("EUR", country="DE", channel_id="web"),
        "de-web",
    ),
    (
        "price for another channel is not eligible",
        [price("store", channel=OTHER_CHANNEL), price("de", country="DE")],
        PriceScope("EUR", country="DE", channel_id="web"),
        "de",
    ),
    (
        "falls back to unscoped when nothing more specific exists",
        [price("any")],
        PriceScope("EUR", country="DE", channel_id="web"),
        "any",
    ),
    (
        "dated price wins over undated in the same scope",
        [price("undated"), price("dated", validFrom="2024-01-01T00:00:00.000Z")],
        PriceScope("EUR"),
        "dated",
    ),
    (
        "expired price is not valid now",
        [price("old", validUntil="2024-05-01T00:00:00.000Z"), price("undated")],
        PriceScope("EUR"),
        "undated",
    ),
    (
        "future price is not valid yet",
        [price("future", validFrom="2024-07-01T00:00:00.000Z"), price("undated")],
        PriceScope("EUR"),
        "undated",
    ),
    (
        "validUntil is exclusive",
        [price("ends-now", validUntil="2024-06-01T12:00:00Z")],
        PriceScope("EUR"),
        None,
    ),
    (
        "more specific scope beats dated less specific",
        [
            price("dated-any", validFrom="2024-01-01T00:00:00Z"),
            price("de", country="DE"),
        ],
        PriceScope("EUR", country="DE"),
        "de",
    ),
    ("no prices at all", [], PriceScope("EUR"), None),
]


@pytest.mark.parametrize(
    ("prices", "scope", "expected"),
    [case[1:] for case in SCOPE_CASES],
    ids=[case[0] for case in SCOPE_CASES],
)
def test_select_price_follows_commercetools_price_selection(prices, scope, expected):
    chosen = select_price(prices, scope, NOW)
    assert (chosen or {}).get("id") == expected


def test_tiers_are_ignored_and_the_quantity_one_value_is_sent():
    tiered = price("a", 2000) | {"tiers": [{"minimumQuantity": 10, "value": money(1500)}]}
    assert price_amount(tiered, PriceScope("EUR")) == Decimal("20.00")


@pytest.mark.parametrize(
    ("use_discounted", "expected"), [(False, Decimal("20.00")), (True, Decimal("15.50"))]
)
def test_discounted_value_is_used_only_when_configured(use_discounted, expected):
    discounted = price("a", 2000) | {"discounted": {"value": money(1550), "discount": {"id": "d"}}}
    assert price_amount(discounted, PriceScope("EUR", use_discounted=use_discounted)) == expected


def recurring(pid: str, policy: str, cents: int = 900) -> dict:
    return price(pid, cents, recurrencePolicy={"typeId": "recurrence-policy", "id": policy})


def test_a_price_for_recurring_orders_is_never_selected_unless_its_policy_is_configured():
    prices = [recurring("weekly", "rp-weekly"), price("one-time", 1000)]
    assert select_price(prices, PriceScope("EUR"), NOW)["id"] == "one-time"
    assert select_price([recurring("weekly", "rp-weekly")], PriceScope("EUR"), NOW) is None


def test_the_configured_recurrence_policy_price_beats_the_one_time_price_of_the_same_scope():
    prices = [
        price("one-time", 1000),
        recurring("weekly", "rp-weekly"),
        recurring("monthly", "rp-monthly"),
    ]
    scope = PriceScope("EUR", recurrence_policy_id="rp-monthly")
    assert select_price(prices, scope, NOW)["id"] == "monthly"
