"""commercetools ShippingInfo → NewStore shipping option (service level, price, tax, discounts).

The default mapper; an extension replaces it with `registry.set_mapper("newstore.shipping", f)`
where `f(shipping_info, shipping_method, order, rules) -> dict`.
"""

from __future__ import annotations

from typing import Any

from ctbridge.commercetools.money import fraction_digits, minor_units, to_decimal
from ctbridge.connectors.newstore.discount_info import discount_entry
from ctbridge.connectors.newstore.errors import OrderMappingError
from ctbridge.connectors.newstore.order_rules import OrderRules
from ctbridge.connectors.newstore.order_units import (
    UNITEMISED,
    Discount,
    included_discounts,
)


def shipping_price(shipping_info: dict[str, Any] | None) -> int:
    """The shipping price before shipping discounts, in minor units."""
    return minor_units((shipping_info or {}).get("price"))


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


def shipping_discounts(shipping_info: dict[str, Any] | None) -> list[Discount]:
    """Every discount on the shipping price; a difference commercetools did not itemise is
    listed too, so the discounts always add up to price − discounted price."""
    discounted = (shipping_info or {}).get("discountedPrice") or {}
    listed = included_discounts(discounted)
    gap = (
        shipping_price(shipping_info) - shipping_paid(shipping_info) - sum(d.amount for d in listed)
    )
    if gap < 0:
        raise OrderMappingError("the shipping discounts are larger than the shipping price")
    if gap:
        listed.append(Discount("unitemised discount", UNITEMISED, gap, gap))
    return listed


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
    """`price` is the price before discounts ("The price of the shipping option before
    discounts", InjectedOrderShippingOption in the Order Injection OpenAPI); the discounts are
    in the one `discount_info` entry; `price`, `tax` and `service_level_identifier` are required."""
    digits = fraction_digits(order.get("totalPrice"))
    option: dict[str, Any] = {
        "service_level_identifier": service_level(shipping_method, rules),
        "price": to_decimal(shipping_price(shipping_info), digits),
        "tax": to_decimal(shipping_tax(shipping_info), digits),
    }
    entry = discount_entry(shipping_discounts(shipping_info), digits)
    if entry:
        option["discount_info"] = [entry]
    return option
