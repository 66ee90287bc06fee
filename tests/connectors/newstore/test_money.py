"""Minor units to exact decimals for every currency's fraction digits."""

from decimal import Decimal

import pytest

from ctbridge.commercetools.money import fraction_digits, minor_units, to_decimal


@pytest.mark.parametrize(
    ("amount", "digits", "expected"),
    [
        (1050, 2, "10.50"),
        (1200, 0, "1200"),
        (1234, 3, "1.234"),
        (5, 2, "0.05"),
        (0, 3, "0.000"),
        (-250, 2, "-2.50"),
    ],
)
def test_minor_units_become_decimals_with_exactly_the_currency_places(amount, digits, expected):
    assert str(to_decimal(amount, digits)) == expected
    assert to_decimal(amount, digits) == Decimal(expected)


def test_absent_money_is_zero_with_two_places():
    assert minor_units(None) == 0
    assert fraction_digits(None) == 2
    assert fraction_digits({"centAmount": 1, "fractionDigits": 0}) == 0
