"""What to write to a commercetools inventory entry so its availableQuantity equals NewStore ATP."""

from __future__ import annotations

from typing import Any


def reserved(entry: dict[str, Any]) -> int:
    """Units commercetools holds for orders/carts: quantityOnStock − availableQuantity (≥ 0)."""
    on_stock = int(entry.get("quantityOnStock", 0))
    available = int(entry.get("availableQuantity", on_stock))
    return max(0, on_stock - available)


def is_current(entry: dict[str, Any], atp: int) -> bool:
    on_stock = int(entry.get("quantityOnStock", 0))
    return int(entry.get("availableQuantity", on_stock)) == atp


def quantity_actions(entry: dict[str, Any], atp: int) -> list[dict[str, Any]]:
    """`changeQuantity` to ATP + reserved, or nothing when availableQuantity is already ATP.

    commercetools derives availableQuantity from quantityOnStock minus its reservations, so
    setting quantityOnStock to the ATP alone would show too little stock whenever it holds any.
    """
    if is_current(entry, atp):
        return []
    return [{"action": "changeQuantity", "quantity": atp + reserved(entry)}]
