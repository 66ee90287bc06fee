"""commercetools Order → NewStore Order Injection payload (`POST /v0/d/fulfill_order`), purely.

Every accepted payload adds up: the items (`item_price` less their `item_discount_info` and
`item_order_discount_info` adjustments) plus the shipping options (`price` less their
`discount_info`) equal the order's `totalPrice` to the minor unit — NewStore answers 400 when
"the order's total payment amount is different from the sum of each item and shipping amount
... if the item_discount_info or item_order_discount_info are missing" (Order Injection OpenAPI,
createInjectedOrder, response 400). An order that cannot be expressed so is refused
(OrderMappingError), never injected short. All arithmetic is in integer minor units.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ctbridge.commercetools.money import fraction_digits, minor_units, to_decimal
from ctbridge.connectors.newstore import canonical_json
from ctbridge.connectors.newstore.address_mapping import full_name, map_address
from ctbridge.connectors.newstore.discount_info import discount_entry
from ctbridge.connectors.newstore.errors import OrderMappingError
from ctbridge.connectors.newstore.order_rules import OrderRules
from ctbridge.connectors.newstore.order_taxes import (
    apportion_taxes,
    line_tax,
    price_method,
    tax_lines,
    taxed_total,
)
from ctbridge.connectors.newstore.order_units import (
    DISCOUNT_KINDS,
    Discount,
    Unit,
    discount_ref,
    line_units,
    share_order_discount,
)
from ctbridge.connectors.newstore.payment_mapping import map_payment
from ctbridge.connectors.newstore.shipping_mapping import (
    map_shipping_option,
    shipping_price,
    shipping_tax,
)

# "up to 5 shipments, each with up to 100 items" (docs.newstore.com "Importing orders"); the
# OpenAPI's `shipments.maxItems` says 10, the stricter guide wins.
MAX_SHIPMENTS = 5
MAX_ITEMS_PER_SHIPMENT = 100
MAX_ID_LENGTH = 64
MAX_EMAIL_LENGTH = 64

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


def _method(info: dict[str, Any] | None, refs: OrderReferences) -> dict[str, Any] | None:
    reference = (info or {}).get("shippingMethod") or {}
    return reference.get("obj") or refs.shipping_methods.get(reference.get("id", ""))


@dataclass
class _PricedLines:
    """The order's lines as units, and what is not a unit: negative custom line items (taken off
    the order like a discount) and zero-priced ones without a product (reported)."""

    lines: list[tuple[dict[str, Any], list[Unit]]] = field(default_factory=list)
    adjustments: list[Discount] = field(default_factory=list)
    reported: list[dict[str, Any]] = field(default_factory=list)

    @property
    def units(self) -> list[Unit]:
        return [unit for _, units in self.lines for unit in units]


def _custom_line_product(line: dict[str, Any], rules: OrderRules) -> str | None:
    table = rules.custom_line_items
    return table.get(line.get("key") or "") or table.get(line.get("slug") or "") or table.get("*")


def _custom_line_total(line: dict[str, Any]) -> int:
    """Its totalPrice; money × quantity when a (draft-shaped) line carries none."""
    if line.get("totalPrice"):
        return minor_units(line["totalPrice"])
    return minor_units(line.get("money")) * int(line.get("quantity", 1))


def _priced_lines(
    order: dict[str, Any], rules: OrderRules, coupons: Mapping[str, str], digits: int
) -> _PricedLines:
    priced = _PricedLines()
    for line in order.get("lineItems") or []:
        sku = (line.get("variant") or {}).get("sku")
        if not sku:
            raise OrderMappingError(f"line item {line.get('id')} has no sku")
        if len(sku) > MAX_ID_LENGTH:
            raise OrderMappingError(f"sku {sku!r} is longer than {MAX_ID_LENGTH}")
        priced.lines.append((line, line_units(line, sku, line["price"]["value"], coupons)))
    for line in order.get("customLineItems") or []:
        name = str(line.get("key") or line.get("slug") or line.get("id"))
        total = _custom_line_total(line)
        product_id = _custom_line_product(line, rules)
        if total < 0:
            priced.adjustments.append(Discount("custom line item", name, -total, -total))
        elif product_id:
            priced.lines.append((line, line_units(line, product_id, line["money"], coupons)))
        elif total == 0:
            priced.reported.append(line)
        else:
            raise OrderMappingError(
                f"custom line item {name!r} ({to_decimal(total, digits)}) has no NewStore "
                "product: map its key or slug (or '*') in NEW_STORE_CUSTOM_LINE_ITEMS, otherwise "
                "the order would reach NewStore short of what was paid"
            )
    if not priced.lines:
        raise OrderMappingError("the order has no items NewStore can fulfil")
    return priced


def _assign_targets(line: dict[str, Any], units: list[Unit]) -> None:
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


def _share_order_discounts(
    order: dict[str, Any], priced: _PricedLines, coupons: Mapping[str, str]
) -> None:
    """Order-level (total price) discounts and negative custom line items, over the units."""
    on_total = order.get("discountOnTotalPrice") or {}
    discounts = []
    for included in on_total.get("includedDiscounts") or []:
        reference = included.get("discount") or {}
        amount = minor_units(included.get("discountedAmount"))
        kind = DISCOUNT_KINDS.get(str(reference.get("typeId")), "discount")
        code = coupons.get(str(reference.get("id")))
        discounts.append(Discount(kind, discount_ref(reference), amount, amount, code))
    unlisted = minor_units(on_total.get("discountedAmount")) - sum(d.whole for d in discounts)
    if unlisted > 0:
        discounts.append(Discount("order discount", "order-discount", unlisted, unlisted))
    units = priced.units
    for discount in discounts + priced.adjustments:
        if discount.whole:
            share_order_discount(units, discount)


def _shipping_infos(order: dict[str, Any]) -> list[dict[str, Any] | None]:
    if order.get("shippingMode") == "Multiple":
        return [s.get("shippingInfo") for s in order.get("shipping") or []]
    return [order.get("shippingInfo")]


def _item(unit: Unit, digits: int) -> dict[str, Any]:
    price: dict[str, Any] = {
        "item_price": to_decimal(unit.list_price, digits),
        "item_list_price": to_decimal(unit.list_price, digits),
        "item_tax_lines": tax_lines(unit, digits),
    }
    item_level = discount_entry(unit.item_discounts, digits)
    if item_level:
        price["item_discount_info"] = [item_level]
    order_level = discount_entry(unit.order_discounts, digits, order_level=True)
    if order_level:
        price["item_order_discount_info"] = [order_level]
    line = unit.line
    external_item_id = line.get("id") or line.get("key") or line.get("slug")
    if not external_item_id:
        raise OrderMappingError("a line of the order has no id")
    return {
        "external_item_id": str(external_item_id),
        "product_id": unit.product_id,
        "price": price,
    }


def _shipments(
    order: dict[str, Any],
    refs: OrderReferences,
    rules: OrderRules,
    units: list[Unit],
    digits: int,
    shipping_mapper: ShippingMapper,
) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    """The shipments and the one shipping address NewStore accepts per order."""
    if order.get("shippingMode") != "Multiple":
        info = order.get("shippingInfo")
        shipment = {
            "items": [_item(u, digits) for u in units],
            "shipping_option": shipping_mapper(info, _method(info, refs), order, rules),
        }
        return [shipment], map_address(order.get("shippingAddress"))
    shippings = order.get("shipping") or []
    known = {s.get("shippingKey") for s in shippings}
    if any(u.shipping_key not in known for u in units):
        raise OrderMappingError("a shipping target names a shipping key the order does not have")
    shipments, addresses = [], []
    for shipping in shippings:
        shipment_units = [u for u in units if u.shipping_key == shipping.get("shippingKey")]
        info = shipping.get("shippingInfo")
        if not shipment_units:
            if shipping_price(info) or shipping_tax(info):
                raise OrderMappingError(
                    f"shipping {shipping.get('shippingKey')!r} has a price or tax but no items, "
                    "and a NewStore shipment needs items"
                )
            continue
        addresses.append(map_address(shipping.get("shippingAddress")))
        shipments.append(
            {
                "items": [_item(u, digits) for u in shipment_units],
                "shipping_option": shipping_mapper(info, _method(info, refs), order, rules),
            }
        )
    if len({canonical_json.dumps(a) for a in addresses}) > 1:
        raise OrderMappingError("NewStore accepts one shipping address per order")
    return shipments, addresses[0] if addresses else map_address(order.get("shippingAddress"))


def _check_limits(shipments: list[dict[str, Any]]) -> None:
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


def _adjustments(entries: list[dict[str, Any]] | None) -> Decimal:
    return sum((Decimal(e.get("price_adjustment", 0)) for e in entries or []), Decimal(0))


def payload_total(payload: dict[str, Any]) -> Decimal:
    """What the payload charges before tax is added: items and shipping less their discounts."""
    total = Decimal(0)
    for shipment in payload["shipments"]:
        for item in shipment["items"]:
            price = item["price"]
            total += Decimal(price["item_price"]) - _adjustments(price.get("item_discount_info"))
            total -= _adjustments(price.get("item_order_discount_info"))
        option = shipment["shipping_option"]
        total += Decimal(option.get("price", 0)) - _adjustments(option.get("discount_info"))
    return total


def payload_tax(payload: dict[str, Any]) -> Decimal:
    total = Decimal(0)
    for shipment in payload["shipments"]:
        for item in shipment["items"]:
            total += sum(
                (Decimal(t["amount"]) for t in item["price"]["item_tax_lines"]), Decimal(0)
            )
        total += Decimal(shipment["shipping_option"].get("tax", 0))
    return total


def _check_adds_up(payload: dict[str, Any], order: dict[str, Any], digits: int) -> None:
    """The last step: the payload charges exactly the order's total (and tax), or is refused."""
    expected = to_decimal(minor_units(order.get("totalPrice")), digits)
    if payload_total(payload) != expected:
        raise OrderMappingError(
            f"the NewStore order would charge {payload_total(payload)} (items and shipping less "
            f"their discounts) but the commercetools order's totalPrice is {expected}"
        )
    taxed = order.get("taxedPrice")
    if taxed:
        tax = to_decimal(taxed_total(taxed), digits)
        if payload_tax(payload) != tax:
            raise OrderMappingError(
                f"the NewStore order would carry {payload_tax(payload)} tax but the "
                f"commercetools order's total tax is {tax}"
            )


