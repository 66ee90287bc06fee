"""Money keeps its real scale; each scoped ct price stays a distinct Fluent price."""

from decimal import Decimal

import pytest
from tests.connectors.fluent.ct_fixtures import money

from ctbridge.commercetools.money import amount, divide
from ctbridge.connectors.fluent.to_fluent.price_mapping import map_prices, price_type


@pytest.mark.parametrize(
    ("money_value", "expected"),
    [
        (money(1999), Decimal("19.99")),
        (money(1999, "JPY", 0), Decimal("1999")),
        (money(12345, "KWD", 3), Decimal("12.345")),
        (
            {
                "type": "highPrecision",
                "currencyCode": "EUR",
                "centAmount": 2,
                "preciseAmount": 1549,
                "fractionDigits": 4,
            },
            Decimal("0.1549"),
        ),
        (None, Decimal("0")),
    ],
)
def test_amount_divides_cents_by_ten_to_the_fraction_digits(money_value, expected):
    assert amount(money_value) == expected


def test_a_unit_share_is_rounded_half_up_to_the_currency_digits():
    assert divide(Decimal("10.01"), 2, 2) == Decimal("5.01")
    assert divide(Decimal("10"), 3, 2) == Decimal("3.33")


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ({"value": money(1)}, "DEFAULT"),
        ({"value": money(1), "country": "US"}, "DEFAULT|country=US"),
        (
            {"value": money(1), "channel": {"typeId": "channel", "id": "ch-1"}},
            "DEFAULT|channel=ch-1",
        ),
        (
            {
                "value": money(1),
                "channel": {"typeId": "channel", "id": "c", "obj": {"key": "store-1"}},
            },
            "DEFAULT|channel=store-1",
        ),
        (
            {"value": money(1), "customerGroup": {"typeId": "customer-group", "id": "g"}},
            "DEFAULT|customerGroup=g",
        ),
        (
            {"value": money(1), "validFrom": "2024-01-01T00:00:00Z"},
            "DEFAULT|validFrom=2024-01-01T00:00:00Z",
        ),
    ],
)
def test_price_type_names_the_price_scope(price, expected):
    assert price_type(price) == expected


def test_scoped_prices_in_one_currency_are_not_collapsed_and_discounts_become_sale_prices():
    prices = [
        {"value": money(1000)},
        {"value": money(900), "country": "DE"},
        {"value": money(1000, "USD"), "discounted": {"value": money(800, "USD"), "discount": {}}},
    ]
    assert map_prices(prices) == [
        {"type": "DEFAULT", "currency": "EUR", "value": Decimal("10.00")},
        {"type": "DEFAULT|country=DE", "currency": "EUR", "value": Decimal("9.00")},
        {"type": "DEFAULT", "currency": "USD", "value": Decimal("10.00")},
        {"type": "SALE", "currency": "USD", "value": Decimal("8.00")},
    ]
