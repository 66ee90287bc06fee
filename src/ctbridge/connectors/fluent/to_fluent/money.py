"""commercetools money as exact decimals: centAmount scaled by its fractionDigits."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal(0)


def amount(money: dict[str, Any] | None) -> Decimal:
    """`centAmount / 10**fractionDigits` (high-precision money uses `preciseAmount`)."""
    if not money:
        return ZERO
    digits = int(money.get("fractionDigits", 2))
    units = money.get("preciseAmount") if money.get("type") == "highPrecision" else None
    if units is None:
        units = money.get("centAmount", 0)
    return Decimal(int(units)).scaleb(-digits)


def currency(money: dict[str, Any] | None) -> str | None:
    return money.get("currencyCode") if money else None


def fraction_digits(money: dict[str, Any] | None) -> int:
    return int((money or {}).get("fractionDigits", 2))


def divide(total: Decimal, count: int, digits: int) -> Decimal:
    """A per-unit share of a total, rounded half up to the currency's digits."""
    if count <= 0:
        return ZERO
    return (total / count).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
