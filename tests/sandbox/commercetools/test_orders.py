"""Orders: import and creation, order-number lookup, state changes, deliveries, custom fields."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.sandbox.commercetools.drafts import order_draft

from ctbridge.sandbox.commercetools import CommercetoolsEmulator


def update(api: httpx.Client, order: dict[str, Any], *actions: dict[str, Any]) -> httpx.Response:
    return api.post(
        f"orders/{order['id']}", json={"version": order["version"], "actions": list(actions)}
    )


@pytest.fixture
def order(api: httpx.Client) -> dict[str, Any]:
    response = api.post("orders/import", json=order_draft("1001"))
    assert response.status_code == 201, response.text
    return response.json()


def test_imported_order_has_platform_shape(order: dict[str, Any]) -> None:
    assert order["orderNumber"] == "1001"
    assert order["orderState"] == "Open"
    assert order["version"] == 1
    item = order["lineItems"][0]
    assert item["id"] and item["quantity"] == 2
    assert item["totalPrice"]["centAmount"] == 2000
    assert item["state"][0]["quantity"] == 2
    assert order["totalPrice"] == {
        "type": "centPrecision",
        "currencyCode": "EUR",
        "centAmount": 2000,
        "fractionDigits": 2,
    }


def test_order_is_found_by_order_number(api: httpx.Client, order: dict[str, Any]) -> None:
    assert api.get("orders/order-number=1001").json()["id"] == order["id"]
    assert api.get("orders/order-number=9999").status_code == 404


def test_duplicate_order_number_is_rejected(api: httpx.Client, order: dict[str, Any]) -> None:
    response = api.post("orders/import", json=order_draft("1001"))
    assert response.json()["errors"][0]["code"] == "DuplicateField"


def test_state_actions_change_states(api: httpx.Client, order: dict[str, Any]) -> None:
    body = update(
        api,
        order,
        {"action": "changeOrderState", "orderState": "Confirmed"},
        {"action": "changePaymentState", "paymentState": "Paid"},
        {"action": "changeShipmentState", "shipmentState": "Shipped"},
    ).json()
    assert (body["orderState"], body["paymentState"], body["shipmentState"]) == (
        "Confirmed",
        "Paid",
        "Shipped",
    )
    assert body["version"] == 4
    invalid = update(api, body, {"action": "changeOrderState", "orderState": "Lost"})
    assert invalid.json()["errors"][0]["code"] == "InvalidField"


def test_deliveries_parcels_and_tracking(api: httpx.Client, order: dict[str, Any]) -> None:
    line_item = order["lineItems"][0]["id"]
    body = update(
        api,
        order,
        {
            "action": "addDelivery",
            "items": [{"id": line_item, "quantity": 1}],
            "parcels": [
                {"measurements": {"weightInGram": 100}, "items": [{"id": line_item, "quantity": 1}]}
            ],
        },
    ).json()
    delivery = body["shippingInfo"]["deliveries"][0]
    assert delivery["items"] == [{"id": line_item, "quantity": 1}]
    body = update(api, body, {"action": "addParcelToDelivery", "deliveryId": delivery["id"]}).json()
    parcels = body["shippingInfo"]["deliveries"][0]["parcels"]
    assert len(parcels) == 2
    tracking = {"trackingId": "T1", "carrier": "DHL"}
    body = update(
        api,
        body,
        {"action": "setParcelTrackingData", "parcelId": parcels[1]["id"], "trackingData": tracking},
    ).json()
    assert body["shippingInfo"]["deliveries"][0]["parcels"][1]["trackingData"] == tracking
    unknown = update(api, body, {"action": "addDelivery", "items": [{"id": "nope", "quantity": 1}]})
    assert unknown.json()["errors"][0]["code"] == "InvalidOperation"


def test_delivery_needs_shipping_info(api: httpx.Client) -> None:
    draft = order_draft("1002")
    del draft["shippingInfo"]
    order = api.post("orders/import", json=draft).json()
    response = update(api, order, {"action": "addDelivery", "items": []})
    assert response.json()["errors"][0]["code"] == "InvalidOperation"


def test_custom_fields_on_order_and_line_item(
    api: httpx.Client, order: dict[str, Any], emulator: CommercetoolsEmulator
) -> None:
    emulator.create(
        "types",
        {
            "key": "order-ext",
            "name": {"en": "ext"},
            "resourceTypeIds": ["order", "line-item"],
            "fieldDefinitions": [
                {
                    "name": "externalId",
                    "type": {"name": "String"},
                    "required": False,
                    "label": {"en": "x"},
                }
            ],
        },
    )
    line_item = order["lineItems"][0]["id"]
    body = update(
        api,
        order,
        {
            "action": "setCustomType",
            "type": {"typeId": "type", "key": "order-ext"},
            "fields": {"externalId": "F-1"},
        },
        {"action": "setCustomField", "name": "externalId", "value": "F-2"},
        {"action": "setLineItemCustomType", "lineItemId": line_item, "type": {"key": "order-ext"}},
        {
            "action": "setLineItemCustomField",
            "lineItemId": line_item,
            "name": "externalId",
            "value": "L-1",
        },
    ).json()
    assert body["custom"]["fields"] == {"externalId": "F-2"}
    assert body["lineItems"][0]["custom"]["fields"] == {"externalId": "L-1"}
    unknown = update(api, body, {"action": "setCustomField", "name": "nope", "value": 1})
    assert unknown.json()["errors"][0]["code"] == "InvalidField"


def test_custom_field_without_custom_type_is_invalid_operation(
    api: httpx.Client, order: dict[str, Any]
) -> None:
    response = update(api, order, {"action": "setCustomField", "name": "x", "value": 1})
    assert response.json()["errors"][0]["code"] == "InvalidOperation"


def test_line_item_state_transition_moves_quantity(
    api: httpx.Client, order: dict[str, Any], emulator: CommercetoolsEmulator
) -> None:
    emulator.create("states", {"key": "picked", "type": "LineItemState"})
    line_item = order["lineItems"][0]
    body = update(
        api,
        order,
        {
            "action": "transitionLineItemState",
            "lineItemId": line_item["id"],
            "quantity": 1,
            "fromState": {"typeId": "state", "key": "Initial"},
            "toState": {"typeId": "state", "key": "picked"},
        },
    ).json()
    quantities = sorted(s["quantity"] for s in body["lineItems"][0]["state"])
    assert quantities == [1, 1]
    too_many = update(
        api,
        body,
        {
            "action": "transitionLineItemState",
            "lineItemId": line_item["id"],
            "quantity": 5,
            "fromState": {"key": "Initial"},
            "toState": {"key": "picked"},
        },
    )
    assert too_many.json()["errors"][0]["code"] == "InvalidOperation"


def test_set_order_number(api: httpx.Client) -> None:
    draft = order_draft("x")
    del draft["orderNumber"]
    order = api.post("orders/import", json=draft).json()
    body = update(api, order, {"action": "setOrderNumber", "orderNumber": "2002"}).json()
    assert api.get("orders/order-number=2002").json()["id"] == body["id"]


def test_reserve_on_order_holds_stock_and_refuses_shortage(
    api: httpx.Client, emulator: CommercetoolsEmulator
) -> None:
    entry = emulator.create("inventory", {"sku": "SKU-1", "quantityOnStock": 3})
    created = api.post(
        "orders", json=order_draft("3001", quantity=2, inventoryMode="ReserveOnOrder")
    )
    assert created.status_code == 201, created.text
    stock = api.get(f"inventory/{entry['id']}").json()
    assert stock["quantityOnStock"] == 3 and stock["availableQuantity"] == 1
    short = api.post("orders", json=order_draft("3002", quantity=2, inventoryMode="ReserveOnOrder"))
    assert short.status_code == 400
    assert short.json()["errors"][0]["code"] == "OutOfStock"
    assert api.get("orders/order-number=3002").status_code == 404
