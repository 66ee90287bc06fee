"""commercetools orders as Fluent CreateOrderInput: HD or CC, items, shipping, billing, payments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ctbridge.commercetools.money import amount, currency, divide, fraction_digits
from ctbridge.connectors.fluent.to_fluent.address_mapping import address_input, phone
from ctbridge.errors import Permanent

HOME_DELIVERY = "HD"
CLICK_AND_COLLECT = "CC"


class OrderNotMappable(Permanent):
    """The order lacks something Fluent requires (a sku, a pickup location)."""


@dataclass(frozen=True, slots=True)
class OrderRules:
    retailer_id: str
    catalogue_ref: str
    hd_ref_format: str = "HD_{id}"
    cc_ref_format: str = "CC_{id}"
    pickup_location_field: str = "pickupLocationRef"
    cc_shipping_methods: dict[str, str | None] = field(default_factory=dict)
    delivery_type: str = "STANDARD"
    cc_fulfilment_type: str = "CC_PFS"


@dataclass(frozen=True, slots=True)
class Fulfilment:
    kind: str  # HD | CC
    pickup_location: str | None = None


def shipping_method_key(order: dict[str, Any]) -> str | None:
    """The key of the order's shipping method when the message carries it (expanded)."""
    method = (order.get("shippingInfo") or {}).get("shippingMethod") or {}
    return (method.get("obj") or {}).get("key") or method.get("key")


def fulfilment(
    order: dict[str, Any], rules: OrderRules, method_key: str | None = None
) -> Fulfilment:
    """CC when the order names a pickup location in its custom field, or its shipping method
    is one of the click & collect methods (which may name the location itself)."""
    custom = (order.get("custom") or {}).get("fields") or {}
    location = custom.get(rules.pickup_location_field)
    method_key = method_key or shipping_method_key(order)
    if method_key in rules.cc_shipping_methods:
        location = location or rules.cc_shipping_methods[method_key]
        if not location:
            raise OrderNotMappable(
                f"click & collect order {order['id']} names no pickup location "
                f"(custom field {rules.pickup_location_field})"
            )
    if location:
        return Fulfilment(CLICK_AND_COLLECT, str(location))
    return Fulfilment(HOME_DELIVERY)


def order_ref(order: dict[str, Any], kind: str, rules: OrderRules) -> str:
    template = rules.cc_ref_format if kind == CLICK_AND_COLLECT else rules.hd_ref_format
    return template.replace("{id}", order["id"]).replace(
        "{orderNumber}", str(order.get("orderNumber") or order["id"])
    )


def order_input(
    order: dict[str, Any],
    rules: OrderRules,
    *,
    customer_id: str,
    plan: Fulfilment,
    transactions: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The whole order in one CreateOrderInput, financial transactions inline."""
    total = order.get("totalPrice") or {}
    taxed = order.get("taxedPrice") or {}
    fields: dict[str, Any] = {
        "ref": order_ref(order, plan.kind, rules),
        "type": plan.kind,
        "retailer": {"id": int(rules.retailer_id)},
        "customer": {"id": customer_id},
        "totalPrice": amount(taxed.get("totalGross") or total),
        "totalTaxPrice": amount(taxed.get("totalTax")),
        "items": [order_item(line, rules) for line in order.get("lineItems") or []],
        "fulfilmentChoice": fulfilment_choice(order, rules, plan),
        "attributes": order_attributes(order),
    }
    billing = address_input(order.get("billingAddress"))
    if billing:
        fields["billingAddress"] = billing
    if transactions:
        fields["financialTransactions"] = list(transactions)
    if not fields["items"]:
        raise OrderNotMappable(f"order {order['id']} has no product line items")
    return fields


def order_item(line: dict[str, Any], rules: OrderRules) -> dict[str, Any]:
    """Unit price (discounted price if a product discount applies), paid unit price net of tax
    after all discounts, unit and total tax, gross line total. The ref is the line item id, so
    two lines of one sku stay two items and Fluent updates can name the ct line."""
    sku = (line.get("variant") or {}).get("sku")
    if not sku:
        raise OrderNotMappable(f"line item {line.get('id')} has no sku")
    quantity = int(line.get("quantity", 0))
    price = line.get("price") or {}
    unit = (price.get("discounted") or {}).get("value") or price.get("value")
    total = line.get("totalPrice") or {}
    taxed = line.get("taxedPrice") or {}
    digits = fraction_digits(total)
    net_total = amount(taxed.get("totalNet") or total)
    tax_total = amount(taxed.get("totalTax"))
    return {
        "ref": line["id"],
        "productRef": sku,
        "productCatalogueRef": rules.catalogue_ref,
        "quantity": quantity,
        "price": amount(unit),
        "paidPrice": divide(net_total, quantity, digits),
        "taxPrice": divide(tax_total, quantity, digits),
        "totalPrice": amount(taxed.get("totalGross") or total),
        "totalTaxPrice": tax_total,
        "currency": currency(total),
    }


def fulfilment_choice(order: dict[str, Any], rules: OrderRules, plan: Fulfilment) -> dict[str, Any]:
    """Shipping as the choice's fulfilment price; the delivery address for HD, the pickup
    location for CC; the recipient's names and contact kept apart."""
    shipping = order.get("shippingInfo") or {}
    shipping_taxed = shipping.get("taxedPrice") or {}
    address = order.get("shippingAddress") or order.get("billingAddress") or {}
    choice: dict[str, Any] = {
        "deliveryType": rules.delivery_type,
        "currency": currency(order.get("totalPrice")),
        "fulfilmentPrice": amount(shipping_taxed.get("totalGross") or shipping.get("price")),
        "fulfilmentTaxPrice": amount(shipping_taxed.get("totalTax")),
        "deliveryFirstName": address.get("firstName"),
        "deliveryLastName": address.get("lastName"),
        "deliveryEmail": address.get("email") or order.get("customerEmail"),
        "deliveryContact": phone(address),
    }
    if plan.kind == CLICK_AND_COLLECT:
        choice["fulfilmentType"] = rules.cc_fulfilment_type
        choice["pickupLocationRef"] = plan.pickup_location
    else:
        delivery = address_input(order.get("shippingAddress"))
        if not delivery:
            raise OrderNotMappable(f"home delivery order {order['id']} has no shipping address")
        choice["deliveryAddress"] = delivery
    return {key: value for key, value in choice.items() if value not in (None, "")}


def order_attributes(order: dict[str, Any]) -> list[dict[str, Any]]:
    attributes = [{"name": "commercetoolsOrderId", "type": "STRING", "value": order["id"]}]
    if order.get("orderNumber"):
        attributes.append({"name": "orderNumber", "type": "STRING", "value": order["orderNumber"]})
    custom_lines = [
        {
            "id": line.get("id"),
            "slug": line.get("slug"),
            "quantity": line.get("quantity"),
            "totalPrice": amount(line.get("totalPrice")),
        }
        for line in order.get("customLineItems") or []
    ]
    if custom_lines:
        attributes.append({"name": "customLineItems", "type": "JSON", "value": custom_lines})
    return attributes
