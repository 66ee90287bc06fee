"""Orders: import and sandbox creation, states, line items, custom fields, payments, messages."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.actions.custom import (
    CUSTOM_ACTIONS,
    custom_from_draft,
    set_custom_field,
)
from ctbridge.sandbox.commercetools.actions.deliveries import DELIVERY_ACTIONS
from ctbridge.sandbox.commercetools.actions.inventory import find_entry, out_of_stock, reserve
from ctbridge.sandbox.commercetools.documents import clone
from ctbridge.sandbox.commercetools.errors import (
    duplicate_field,
    invalid_field,
    invalid_input,
    invalid_operation,
)
from ctbridge.sandbox.commercetools.kinds import Mutation, Resource, ResourceKind, required
from ctbridge.sandbox.commercetools.money import times, total, typed_money
from ctbridge.sandbox.commercetools.taxes import taxed_item_price

TYPE_ID = "order"
STATE_TYPE_ID = "state"
ORDER_STATES = {"Open", "Confirmed", "Complete", "Cancelled"}
PAYMENT_STATES = {"BalanceDue", "Failed", "Pending", "CreditOwed", "Paid"}
SHIPMENT_STATES = {"Shipped", "Delivered", "Ready", "Pending", "Delayed", "Partial", "Backorder"}
INVENTORY_MODES = {"None", "TrackOnly", "ReserveOnOrder"}


def _identifiers(order: Resource) -> dict[str, Any]:
    return {"orderNumber": order["orderNumber"]} if order.get("orderNumber") else {}


def initial_line_item_state(m: Mutation) -> dict[str, str]:
    state = m.store.find(STATE_TYPE_ID, "key", "Initial")
    if state is None:
        raise invalid_operation("The project has no initial line item state.")
    return {"typeId": STATE_TYPE_ID, "id": state["id"]}


def _line_item(m: Mutation, draft: dict[str, Any]) -> dict[str, Any]:
    quantity = draft.get("quantity", 1)
    variant = dict(draft.get("variant") or {})
    price_draft = required(draft, "price")
    value = typed_money(price_draft.get("value"), "price.value")
    item: dict[str, Any] = {
        "id": m.new_id(),
        "name": required(draft, "name"),
        "variant": {"id": variant.get("id", 1), **variant},
        "price": {**price_draft, "id": price_draft.get("id") or m.new_id(), "value": value},
        "quantity": quantity,
        "totalPrice": typed_money(draft["totalPrice"])
        if draft.get("totalPrice")
        else times(value, quantity),
        "discountedPricePerQuantity": [],
        "state": [{"quantity": quantity, "state": initial_line_item_state(m)}],
        "lineItemMode": "Standard",
        "priceMode": "Platform",
        "perMethodTaxRate": [],
        "taxedPricePortions": [],
    }
    if draft.get("productId"):
        item["productId"] = draft["productId"]
    elif variant.get("sku"):
        owner = _product_with_sku(m, variant["sku"])
        if owner is not None:
            item["productId"] = owner["id"]
            if owner.get("key"):
                item["productKey"] = owner["key"]
    for name in ("productKey", "taxRate", "shippingDetails"):
        if draft.get(name) is not None:
            item[name] = draft[name]
    _line_item_taxes_and_discounts(m, item, draft)
    for name in ("supplyChannel", "distributionChannel"):
        if draft.get(name):
            item[name] = m.reference("channel", draft[name])
    if draft.get("custom"):
        item["custom"] = custom_from_draft(m, draft["custom"])
    return item


def _line_item_taxes_and_discounts(
    m: Mutation, item: dict[str, Any], draft: dict[str, Any]
) -> None:
    """LineItem.taxedPrice is "automatically set after `taxRate` is set" and taxedPricePortions
    "after `perMethodTaxRate` is set" (api-specs/api/types/cart/LineItem.raml). The sandbox's own
    order creation (no carts) takes them, and the cart discounts that lowered the line
    (`discountedPricePerQuantity`, DiscountedLineItemPriceForQuantity.raml), from the draft."""
    if draft.get("taxedPrice") is not None:
        taxed = draft["taxedPrice"]
        item["taxedPrice"] = {
            **taxed,
            "totalNet": typed_money(taxed.get("totalNet"), "taxedPrice.totalNet"),
            "totalGross": typed_money(taxed.get("totalGross"), "taxedPrice.totalGross"),
        }
    elif isinstance(draft.get("taxRate"), dict):
        rounding = m.resource.get("taxRoundingMode") or "HalfEven"
        item["taxedPrice"] = taxed_item_price(item["totalPrice"], draft["taxRate"], rounding)
    for name in ("perMethodTaxRate", "taxedPricePortions"):
        if isinstance(draft.get(name), list):
            item[name] = clone(draft[name])
    if isinstance(draft.get("discountedPricePerQuantity"), list):
        item["discountedPricePerQuantity"] = [
            _discounted_quantity(m, entry) for entry in draft["discountedPricePerQuantity"]
        ]


def _discounted_quantity(m: Mutation, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise invalid_input("discountedPricePerQuantity entries must be objects.")
    price = entry.get("discountedPrice") or {}
    portions = []
    for portion in price.get("includedDiscounts") or []:
        discount = portion.get("discount") or {}
        # DiscountedLineItemPortion.discount: a CartDiscountReference or DirectDiscountReference.
        if discount.get("typeId") == "cart-discount":
            discount = m.reference("cart-discount", discount)
        portions.append(
            {
                "discount": discount,
                "discountedAmount": typed_money(
                    portion.get("discountedAmount"), "discountedAmount"
                ),
            }
        )
    return {
        "quantity": required(entry, "quantity"),
        "discountedPrice": {
            "value": typed_money(price.get("value"), "discountedPrice.value"),
            "includedDiscounts": portions,
        },
    }


def _product_with_sku(m: Mutation, sku: str) -> Resource | None:
    owners = m.store.lookup("product", "sku", sku)
    return owners[0] if owners else None


def _choice(draft: dict[str, Any], name: str, allowed: set[str], default: str | None) -> Any:
    value = draft.get(name, default)
    if value is not None and value not in allowed:
        raise invalid_field(name, value, f"{name} must be one of {sorted(allowed)}.")
    return value


def _build(m: Mutation, draft: dict[str, Any]) -> None:
    order = m.resource
    if draft.get("orderNumber"):
        if m.store.find(TYPE_ID, "orderNumber", draft["orderNumber"]) is not None:
            raise duplicate_field("orderNumber", draft["orderNumber"])
        order["orderNumber"] = draft["orderNumber"]
    line_items = [_line_item(m, item) for item in draft.get("lineItems") or []]
    if draft.get("totalPrice"):
        total_price = typed_money(draft["totalPrice"], "totalPrice")
    elif line_items:
        currency = line_items[0]["totalPrice"]["currencyCode"]
        total_price = total([item["totalPrice"] for item in line_items], currency)
    else:
        raise invalid_input("An order needs a totalPrice or at least one line item.")
    order.update(
        {
            "lineItems": line_items,
            "customLineItems": list(draft.get("customLineItems") or []),
            "totalPrice": total_price,
            "orderState": _choice(draft, "orderState", ORDER_STATES, "Open"),
            "shippingMode": "Single",
            "shipping": [],
            "inventoryMode": _choice(draft, "inventoryMode", INVENTORY_MODES, "None"),
            "taxMode": draft.get("taxMode", "Platform"),
            "taxRoundingMode": draft.get("taxRoundingMode", "HalfEven"),
            "taxCalculationMode": draft.get("taxCalculationMode", "LineItemLevel"),
            "origin": draft.get("origin", "Customer"),
            "refusedGifts": [],
            "syncInfo": [],
            "returnInfo": [],
            "discountCodes": [
                _discount_code_info(m, info) for info in draft.get("discountCodes") or []
            ],
            "itemShippingAddresses": [],
        }
    )
    for name in ("paymentState", "shipmentState"):
        allowed = PAYMENT_STATES if name == "paymentState" else SHIPMENT_STATES
        if draft.get(name) is not None:
            order[name] = _choice(draft, name, allowed, None)
    for name in (
        "customerId",
        "customerEmail",
        "anonymousId",
        "country",
        "locale",
        "shippingAddress",
        "billingAddress",
        "taxedPrice",
        "completedAt",
        "customerGroup",
        "store",
        "state",
    ):
        if draft.get(name) is not None:
            order[name] = draft[name]
    if draft.get("shippingInfo"):
        order["shippingInfo"] = {"deliveries": [], **draft["shippingInfo"]}
        method = draft["shippingInfo"].get("shippingMethod")
        if method is not None:
            # ShippingInfoImportDraft.shippingMethod: a ShippingMethodResourceIdentifier.
            order["shippingInfo"]["shippingMethod"] = m.reference("shipping-method", method)
    if draft.get("paymentInfo"):
        order["paymentInfo"] = {
            "payments": [
                m.reference("payment", p) for p in draft["paymentInfo"].get("payments", [])
            ]
        }
    if draft.get("custom"):
        order["custom"] = custom_from_draft(m, draft["custom"])
    _plan_reservations(m)


def _discount_code_info(m: Mutation, info: Any) -> dict[str, Any]:
    """DiscountCodeInfo (api-specs/api/types/cart/DiscountCodeInfo.raml): a reference and a state."""
    if not isinstance(info, dict):
        raise invalid_input("discountCodes entries must be objects.")
    return {
        "discountCode": m.reference("discount-code", required(info, "discountCode")),
        "state": info.get("state", "MatchesCart"),
    }


def _plan_reservations(m: Mutation) -> None:
    """Check stock now and reserve it at commit, as `ReserveOnOrder` / `TrackOnly` do."""
    mode = m.resource["inventoryMode"]
    if mode == "None":
        return
    wanted = []
    short = []
    for item in m.resource["lineItems"]:
        sku = item["variant"].get("sku")
        if not sku:
            continue
        channel_id = (item.get("supplyChannel") or {}).get("id")
        entry = find_entry(m.store, sku, channel_id)
        if mode == "ReserveOnOrder" and (
            entry is None or entry["availableQuantity"] < item["quantity"]
        ):
            short.append(sku)
        wanted.append((sku, channel_id, item["quantity"]))
    if short:
        raise out_of_stock(short)
    for sku, channel_id, quantity in wanted:
        m.after_commit.append(
            lambda s=sku, c=channel_id, q=quantity: reserve(m.store, s, c, q, strict=False)
        )


def _import(m: Mutation, draft: dict[str, Any]) -> None:
    _build(m, draft)
    m.emit("OrderImported", order=clone(m.resource))


def _create(m: Mutation, draft: dict[str, Any]) -> None:
    if draft.get("cart") and not draft.get("lineItems"):
        raise invalid_input(
            "The sandbox has no carts: POST an order draft with lineItems (or use orders/import)."
        )
    _build(m, draft)
    m.emit("OrderCreated", order=clone(m.resource))


def _state_change(field: str, allowed: set[str], message: str) -> Any:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        new = _choice(action, field, allowed, None)
        if new is None:
            raise invalid_field(field, None, f"{field} is required.")
        old = m.resource.get(field)
        m.resource[field] = new
        fields = {field: new}
        if old is not None:
            fields["old" + field[0].upper() + field[1:]] = old
        m.emit(message, **fields)

    return handler


def _line_item_by_id(m: Mutation, line_item_id: str) -> dict[str, Any]:
    for item in m.resource["lineItems"]:
        if item["id"] == line_item_id:
            return item
    raise invalid_operation(f"The order has no line item '{line_item_id}'.")


def _set_line_item_custom_field(m: Mutation, action: dict[str, Any]) -> None:
    item = _line_item_by_id(m, required(action, "lineItemId"))
    set_custom_field(m, item.get("custom"), required(action, "name"), action.get("value"))


def _set_line_item_custom_type(m: Mutation, action: dict[str, Any]) -> None:
    item = _line_item_by_id(m, required(action, "lineItemId"))
    if action.get("type") is None:
        item.pop("custom", None)
    else:
        item["custom"] = custom_from_draft(
            m, {"type": action["type"], "fields": action.get("fields")}
        )


def _state_reference(m: Mutation, reference: Any) -> dict[str, str]:
    return m.reference(STATE_TYPE_ID, reference)


def _transition_line_item_state(m: Mutation, action: dict[str, Any]) -> None:
    item = _line_item_by_id(m, required(action, "lineItemId"))
    quantity = required(action, "quantity")
    source = _state_reference(m, required(action, "fromState"))
    target = _state_reference(m, required(action, "toState"))
    held = next((s for s in item["state"] if s["state"]["id"] == source["id"]), None)
    if held is None or held["quantity"] < quantity:
        raise invalid_operation(
            f"Line item '{item['id']}' has fewer than {quantity} items in state '{source['id']}'."
        )
    held["quantity"] -= quantity
    landing = next((s for s in item["state"] if s["state"]["id"] == target["id"]), None)
    if landing is None:
        item["state"].append({"quantity": quantity, "state": target})
    else:
        landing["quantity"] += quantity
    item["state"] = [s for s in item["state"] if s["quantity"] > 0]
    m.emit(
        "LineItemStateTransition",
        lineItemId=item["id"],
        transitionDate=action.get("actualTransitionDate") or m.now(),
        quantity=quantity,
        fromState=source,
        toState=target,
    )


def _set_order_number(m: Mutation, action: dict[str, Any]) -> None:
    number = action.get("orderNumber")
    if number:
        other = m.store.find(TYPE_ID, "orderNumber", number)
        if other is not None and other["id"] != m.resource["id"]:
            raise duplicate_field("orderNumber", number)
        m.resource["orderNumber"] = number
    else:
        m.resource.pop("orderNumber", None)


def _set_customer_email(m: Mutation, action: dict[str, Any]) -> None:
    m.resource["customerEmail"] = action.get("email")


def _add_payment(m: Mutation, action: dict[str, Any]) -> None:
    payment = m.reference("payment", required(action, "payment"))
    payments = m.resource.setdefault("paymentInfo", {"payments": []})["payments"]
    payments.append(payment)
    m.emit("OrderPaymentAdded", payment=payment)


def _on_delete(m: Mutation) -> None:
    m.emit("OrderDeleted", order=clone(m.resource))


KIND = ResourceKind(
    url="orders",
    type_id=TYPE_ID,
    create=_create,
    identifiers=_identifiers,
    on_delete=_on_delete,
    lookups={"order-number": "orderNumber"},
    actions={
        "changeOrderState": _state_change("orderState", ORDER_STATES, "OrderStateChanged"),
        "changePaymentState": _state_change(
            "paymentState", PAYMENT_STATES, "OrderPaymentStateChanged"
        ),
        "changeShipmentState": _state_change(
            "shipmentState", SHIPMENT_STATES, "OrderShipmentStateChanged"
        ),
        **DELIVERY_ACTIONS,
        "setLineItemCustomField": _set_line_item_custom_field,
        "setLineItemCustomType": _set_line_item_custom_type,
        "transitionLineItemState": _transition_line_item_state,
        "setOrderNumber": _set_order_number,
        "setCustomerEmail": _set_customer_email,
        "addPayment": _add_payment,
        **CUSTOM_ACTIONS,
    },
)

IMPORT_KIND = ResourceKind(
    url="orders/import",
    type_id=TYPE_ID,
    create=_import,
    identifiers=_identifiers,
    lookups={"order-number": "orderNumber"},
)