def _envelope(
    order: dict[str, Any],
    rules: OrderRules,
    priced: _PricedLines,
    shipments: list[dict[str, Any]],
    shipping_address: dict[str, str] | None,
    digits: int,
) -> dict[str, Any]:
    billing_address = map_address(order.get("billingAddress"))
    payload: dict[str, Any] = {
        "external_id": _external_id(order, rules),
        "shop": rules.shop,
        "channel_type": rules.channel_type,
        "channel_name": rules.channel_name,
        "shop_locale": order.get("locale") or rules.shop_locale,
        "currency": (order.get("totalPrice") or {}).get("currencyCode") or "",
        "price_method": price_method([line for line, _ in priced.lines]),
        "shipments": shipments,
        "shipping_address": shipping_address or billing_address,
        "billing_address": billing_address,
        "placed_at": order.get("createdAt"),
        "external_customer_id": order.get("customerId"),
        "customer_name": (
            full_name(order.get("billingAddress")) or full_name(order.get("shippingAddress"))
        )[:128]
        or None,
        "extended_attributes": _extended_attributes(order, priced.reported, digits),
    }
    email = order.get("customerEmail")
    if email and len(email) <= MAX_EMAIL_LENGTH:
        payload["customer_email"] = email
    if order.get("locale"):
        payload["customer_language"] = str(order["locale"])[:2].lower()
    if payload["shipping_address"] is None:
        raise OrderMappingError("the order has no usable shipping or billing address")
    return payload


