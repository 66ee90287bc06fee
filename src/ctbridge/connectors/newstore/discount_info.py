"""The one discount entry NewStore takes per level, naming every discount merged into it.

NewStore's Order Injection OpenAPI allows at most one entry in `item_discount_info`,
`item_order_discount_info` and `shipping_option.discount_info` (`maxItems: 1`;
docs.newstore.net api/integration/order-management/order_injection_api, "Download OpenAPI
specification", InjectedOrderShipmentItemPrice / InjectedOrderShippingOption). So the discounts
of a level are merged: `price_adjustment` is their sum, `discount_ref` joins their refs (≤ 256),
`coupon_code` their codes (≤ 64) and `description` (≤ 1024) lists each with its amount.
Required fields per InjectedOrderDiscountInfo: discount_ref, original_value, price_adjustment,
type (`fixed`: original_value is money).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ctbridge.commercetools.money import to_decimal
from ctbridge.connectors.newstore.order_units import Discount

MAX_REF = 256
MAX_CODE = 64
MAX_DESCRIPTION = 1024


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def discount_entry(
    discounts: Sequence[Discount], digits: int, *, order_level: bool = False
) -> dict[str, Any] | None:
    """The merged entry, or None without discounts. At order level `original_value` is the
    discounts' whole size on the order, at item level what they took off this item."""
    if not discounts:
        return None
    codes = ",".join(dict.fromkeys(d.code for d in discounts if d.code))
    lines = [
        f"{d.kind} {d.ref}{f' (code {d.code})' if d.code else ''}: {to_decimal(d.amount, digits)}"
        for d in discounts
    ]
    original = sum(d.whole for d in discounts) if order_level else sum(d.amount for d in discounts)
    entry: dict[str, Any] = {
        "discount_ref": _fit("+".join(dict.fromkeys(d.ref for d in discounts)), MAX_REF),
        "type": "fixed",
        "original_value": to_decimal(original, digits),
        "price_adjustment": to_decimal(sum(d.amount for d in discounts), digits),
        "description": _fit("; ".join(lines), MAX_DESCRIPTION),
    }
    if codes:
        entry["coupon_code"] = _fit(codes, MAX_CODE)
    return entry
