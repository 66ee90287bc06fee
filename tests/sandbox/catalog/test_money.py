"""Money arithmetic of the catalog generator: minor units, conversion and tax splits."""

import pytest

from ctbridge.sandbox.catalog.money import (
    apply_tax,
    convert_from_euro_cents,
    fraction_digits,
    percentage_of,
    retail_price,
    typed_money,
)


@pytest.mark.parametrize(
    ("currency", "digits"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("GBP", 2)]
)
def test_fraction_digits_follow_iso_4217(currency, digits):
    assert fraction_digits(currency) == digits


def test_an_unknown_currency_is_refused():
    with pytest.raises(ValueError, match="XXX"):
        fraction_digits("XXX")


@pytest.mark.parametrize(
    ("euro_cents", "currency", "expected"),
    [
        (1000, "EUR", 1000),
        (1000, "USD", 1080),
        (1000, "JPY", 1600),  # 10 EUR = 1,600 yen, yen have no minor unit
        (1000, "KWD", 3300),  # 10 EUR = 3.300 KWD = 3,300 fils
        (1, "JPY", 2),  # 1.6 rounds half up
    ],
)
def test_conversion_counts_minor_units_of_the_target_currency(euro_cents, currency, expected):
    assert convert_from_euro_cents(euro_cents, currency) == expected


@pytest.mark.parametrize(
    ("euro_cents", "currency", "expected"),
    [
        (1234, "EUR", 1299),
        (1200, "EUR", 1199),
        (10, "EUR", 99),
        (1234, "JPY", 1970),
        (1234, "KWD", 4050),
    ],
)
def test_retail_prices_end_on_the_currency_step(euro_cents, currency, expected):
    assert retail_price(euro_cents, currency) == expected


def test_typed_money_states_the_fraction_digits():
    assert typed_money("KWD", 1250) == {
        "type": "centPrecision",
        "currencyCode": "KWD",
        "centAmount": 1250,
        "fractionDigits": 3,
    }


@pytest.mark.parametrize(
    ("amount", "points", "included", "net", "gross"),
    [
        (11900, 1900, True, 10000, 11900),
        (10000, 1900, False, 10000, 11900),
        (999, 1900, True, 839, 999),  # 839.49… rounds down
        (1001, 725, False, 1001, 1074),  # 72.57… rounds up
        (5000, 0, True, 5000, 5000),
        (-500, 2000, True, -417, -500),  # negative vouchers round away from zero too
    ],
)
def test_tax_split_keeps_gross_minus_net_equal_to_tax(amount, points, included, net, gross):
    taxed = apply_tax(amount, points, included_in_price=included)
    assert (taxed.net, taxed.gross) == (net, gross)
    assert taxed.tax == gross - net


@pytest.mark.parametrize(
    ("amount", "percent", "expected"), [(999, 10, 99), (100, 15, 15), (0, 20, 0)]
)
def test_percentage_discounts_round_down(amount, percent, expected):
    assert percentage_of(amount, percent) == expected
