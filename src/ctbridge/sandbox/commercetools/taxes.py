"""A line item's `taxedPrice` from its `taxRate`, as the platform sets it ("automatically set
after `taxRate` is set": commercetools-api-reference api-specs/api/types/cart/LineItem.raml)."""

from __future__ import annotations

from decimal import ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

# RoundingMode values: api-specs/api/types/cart/RoundingMode.raml (default HalfEven).
_ROUNDING = {"HalfEven": ROUND_HALF_EVEN, "HalfUp": ROUND_HALF_UP, "HalfDown": ROUND_HALF_DOWN}


def taxed_item_price(
    total_price: dict[str, Any], tax_rate: dict[str, Any], rounding: str = "HalfEven"
) -> dict[str, Any]:
    """TaxedItemPrice (api-specs/api/types/cart/TaxedItemPrice.raml) of one line's total.

    `includedInPrice` (TaxRate.raml) says whether the total is gross; `totalTax` is
    "the difference between the `totalGross` and `totalNet` values" (TaxedItemPrice.raml).
    Sub-rates are not split into several portions here: one portion at the whole rate.
    """
    mode = _ROUNDING.get(rounding, ROUND_HALF_EVEN)
    rate = Decimal(str(tax_rate.get("amount", 0)))
    cents = Decimal(total_price["centAmount"])
    if tax_rate.get("includedInPrice"):
        gross = int(cents)
        net = int((cents / (1 + rate)).quantize(Decimal(1), rounding=mode))
    else:
        net = int(cents)
        gross = int((cents * (1 + rate)).quantize(Decimal(1), rounding=mode))

    def money(amount: int) -> dict[str, Any]:
        return {**total_price, "centAmount": amount}

    portion = {"rate": float(rate), "amount": money(gross - net)}
    if tax_rate.get("name"):
        portion["name"] = tax_rate["name"]
    return {
        "totalNet": money(net),
        "totalGross": money(gross),
        "taxPortions": [portion],
        "totalTax": money(gross - net),
    }