def build_order(
    order: dict[str, Any],
    refs: OrderReferences,
    rules: OrderRules,
    *,
    payment_mapper: PaymentMapper = map_payment,
    shipping_mapper: ShippingMapper = map_shipping_option,
) -> dict[str, Any]:
    """The NewStore order for a commercetools order; raises OrderMappingError when there is none."""
    digits = fraction_digits(order.get("totalPrice"))
    coupons = _coupons(order, refs)
    priced = _priced_lines(order, rules, coupons, digits)
    if order.get("shippingMode") == "Multiple":
        for line, units in priced.lines:
            _assign_targets(line, units)
    _share_order_discounts(order, priced, coupons)
    apportion_taxes(order, priced.lines, _shipping_infos(order), priced.reported)
    shipments, shipping_address = _shipments(
        order, refs, rules, priced.units, digits, shipping_mapper
    )
    _check_limits(shipments)
    payload = _envelope(order, rules, priced, shipments, shipping_address, digits)
    payments = [
        entry for payment in refs.payments for entry in payment_mapper(payment, order, rules)
    ]
    if payments:
        payload["payments"] = payments
    _check_adds_up(payload, order, digits)
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
        # Zero-priced custom line items without a NewStore product: no money, but not dropped.
        name = f"ct_custom_line_item:{line.get('key') or line.get('slug') or line.get('id')}"[:100]
        attributes[name] = canonical_json.dumps(
            {
                "id": line.get("id"),
                "quantity": line.get("quantity"),
                "total": to_decimal(minor_units(line.get("totalPrice")), digits),
                "tax": to_decimal(line_tax(line), digits),
            }
        ).decode()
    return [{"name": name, "value": value} for name, value in sorted(attributes.items())]


def payments_balance(payload: dict[str, Any], order: dict[str, Any]) -> int:
    """Order gross total minus the payments sent, in minor units (0 when they reconcile)."""
    total = (order.get("taxedPrice") or {}).get("totalGross") or order.get("totalPrice")
    digits = fraction_digits(total)
    paid = sum(int(p["amount"].scaleb(digits)) for p in payload.get("payments", []))
    return minor_units(total) - paid
