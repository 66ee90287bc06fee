"""commercetools Money as exact decimals: centAmount (or preciseAmount) scaled by fractionDigits.

The one place connectors read a commercetools Money (api-specs/api/types/common/Money.raml,
CentPrecisionMoney / HighPrecisionMoney); each target's own formatting lives with its connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal(0)
DEFAULT_FRACTION_DIGITS = 2

Money = Mapping[str, Any]


def amount(money: Money | None) -> Decimal:
    """`centAmount / 10**fractionDigits`; 0 when absent.

    A high-precision value's `fractionDigits` describes `preciseAmount`, while its `centAmount` is
    already rounded to the currency's default digits, so `preciseAmount` is the one scaled.
    """
    if not money:
        return ZERO
    digits = fraction_digits(money)
    units = money.get("preciseAmount") if money.get("type") == "highPrecision" else None
    if units is None:
        units = money.get("centAmount", 0)
    return Decimal(int(units)).scaleb(-digits)


def currency(money: Money | None) -> str | None:
    return money.get("currencyCode") if money else None


def fraction_digits(money: Money | None) -> int:
    if not money:
        return DEFAULT_FRACTION_DIGITS
    return int(money.get("fractionDigits", DEFAULT_FRACTION_DIGITS))


def minor_units(money: Money | None) -> int:
    """The amount in the currency's minor units (`centAmount`); 0 when absent."""
    if not money:
        return 0
    return int(money.get("centAmount", 0))


def to_decimal(units: int, digits: int) -> Decimal:
    """Minor units as an exact decimal with exactly `digits` places (JPY 0, EUR 2, KWD 3)."""
    return Decimal(units).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


def divide(total: Decimal, count: int, digits: int) -> Decimal:
    """A per-unit share of a total, rounded half up to the currency's digits."""
    if count <= 0:
        return ZERO
    return (total / count).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
