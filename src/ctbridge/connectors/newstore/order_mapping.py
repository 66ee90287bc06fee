"""commercetools Order → NewStore Order Injection payload (`POST /v0/d/fulfill_order`), purely.

Items are one entry per unit. All arithmetic is in integer minor units: per-unit prices, order
discount shares and taxes are apportioned with largest remainders, so the units of a line sum
exactly to the line and the whole payload sums exactly to the commercetools order totals, for
any currency's fraction digits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ctbridge.connectors.newstore import canonical_json
from ctbridge.connectors.newstore.address_mapping import full_name, map_address
from ctbridge.connectors.newstore.apportion import apportion
from ctbridge.connectors.newstore.errors import OrderMappingError
from ctbridge.connectors.newstore.money import fraction_digits, minor_units, to_decimal
from ctbridge.connectors.newstore.order_rules import OrderRules
from ctbridge.connectors.newstore.payment_mapping import map_payment
from ctbridge.connectors.newstore.shipping_mapping import (
    map_shipping_option,
    shipping_paid,
    shipping_tax,
)

MAX_SHIPMENTS = 5
MAX_ITEMS_PER_SHIPMENT = 100
MAX_ID_LENGTH = 64
MAX_EMAIL_LENGTH = 64
RATE_SCALE = 1_000_000

PaymentMapper = Callable[[dict[str, Any], dict[str, Any], OrderRules], list[dict[str, Any]]]
ShippingMapper = Callable[
    [dict[str, Any] | None, dict[str, Any] | None, dict[str, Any], OrderRules], dict[str, Any]
]


@dataclass(frozen=True)
class OrderReferences:
    """Resources the order only references, fetched by the handler: by id."""

    shipping_methods: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    discount_codes: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    payments: Sequence[dict[str, Any]] = ()


def referenced_ids(order: dict[str, Any]) -> dict[str, list[str]]:
    """Ids of the shipping methods, discount codes and payments the mapping needs."""
    infos = [order.get("shippingInfo")] + [
        s.get("shippingInfo") for s in order.get("shipping") or []
    ]
    methods = [
        ((info or {}).get("shippingMethod") or {}).get("id") for info in infos if info is not None
    ]
    codes = [(c.get("discountCode") or {}).get("id") for c in order.get("discountCodes") or []]
    payments = [p.get("id") for p in (order.get("paymentInfo") or {}).get("payments") or []]
    return {
        "shipping-methods": sorted({m for m in methods if m}),
        "discount-codes": sorted({c for c in codes if c}),
        "payments": [p for p in dict.fromkeys(payments) if p],
    }


@dataclass
class _Unit:
    line: dict[str, Any]
    product_id: str
    list_price: int
    price: int
    item_discounts: list[tuple[str, int]]
    shipping_key: str | None = None
    order_discounts: list[tuple[str, int, int]] = field(default_factory=list)
    tax: int = 0

    @property
    def paid(self) -> int:
        return self.price - sum(share for _, share, _ in self.order_discounts)


def _line_tax(line: dict[str, Any]) -> int:
    taxed = line.get("taxedPrice")
    if not taxed:
        return 0
    if taxed.get("totalTax") is not None:
        return minor_units(taxed["totalTax"])
    return minor_units(taxed.get("totalGross")) - minor_units(taxed.get("totalNet"))


def _units(line: dict[str, Any], product_id: str, unit_money: dict[str, Any]) -> list[_Unit]:
    """One unit per quantity: list price, price after item discounts, which discounts."""
    quantity = int(line.get("quantity", 0))
    list_price = minor_units(unit_money)
    product_discount = (line.get("price") or {}).get("discounted")
    base = minor_units(product_discount["value"]) if product_discount else list_price
    base_discounts = (
        [(product_discount["discount"]["id"], list_price - base)]
        if product_discount and list_price > base
        else []
    )
    units: list[_Unit] = []
    for entry in line.get("discountedPricePerQuantity") or []:
        discounted = entry["discountedPrice"]
        cart = [
            (d["discount"]["id"], minor_units(d["discountedAmount"]))
            for d in discounted.get("includedDiscounts") or []
        ]
        for _ in range(int(entry["quantity"])):
            units.append(
                _Unit(
                    line,
                    product_id,
                    list_price,
                    minor_units(discounted["value"]),
                    base_discounts + cart,
                )
            )
    if len(units) > quantity:
        raise OrderMappingError(f"line {line.get('id')}: discounts cover more than its quantity")
    units += [
        _Unit(line, product_id, list_price, base, list(base_discounts))
        for _ in range(quantity - len(units))
    ]
    total = minor_units(line.get("totalPrice"))
    if units and line.get("totalPrice") and sum(u.price for u in units) != total:
        for unit, price in zip(units, apportion(total, [u.price for u in units]), strict=True):
            unit.price = price
    return units


def _assign_targets(line: dict[str, Any], units: list[_Unit]) -> None:
    targets = (line.get("shippingDetails") or {}).get("targets") or []
    if sum(int(t.get("quantity", 0)) for t in targets) != len(units):
        raise OrderMappingError(
            f"line {line.get('id')}: shipping targets do not cover its quantity of {len(units)}"
        )
    position = 0
    for target in targets:
        for _ in range(int(target["quantity"])):
            units[position].shipping_key = target.get("shippingMethodKey")
            position += 1


def _price_method(lines: list[dict[str, Any]]) -> str:
    included = {
        bool(line["taxRate"].get("includedInPrice")) for line in lines if line.get("taxRate")
    }
    if len(included) > 1:
        raise OrderMappingError("the order mixes tax-included and tax-excluded prices")
    return "tax_included" if included == {True} else "tax_excluded"


def _tax_lines(unit: _Unit, digits: int) -> list[dict[str, Any]]:
    rate = unit.line.get("taxRate")
    if not rate:
        if not unit.tax:
            return []
        return [{"amount": to_decimal(unit.tax, digits), "rate": 0, "name": "tax"}]
    sub_rates = rate.get("subRates") or []
    if not sub_rates:
        sub_rates = [rate]
    weights = [round(float(r.get("amount", 0)) * RATE_SCALE) for r in sub_rates]
    lines = []
    for sub_rate, amount in zip(sub_rates, apportion(unit.tax, weights), strict=True):
        tax_line: dict[str, Any] = {
            "amount": to_decimal(amount, digits),
            "rate": sub_rate.get("amount", 0),
            "name": str(sub_rate.get("name") or rate.get("name") or "tax")[:64],
        }
        if rate.get("country"):
            tax_line["country_code"] = str(rate["country"])[:2]
        lines.append(tax_line)
    return lines


def _discount_info(
    ref: str, share: int, whole: int, coupons: Mapping[str, str], digits: int
) -> dict[str, Any]:
    info: dict[str, Any] = {
        "discount_ref": ref,
        "type": "fixed",
        "original_value": to_decimal(whole, digits),
        "price_adjustment": to_decimal(share, digits),
    }
    if ref in coupons:
        info["coupon_code"] = coupons[ref][:64]
    return info


def _coupons(order: dict[str, Any], refs: OrderReferences) -> dict[str, str]:
    """Cart discount id → the discount code that activated it."""
    coupons: dict[str, str] = {}
    for info in order.get("discountCodes") or []:
        reference = info.get("discountCode") or {}
        code = reference.get("obj") or refs.discount_codes.get(reference.get("id", ""))
        if not code:
            continue
        for cart_discount in code.get("cartDiscounts") or []:
            coupons.setdefault(cart_discount["id"], code["code"])
    return coupons


def _external_id(order: dict[str, Any], rules: OrderRules) -> str:
    number = order.get("orderNumber")
    external_id = number if rules.external_id_source == "order_number" and number else order["id"]
    if len(external_id) > MAX_ID_LENGTH:
        raise OrderMappingError(f"external_id {external_id!r} is longer than {MAX_ID_LENGTH}")
    return str(external_id)


def _item(unit: _Unit, coupons: Mapping[str, str], digits: int) -> dict[str, Any]:
    price: dict[str, Any] = {
        "item_price": to_decimal(unit.paid, digits),
        "item_list_price": to_decimal(unit.list_price, digits),
        "item_tax_lines": _tax_lines(unit, digits),
    }
    if unit.item_discounts:
        price["item_discount_info"] = [
            _discount_info(ref, amount, amount, coupons, digits)
            for ref, amount in unit.item_discounts
        ]
    if unit.order_discounts:
        price["item_order_discount_info"] = [
            _discount_info(ref, share, whole, coupons, digits)
            for ref, share, whole in unit.order_discounts
        ]
    return {"external_item_id": unit.line["id"], "product_id": unit.product_id, "price": price}


def _method(info: dict[str, Any] | None, refs: OrderReferences) -> dict[str, Any] | None:
    reference = (info or {}).get("shippingMethod") or {}
    return reference.get("obj") or refs.shipping_methods.get(reference.get("id", ""))


def build_order(
    order: dict[str, Any],
    refs: OrderReferences,
    rules: OrderRules,
    *,
    payment_mapper: PaymentMapper = map_payment,
    shipping_mapper: ShippingMapper = map_shipping_option,
) -> dict[str, Any]:
    """The NewStore order for a commercetools order; raises OrderMappingError when there is none."""
    total_money = order.get("totalPrice") or {}
    digits = fraction_digits(total_money)
    multiple = order.get("shippingMode") == "Multiple"

    units_by_line: list[tuple[dict[str, Any], list[_Unit]]] = []
    unmapped: list[dict[str, Any]] = []
    for line in order.get("lineItems") or []:
        sku = (line.get("variant") or {}).get("sku")
        if not sku:
            raise OrderMappingError(f"line item {line.get('id')} has no sku")
        if len(sku) > MAX_ID_LENGTH:
            raise OrderMappingError(f"sku {sku!r} is longer than {MAX_ID_LENGTH}")
        units_by_line.append((line, _units(line, sku, line["price"]["value"])))
    for line in order.get("customLineItems") or []:
        product_id = rules.custom_line_items.get(
            line.get("key") or ""
        ) or rules.custom_line_items.get(line.get("slug") or "")
        if product_id:
            units_by_line.append((line, _units(line, product_id, line["money"])))
        else:
            unmapped.append(line)
    if not units_by_line:
        raise OrderMappingError("the order has no items NewStore can fulfil")
    if multiple:
        for line, units in units_by_line:
            _assign_targets(line, units)
    units = [unit for _, units in units_by_line for unit in units]

    shipping_infos = (
        [s.get("shippingInfo") for s in order.get("shipping") or []]
        if multiple
        else [order.get("shippingInfo")]
    )
    shipping_total = sum(shipping_paid(info) for info in shipping_infos)
    unmapped_total = sum(minor_units(line.get("totalPrice")) for line in unmapped)

    # Order-level (total price) discounts, each shared over the units by their price.
    on_total = order.get("discountOnTotalPrice") or {}
    included = [
        (d["discount"]["id"], minor_units(d["discountedAmount"]))
        for d in on_total.get("includedDiscounts") or []
    ]
    if not included and minor_units(on_total.get("discountedAmount")):
        included = [("order-discount", minor_units(on_total["discountedAmount"]))]
    for ref, amount in included:
        for unit, share in zip(units, apportion(amount, [u.price for u in units]), strict=True):
            if share:
                unit.order_discounts.append((ref, share, amount))

    # Whatever commercetools' own rounding left over lands on the units, so totals match exactly.
    if total_money:
        residue = (
            minor_units(total_money) - shipping_total - unmapped_total - sum(u.paid for u in units)
        )
        for unit, delta in zip(units, apportion(residue, [u.paid for u in units]), strict=True):
            unit.price += delta

    # Taxes: each line's tax, reconciled with the order's total tax, split over its units.
    line_taxes = [_line_tax(line) for line, _ in units_by_line]
    taxed = order.get("taxedPrice")
    if taxed:
        order_tax = (
            minor_units(taxed["totalTax"])
            if taxed.get("totalTax") is not None
            else minor_units(taxed.get("totalGross")) - minor_units(taxed.get("totalNet"))
        )
        target = (
            order_tax
            - sum(shipping_tax(info) for info in shipping_infos)
            - sum(_line_tax(line) for line in unmapped)
        )
        taxed_lines = [
            bool(line.get("taxRate")) or tax > 0
            for (line, _), tax in zip(units_by_line, line_taxes, strict=True)
        ]
        if not any(taxed_lines):
            taxed_lines = [True] * len(units_by_line)
        # Lines carry the difference by their tax, else by their price, else evenly.
        for candidate in (
            line_taxes,
            [sum(u.paid for u in us) for _, us in units_by_line],
            [1] * len(units_by_line),
        ):
            weights = [w if t else 0 for w, t in zip(candidate, taxed_lines, strict=True)]
            if any(weights):
                break
        for index, delta in enumerate(apportion(target - sum(line_taxes), weights)):
            line_taxes[index] += delta
    for (_, line_units), tax in zip(units_by_line, line_taxes, strict=True):
        for unit, share in zip(
            line_units, apportion(tax, [u.paid for u in line_units]), strict=True
        ):
            unit.tax = share

    coupons = _coupons(order, refs)
    shipping_address = map_address(order.get("shippingAddress"))
    shipments: list[dict[str, Any]] = []
    if multiple:
        addresses = []
        for shipping in order.get("shipping") or []:
            key = shipping.get("shippingKey")
            shipment_units = [u for u in units if u.shipping_key == key]
            if not shipment_units:
                continue
            addresses.append(map_address(shipping.get("shippingAddress")))
            info = shipping.get("shippingInfo")
            shipments.append(
                {
                    "items": [_item(u, coupons, digits) for u in shipment_units],
                    "shipping_option": shipping_mapper(info, _method(info, refs), order, rules),
                }
            )
        known = {s.get("shippingKey") for s in order.get("shipping") or []}
        if any(u.shipping_key not in known for u in units):
            raise OrderMappingError(
                "a shipping target names a shipping key the order does not have"
            )
        distinct = {canonical_json.dumps(a) for a in addresses}
        if len(distinct) > 1:
            raise OrderMappingError("NewStore accepts one shipping address per order")
        shipping_address = addresses[0] if addresses else shipping_address
    else:
        info = order.get("shippingInfo")
        shipments.append(
            {
                "items": [_item(u, coupons, digits) for u in units],
                "shipping_option": shipping_mapper(info, _method(info, refs), order, rules),
            }
        )
    if len(shipments) > MAX_SHIPMENTS:
        raise OrderMappingError(
            f"{len(shipments)} shipments; NewStore accepts at most {MAX_SHIPMENTS} per order"
        )
    for shipment in shipments:
        if len(shipment["items"]) > MAX_ITEMS_PER_SHIPMENT:
            raise OrderMappingError(
                f"a shipment of {len(shipment['items'])} items; NewStore accepts at most "
                f"{MAX_ITEMS_PER_SHIPMENT} per shipment"
            )

    billing_address = map_address(order.get("billingAddress"))
    payload: dict[str, Any] = {
        "external_id": _external_id(order, rules),
        "shop": rules.shop,
        "channel_type": rules.channel_type,
        "channel_name": rules.channel_name,
        "shop_locale": order.get("locale") or rules.shop_locale,
        "currency": total_money.get("currencyCode") or "",
        "price_method": _price_method([line for line, _ in units_by_line]),
        "shipments": shipments,
        "shipping_address": shipping_address or billing_address,
        "billing_address": billing_address,
        "placed_at": order.get("createdAt"),
        "external_customer_id": order.get("customerId"),
        "customer_name": (
            full_name(order.get("billingAddress")) or full_name(order.get("shippingAddress"))
        )[:128]
        or None,
        "extended_attributes": _extended_attributes(order, unmapped, digits),
    }
    email = order.get("customerEmail")
    if email and len(email) <= MAX_EMAIL_LENGTH:
        payload["customer_email"] = email
    if order.get("locale"):
        payload["customer_language"] = str(order["locale"])[:2].lower()
    payments = [
        entry for payment in refs.payments for entry in payment_mapper(payment, order, rules)
    ]
    if payments:
        payload["payments"] = payments
    if payload["shipping_address"] is None:
        raise OrderMappingError("the order has no usable shipping or billing address")
    return {key: value for key, value in payload.items() if value not in (None, "", [])}


def _extended_attributes(
    order: dict[str, Any], unmapped: list[dict[str, Any]], digits: int
) -> list[dict[str, str]]:
    attributes = {"ct_order_id": order["id"]}
    if order.get("orderNumber"):
        attributes["ct_order_number"] = order["orderNumber"]
    if (order.get("store") or {}).get("key"):
        attributes["ct_store_key"] = order["store"]["key"]
    for line in unmapped:
        # Custom line items without a NewStore product are reported here, never dropped silently.
        name = f"ct_custom_line_item:{line.get('key') or line.get('slug') or line.get('id')}"[:100]
        attributes[name] = canonical_json.dumps(
            {
                "id": line.get("id"),
                "quantity": line.get("quantity"),
                "total": to_decimal(minor_units(line.get("totalPrice")), digits),
                "tax": to_decimal(_line_tax(line), digits),
            }
        ).decode()
    return [{"name": name, "value": value} for name, value in sorted(attributes.items())]


def payments_balance(payload: dict[str, Any], order: dict[str, Any]) -> int:
    """Order gross total minus the payments sent, in minor units (0 when they reconcile)."""
    total = (order.get("taxedPrice") or {}).get("totalGross") or order.get("totalPrice")
    digits = fraction_digits(total)
    paid = sum(int(p["amount"].scaleb(digits)) for p in payload.get("payments", []))
    return minor_units(total) - paid
