"""Order delivery and parcel update actions, over real HTTP through CommercetoolsClient."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from tests.sandbox.commercetools.conftest import PROJECT
from tests.sandbox.commercetools.drafts import order_draft

from ctbridge.commercetools.client import CommercetoolsClient
from ctbridge.commercetools.errors import InvalidInput
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer

Order = dict[str, Any]


def custom_type(key: str, *fields: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": {"en": key},
        "resourceTypeIds": ["order-delivery", "order-parcel"],
        "fieldDefinitions": [
            {"name": name, "type": {"name": "String"}, "required": False, "label": {"en": name}}
            for name in fields
        ],
    }


@pytest.fixture
def types(emulator: CommercetoolsEmulator) -> dict[str, str]:
    """Two custom types for deliveries and parcels: key → id."""
    made = [
        emulator.create("types", custom_type("consignment", "ref", "status")),
        emulator.create("types", custom_type("article", "trackingUrl")),
    ]
    return {made_type["key"]: made_type["id"] for made_type in made}


@pytest.fixture
async def ct(server: BackgroundServer) -> AsyncIterator[CommercetoolsClient]:
    client = CommercetoolsClient(
        project_key=PROJECT,
        client_id="sandbox-client",
        client_secret="sandbox-secret",  # noqa: S106 - the emulator's fixture credential
        api_url=server.url,
        auth_url=server.url,
        scopes=[f"manage_project:{PROJECT}"],
        max_retries=0,
    )
    yield client
    await client.aclose()


@pytest.fixture
async def order(ct: CommercetoolsClient) -> Order:
    draft = order_draft("D-1", quantity=3)
    draft["customLineItems"] = [{"id": "custom-line", "name": {"en": "Gift wrap"}, "quantity": 1}]
    return await ct.create("orders/import", draft)


async def apply(ct: CommercetoolsClient, order: Order, *actions: dict[str, Any]) -> Order:
    return await ct.update("orders", order["id"], lambda current: list(actions))


def line(order: Order) -> str:
    return order["lineItems"][0]["id"]


def only_delivery(order: Order) -> dict[str, Any]:
    (delivery,) = order["shippingInfo"]["deliveries"]
    return delivery


async def with_delivery(ct: CommercetoolsClient, order: Order, **extra: Any) -> Order:
    return await apply(
        ct,
        order,
        {
            "action": "addDelivery",
            "deliveryKey": "del-1",
            "items": [{"id": line(order), "quantity": 2}],
            "parcels": [{"key": "par-1", "items": [{"id": line(order), "quantity": 2}]}],
            **extra,
        },
    )


def messages(emulator: CommercetoolsEmulator, message_type: str) -> list[dict[str, Any]]:
    return emulator.messages(message_type)


async def test_add_delivery_resolves_custom_types_given_by_key_on_delivery_and_parcels(
    ct: CommercetoolsClient, order: Order, types: dict[str, str]
) -> None:
    updated = await apply(
        ct,
        order,
        {
            "action": "addDelivery",
            "deliveryKey": "del-1",
            "items": [{"id": line(order), "quantity": 1}],
            "parcels": [
                {
                    "key": "par-1",
                    "custom": {
                        "type": {"typeId": "type", "key": "article"},
                        "fields": {"trackingUrl": "https://t.example/1"},
                    },
                }
            ],
            "custom": {"type": {"typeId": "type", "key": "consignment"}, "fields": {"ref": "C-1"}},
        },
    )
    delivery = only_delivery(updated)
    assert delivery["key"] == "del-1"
    assert delivery["custom"] == {
        "type": {"typeId": "type", "id": types["consignment"]},
        "fields": {"ref": "C-1"},
    }
    (parcel,) = delivery["parcels"]
    assert parcel["key"] == "par-1"
    assert parcel["custom"] == {
        "type": {"typeId": "type", "id": types["article"]},
        "fields": {"trackingUrl": "https://t.example/1"},
    }


async def test_add_delivery_with_an_unknown_custom_type_is_referenced_resource_not_found(
    ct: CommercetoolsClient, order: Order
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await with_delivery(ct, order, custom={"type": {"key": "nope"}})
    assert refused.value.codes == ["ReferencedResourceNotFound"]


async def test_add_parcel_to_delivery_by_key_stores_parcel_key_and_custom(
    ct: CommercetoolsClient, order: Order, types: dict[str, str], emulator: CommercetoolsEmulator
) -> None:
    order = await with_delivery(ct, order)
    updated = await apply(
        ct,
        order,
        {
            "action": "addParcelToDelivery",
            "deliveryKey": "del-1",
            "parcelKey": "par-2",
            "measurements": {"weightInGram": 250},
            "trackingData": {"trackingId": "T-2", "carrier": "DHL"},
            "items": [{"id": line(order), "quantity": 1}],
            "custom": {"type": {"typeId": "type", "id": types["article"]}, "fields": {}},
        },
    )
    second = only_delivery(updated)["parcels"][1]
    assert second["key"] == "par-2"
    assert second["measurements"] == {"weightInGram": 250}
    assert second["items"] == [{"id": line(order), "quantity": 1}]
    assert second["custom"]["type"] == {"typeId": "type", "id": types["article"]}
    (added,) = messages(emulator, "ParcelAddedToDelivery")
    assert added["parcel"]["key"] == "par-2"
    assert added["delivery"]["id"] == only_delivery(updated)["id"]


async def test_set_delivery_items_by_id_or_key_replaces_items_and_reports_the_old_ones(
    ct: CommercetoolsClient, order: Order, emulator: CommercetoolsEmulator
) -> None:
    order = await with_delivery(ct, order)
    delivery = only_delivery(order)
    updated = await apply(
        ct,
        order,
        {
            "action": "setDeliveryItems",
            "deliveryId": delivery["id"],
            "items": [{"id": line(order), "quantity": 3}],
        },
    )
    updated = await apply(
        ct,
        updated,
        {
            "action": "setDeliveryItems",
            "deliveryKey": "del-1",
            "items": [{"id": line(order), "quantity": 3}, {"id": "custom-line", "quantity": 1}],
        },
    )
    assert only_delivery(updated)["items"] == [
        {"id": line(order), "quantity": 3},
        {"id": "custom-line", "quantity": 1},
    ]
    first, second = messages(emulator, "DeliveryItemsUpdated")
    assert first["deliveryId"] == delivery["id"]
    assert (first["oldItems"], first["items"]) == (
        [{"id": line(order), "quantity": 2}],
        [{"id": line(order), "quantity": 3}],
    )
    assert second["oldItems"] == first["items"]


async def test_delivery_items_must_name_a_line_item_of_the_order(
    ct: CommercetoolsClient, order: Order
) -> None:
    order = await with_delivery(ct, order)
    with pytest.raises(InvalidInput) as refused:
        await apply(
            ct,
            order,
            {
                "action": "setDeliveryItems",
                "deliveryKey": "del-1",
                "items": [{"id": "x", "quantity": 1}],
            },
        )
    assert refused.value.codes == ["InvalidOperation"]


async def test_set_delivery_address_sets_and_clears_with_the_old_address_in_the_message(
    ct: CommercetoolsClient, order: Order, emulator: CommercetoolsEmulator
) -> None:
    order = await with_delivery(ct, order)
    address = {"country": "DE", "city": "Berlin"}
    updated = await apply(
        ct, order, {"action": "setDeliveryAddress", "deliveryKey": "del-1", "address": address}
    )
    assert only_delivery(updated)["address"] == address
    cleared = await apply(ct, updated, {"action": "setDeliveryAddress", "deliveryKey": "del-1"})
    assert "address" not in only_delivery(cleared)
    set_message, cleared_message = messages(emulator, "DeliveryAddressSet")
    assert set_message["address"] == address and "oldAddress" not in set_message
    assert cleared_message["oldAddress"] == address and "address" not in cleared_message


async def test_delivery_custom_type_set_replaced_and_removed_emit_their_messages(
    ct: CommercetoolsClient, order: Order, types: dict[str, str], emulator: CommercetoolsEmulator
) -> None:
    order = await with_delivery(ct, order)
    delivery_id = only_delivery(order)["id"]
    updated = await apply(
        ct,
        order,
        {
            "action": "setDeliveryCustomType",
            "deliveryId": delivery_id,
            "type": {"typeId": "type", "key": "consignment"},
            "fields": {"status": "ACTIVE"},
        },
        {"action": "setDeliveryCustomType", "deliveryKey": "del-1", "type": {"key": "article"}},
    )
    assert only_delivery(updated)["custom"] == {
        "type": {"typeId": "type", "id": types["article"]},
        "fields": {},
    }
    removed = await apply(ct, updated, {"action": "setDeliveryCustomType", "deliveryKey": "del-1"})
    assert "custom" not in only_delivery(removed)
    first, second = messages(emulator, "DeliveryCustomTypeSet")
    assert first["deliveryId"] == delivery_id and "previousTypeId" not in first
    assert first["customFields"]["fields"] == {"status": "ACTIVE"}
    assert second["previousTypeId"] == types["consignment"]
    (gone,) = messages(emulator, "DeliveryCustomTypeRemoved")
    assert (gone["deliveryId"], gone["previousTypeId"]) == (delivery_id, types["article"])


async def test_delivery_custom_field_added_changed_and_removed(
    ct: CommercetoolsClient, order: Order, types: dict[str, str], emulator: CommercetoolsEmulator
) -> None:
    order = await with_delivery(ct, order, custom={"type": {"key": "consignment"}})
    delivery_id = only_delivery(order)["id"]

    def field(value: Any) -> dict[str, Any]:
        return {"action": "setDeliveryCustomField", "deliveryId": delivery_id, "name": "status"} | (
            {"value": value} if value is not None else {}
        )

    updated = await apply(ct, order, field("ACTIVE"), field("SHIPPED"))
    assert only_delivery(updated)["custom"]["fields"] == {"status": "SHIPPED"}
    updated = await apply(ct, updated, field(None))
    assert only_delivery(updated)["custom"]["fields"] == {}
    (added,) = messages(emulator, "DeliveryCustomFieldAdded")
    assert (added["deliveryId"], added["name"], added["value"]) == (delivery_id, "status", "ACTIVE")
    (changed,) = messages(emulator, "DeliveryCustomFieldChanged")
    assert (changed["value"], changed["previousValue"]) == ("SHIPPED", "ACTIVE")
    (removed,) = messages(emulator, "DeliveryCustomFieldRemoved")
    assert (removed["deliveryId"], removed["name"]) == (delivery_id, "status")


async def test_delivery_custom_field_errors_follow_the_platform(
    ct: CommercetoolsClient, order: Order, types: dict[str, str]
) -> None:
    order = await with_delivery(ct, order)

    async def refusal(order: Order, **action: Any) -> list[str]:
        with pytest.raises(InvalidInput) as refused:
            await apply(
                ct, order, {"action": "setDeliveryCustomField", "deliveryKey": "del-1", **action}
            )
        return refused.value.codes

    assert await refusal(order, name="status", value="X") == ["InvalidOperation"]  # no type yet
    order = await apply(
        ct,
        order,
        {"action": "setDeliveryCustomType", "deliveryKey": "del-1", "type": {"key": "consignment"}},
    )
    assert await refusal(order, name="undefined", value="X") == ["InvalidField"]
    assert await refusal(order, name="status") == ["InvalidOperation"]  # removing an unset field


async def test_parcel_custom_type_and_field_by_parcel_id_or_key(
    ct: CommercetoolsClient, order: Order, types: dict[str, str]
) -> None:
    order = await with_delivery(ct, order)
    parcel_id = only_delivery(order)["parcels"][0]["id"]
    updated = await apply(
        ct,
        order,
        {
            "action": "setParcelCustomType",
            "parcelId": parcel_id,
            "type": {"typeId": "type", "key": "article"},
            "fields": {"trackingUrl": "https://t.example/1"},
        },
        {
            "action": "setParcelCustomField",
            "parcelKey": "par-1",
            "name": "trackingUrl",
            "value": "https://t.example/2",
        },
    )
    assert only_delivery(updated)["parcels"][0]["custom"] == {
        "type": {"typeId": "type", "id": types["article"]},
        "fields": {"trackingUrl": "https://t.example/2"},
    }
    removed = await apply(ct, updated, {"action": "setParcelCustomType", "parcelKey": "par-1"})
    assert "custom" not in only_delivery(removed)["parcels"][0]
    with pytest.raises(InvalidInput) as refused:
        await apply(
            ct,
            removed,
            {"action": "setParcelCustomField", "parcelKey": "par-1", "name": "trackingUrl"},
        )
    assert refused.value.codes == ["InvalidOperation"]


async def test_set_parcel_items_reports_delivery_and_old_items(
    ct: CommercetoolsClient, order: Order, emulator: CommercetoolsEmulator
) -> None:
    order = await with_delivery(ct, order)
    delivery = only_delivery(order)
    updated = await apply(
        ct,
        order,
        {
            "action": "setParcelItems",
            "parcelKey": "par-1",
            "items": [{"id": line(order), "quantity": 1}],
        },
    )
    assert only_delivery(updated)["parcels"][0]["items"] == [{"id": line(order), "quantity": 1}]
    (message,) = messages(emulator, "ParcelItemsUpdated")
    assert message["deliveryId"] == delivery["id"]
    assert message["parcelId"] == delivery["parcels"][0]["id"]
    assert message["oldItems"] == [{"id": line(order), "quantity": 2}]
    assert message["items"] == [{"id": line(order), "quantity": 1}]


async def test_parcel_measurements_and_tracking_data_set_and_clear(
    ct: CommercetoolsClient, order: Order, emulator: CommercetoolsEmulator
) -> None:
    order = await with_delivery(ct, order)
    delivery = only_delivery(order)
    tracking = {"trackingId": "T-1", "carrier": "DHL", "isReturn": False}
    updated = await apply(
        ct,
        order,
        {
            "action": "setParcelMeasurements",
            "parcelKey": "par-1",
            "measurements": {"weightInGram": 9},
        },
        {"action": "setParcelTrackingData", "parcelKey": "par-1", "trackingData": tracking},
    )
    parcel = only_delivery(updated)["parcels"][0]
    assert (parcel["measurements"], parcel["trackingData"]) == ({"weightInGram": 9}, tracking)
    cleared = await apply(
        ct,
        updated,
        {"action": "setParcelMeasurements", "parcelId": parcel["id"]},
        {"action": "setParcelTrackingData", "parcelId": parcel["id"]},
    )
    parcel = only_delivery(cleared)["parcels"][0]
    assert "measurements" not in parcel and "trackingData" not in parcel
    measured, unmeasured = messages(emulator, "ParcelMeasurementsUpdated")
    assert (measured["deliveryId"], measured["parcelId"]) == (delivery["id"], parcel["id"])
    assert measured["measurements"] == {"weightInGram": 9} and "measurements" not in unmeasured
    tracked, untracked = messages(emulator, "ParcelTrackingDataUpdated")
    assert tracked["trackingData"] == tracking and "trackingData" not in untracked


async def test_remove_parcel_then_delivery_emit_what_was_removed(
    ct: CommercetoolsClient, order: Order, emulator: CommercetoolsEmulator
) -> None:
    order = await with_delivery(ct, order)
    delivery = only_delivery(order)
    without_parcel = await apply(
        ct, order, {"action": "removeParcelFromDelivery", "parcelKey": "par-1"}
    )
    assert only_delivery(without_parcel)["parcels"] == []
    without_delivery = await apply(
        ct, without_parcel, {"action": "removeDelivery", "deliveryKey": "del-1"}
    )
    assert without_delivery["shippingInfo"]["deliveries"] == []
    (parcel_removed,) = messages(emulator, "ParcelRemovedFromDelivery")
    assert parcel_removed["deliveryId"] == delivery["id"]
    assert parcel_removed["parcel"] == delivery["parcels"][0]
    (delivery_removed,) = messages(emulator, "DeliveryRemoved")
    assert delivery_removed["delivery"]["id"] == delivery["id"]
    assert delivery_removed["delivery"]["parcels"] == []


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ({"action": "setDeliveryItems", "deliveryId": "nope", "items": []}, "InvalidOperation"),
        ({"action": "removeDelivery", "deliveryKey": "nope"}, "InvalidOperation"),
        ({"action": "setDeliveryAddress", "deliveryKey": "nope"}, "InvalidOperation"),
        ({"action": "setDeliveryCustomType", "deliveryId": "nope"}, "InvalidOperation"),
        ({"action": "addParcelToDelivery", "deliveryKey": "nope"}, "InvalidOperation"),
        ({"action": "removeParcelFromDelivery", "parcelId": "nope"}, "InvalidOperation"),
        ({"action": "setParcelItems", "parcelKey": "nope", "items": []}, "InvalidOperation"),
        ({"action": "setParcelTrackingData", "parcelKey": "nope"}, "InvalidOperation"),
        ({"action": "setParcelMeasurements", "parcelId": "nope"}, "InvalidOperation"),
        ({"action": "setParcelCustomType", "parcelKey": "nope"}, "InvalidOperation"),
        ({"action": "removeDelivery"}, "InvalidInput"),
        ({"action": "setParcelCustomField", "name": "x"}, "InvalidInput"),
    ],
)
async def test_unknown_or_unnamed_delivery_or_parcel_is_refused(
    ct: CommercetoolsClient, order: Order, action: dict[str, Any], code: str
) -> None:
    order = await with_delivery(ct, order)
    with pytest.raises(InvalidInput) as refused:
        await apply(ct, order, action)
    assert refused.value.codes == [code]
