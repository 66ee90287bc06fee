"""Units of a commercetools order (one NewStore item each) with every discount that lowered them.

NewStore items carry no quantity (Order Injection OpenAPI, InjectedOrderShipmentItem: "The
quantity of the item is always assumed to be 1"), so a line of quantity 3 is three units. Each
unit keeps its list price and the discounts that took it down to what the customer paid, in
integer minor units: product discounts (`price.discounted`), line-level cart and direct
discounts (`discountedPricePerQuantity[].discountedPrice.includedDiscounts`), a gap between the
line's `totalPrice` and its itemised price (a discount commercetools did not itemise), and the
unit's share of order-level discounts and negative custom line items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ctbridge.commercetools.money import minor_units
from ctbridge.connectors.newstore.apportion import apportion
from ctbridge.connectors.newstore.errors import OrderMappingError

# commercetools DiscountedLineItemPortion.discount is a Reference (GraphQL schema: `discountRef:
# Reference`); its typeId says which kind of discount it is. That direct discounts appear here as
# `direct-discount` is our reading of the commercetools API reference, not verified against a
# page we could read. Price.discounted references a ProductDiscount.
DISCOUNT_KINDS = {
    "product-discount": "product discount",
    "cart-discount": "cart discount",
    "direct-discount": "direct discount",
}
UNITEMISED = "commercetools-line-total"


@dataclass(frozen=True)
class Discount:
    """One discount's effect on one unit: `amount` off this unit, `whole` its full size."""

    kind: str
    ref: str
    amount: int
    whole: int
    code: str | None = None


@dataclass
class Unit:
    line: dict[str, Any]
    product_id: str
    list_price: int
    item_discounts: list[Discount] = field(default_factory=list)
    order_discounts: list[Discount] = field(default_factory=list)
    shipping_key: str | None = None
    tax: int = 0

    @property
    def after_item_discounts(self) -> int:
        return self.list_price - sum(d.amount for d in self.item_discounts)

    @property
    def paid(self) -> int:
        return self.after_item_discounts - sum(d.amount for d in self.order_discounts)


def discount_ref(reference: Mapping[str, Any]) -> str:
    """The discount's key when the reference is expanded and has one, else its id."""
    return str((reference.get("obj") or {}).get("key") or reference.get("id") or "unknown")


def included_discounts(
    discounted: Mapping[str, Any], coupons: Mapping[str, str] | None = None
) -> list[Discount]:
    """The discounts commercetools itemised on a discounted price (a line's or the shipping's),
    with the coupon code of each when there is one."""
    coupons = coupons or {}
    listed = []
    for included in discounted.get("includedDiscounts") or []:
        reference = included.get("discount") or {}
        amount = minor_units(included.get("discountedAmount"))
        listed.append(
            Discount(
                DISCOUNT_KINDS.get(str(reference.get("typeId")), "discount"),
                discount_ref(reference),
                amount,
                amount,
                coupons.get(str(reference.get("id"))),
            )
        )
    return listed


def _unit(
    line: dict[str, Any], product_id: str, list_price: int, discounts: list[Discount], target: int
) -> Unit:
    unit = Unit(line, product_id, list_price, list(discounts))
    gap = unit.after_item_discounts - target
    if gap < 0:
        raise OrderMappingError(
            f"line {line.get('id')}: a unit costs {target} minor units, more than its list price "
            f"{list_price} less its discounts"
        )
    if gap:
        unit.item_discounts.append(Discount("unitemised discount", UNITEMISED, gap, gap))
    return unit


def line_units(
    line: dict[str, Any], product_id: str, unit_money: Mapping[str, Any], coupons: Mapping[str, str]
) -> list[Unit]:
    """One unit per quantity, each with the discounts that lowered it, summing to the line total.

    Raises OrderMappingError when the line costs more than its list price allows.
    """
    quantity = int(line.get("quantity", 0))
    list_price = minor_units(dict(unit_money))
    product = (line.get("price") or {}).get("discounted")
    base = minor_units(product["value"]) if product else list_price
    product_discounts = (
        [
            Discount(
                "product discount",
                discount_ref(product.get("discount") or {}),
                list_price - base,
                list_price - base,
            )
        ]
        if product and list_price > base
        else []
    )
    units: list[Unit] = []
    for entry in line.get("discountedPricePerQuantity") or []:
        discounted = entry["discountedPrice"]
        listed = product_discounts + included_discounts(discounted, coupons)
        target = minor_units(discounted["value"])
        units += [
            _unit(line, product_id, list_price, listed, target)
            for _ in range(int(entry["quantity"]))
        ]
    if len(units) > quantity:
        raise OrderMappingError(f"line {line.get('id')}: discounts cover more than its quantity")
    units += [
        _unit(line, product_id, list_price, product_discounts, base)
        for _ in range(quantity - len(units))
    ]
    if line.get("totalPrice"):
        _itemise_line_total(line, units)
    return units


def _itemise_line_total(line: dict[str, Any], units: list[Unit]) -> None:
    """A line total below its itemised units is a discount commercetools did not list (an
    imported order, say): it is spread over the units and listed, never hidden in the price."""
    total = minor_units(line["totalPrice"])
    itemised = sum(u.after_item_discounts for u in units)
    if itemised < total:
        raise OrderMappingError(
            f"line {line.get('id')}: its total {total} is more than its units' {itemised}"
        )
    gap = itemised - total
    if not gap:
        return
    shares = apportion(gap, [u.after_item_discounts for u in units])
    for unit, share in zip(units, shares, strict=True):
        if share:
            unit.item_discounts.append(Discount("unitemised discount", UNITEMISED, share, gap))


def share_order_discount(units: list[Unit], discount: Discount) -> None:
    """Spreads an order-level discount over the units by what each still costs."""
    remaining = sum(u.paid for u in units)
    if discount.whole > remaining:
        raise OrderMappingError(
            f"{discount.kind} {discount.ref} ({discount.whole}) is larger than the items "
            f"({remaining}) it would be taken from"
        )
    for unit, share in zip(units, apportion(discount.whole, [u.paid for u in units]), strict=True):
        if share:
            unit.order_discounts.append(
                Discount(discount.kind, discount.ref, share, discount.whole, discount.code)
            )
