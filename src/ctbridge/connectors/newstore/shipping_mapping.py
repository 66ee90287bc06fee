"""commercetools ShippingInfo → NewStore shipping option (service level, price, tax, discounts).

The default mapper; an extension replaces it with `registry.set_mapper("newstore.shipping", f)`
where `f(shipping_info, shipping_method, order, rules) -> dict`.
"""

from __future__ import annotations

from typing import Any

from ctbridge.connectors.newstore.errors import OrderMappingError
from ctbridge.connectors.newstore.money import fraction_digits, minor_units, to_decimal
from ctbridge.connectors.newstore.order_rules import OrderRules


def shipping_paid(shipping_info: dict[str, Any] | None) -> int:
    """What the customer pays for shipping after shipping discounts, in minor units."""
    if not shipping_info:
        return 0
    discounted = shipping_info.get("discountedPrice")
    return minor_units((discounted or {}).get("value") or shipping_info.get("price"))


def shipping_tax(shipping_info: dict[str, Any] | None) -> int:
    taxed = (shipping_info or {}).get("taxedPrice")
    if not taxed:
        return 0
    if taxed.get("totalTax") is not None:
        return minor_units(taxed["totalTax"])
    return minor_units(taxed.get("totalGross")) - minor_units(taxed.get("totalNet"))


def service_level(shipping_method: dict[str, Any] | None, rules: OrderRules) -> str:
    key = (shipping_method or {}).get("key")
    if key:
        return rules.service_levels.get(key, key)[:64]
    if rules.default_service_level:
        return rules.default_service_level
    raise OrderMappingError(
        "the shipping method has no key and NEW_STORE_DEFAULT_SERVICE_LEVEL is not set"
    )


def map_shipping_option(
    shipping_info: dict[str, Any] | None,
    shipping_method: dict[str, Any] | None,
    order: dict[str, Any],
    rules: OrderRules,
) -> dict[str, Any]:
    """Price is the discounted price the customer pays; the discounts are listed alongside."""
    digits = fraction_digits(order.get("totalPrice"))
    option: dict[str, Any] = {
        "service_level_identifier": service_level(shipping_method, rules),
        "price": to_decimal(shipping_paid(shipping_info), digits),
        "tax": to_decimal(shipping_tax(shipping_info), digits),
    }
    discounted = (shipping_info or {}).get("discountedPrice") or {}
    discounts = [
        {
            "discount_ref": included["discount"]["id"],
            "type": "fixed",
            "original_value": to_decimal(minor_units(included["discountedAmount"]), digits),
            "price_adjustment": to_decimal(minor_units(included["discountedAmount"]), digits),
        }
        for included in discounted.get("includedDiscounts") or []
    ]
    if discounts:
        option["discount_info"] = discounts
    return option
