"""commercetools money values as integer minor units, and their exact decimal form for NewStore."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

DEFAULT_FRACTION_DIGITS = 2


def minor_units(money: dict[str, Any] | None) -> int:
    """The amount of a commercetools Money in minor units (`centAmount`); 0 when absent."""
    if not money:
        return 0
    return int(money.get("centAmount", 0))


def fraction_digits(money: dict[str, Any] | None) -> int:
    if not money:
        return DEFAULT_FRACTION_DIGITS
    return int(money.get("fractionDigits", DEFAULT_FRACTION_DIGITS))


def to_decimal(amount: int, digits: int) -> Decimal:
    """Minor units as an exact decimal with exactly `digits` places (JPY 0, EUR 2, KWD 3)."""
    return Decimal(amount).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))
