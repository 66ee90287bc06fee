"""Stable, human-readable keys for every generated resource (indexes are zero-based, keys one-based)."""

from __future__ import annotations


def product_key(index: int) -> str:
    return f"P-{index + 1:06d}"


def sku(product_index: int, variant_number: int) -> str:
    """The sku of a product's `variant_number`-th variant (1 is the master variant)."""
    return f"{product_key(product_index)}-{variant_number}"


def category_key(index: int) -> str:
    return f"cat-{index + 1:03d}"


def customer_key(index: int) -> str:
    return f"C-{index + 1:06d}"


def order_number(index: int) -> str:
    return f"O-{index + 1:06d}"


def payment_key(order_index: int, attempt: int) -> str:
    return f"PAY-{index_part(order_index)}-{attempt}"


def index_part(index: int) -> str:
    return f"{index + 1:06d}"


def inventory_key(sku_: str, channel_key: str | None) -> str:
    return f"INV-{sku_}-{channel_key or 'any'}"


PRODUCT_TYPE_KEY = "sandbox-apparel"
STANDARD_TAX_KEY = "standard"
REDUCED_TAX_KEY = "reduced"
