"""Messages as the platform records them: ids, per-resource sequence numbers, type-specific fields."""

from __future__ import annotations

import httpx
import pytest
from tests.sandbox.commercetools.drafts import money, order_draft, product_draft

from ctbridge.sandbox.commercetools import CommercetoolsEmulator


@pytest.fixture
def product_type(emulator: CommercetoolsEmulator) -> str:
    return emulator.create("product-types", {"name": "t", "description": ""})["id"]


def of_resource(emulator: CommercetoolsEmulator, resource_id: str) -> list[dict]:
    return [m for m in emulator.messages() if m["resource"]["id"] == resource_id]


def test_product_lifecycle_messages_have_sequence_numbers_per_resource(
    emulator: CommercetoolsEmulator, product_type: str
) -> None:
    first = emulator.create("products", product_draft("a", product_type, skus=("A",)))
    second = emulator.create("products", product_draft("b", product_type, skus=("B",)))
    emulator.update("products", first["id"], [{"action": "publish"}])
    emulator.update("products", first["id"], [{"action": "unpublish"}])
    emulator.delete("products", first["id"])

    messages = of_resource(emulator, first["id"])
    assert [m["type"] for m in messages] == [
        "ProductCreated",
        "ProductPublished",
        "ProductUnpublished",
        "ProductDeleted",
    ]
    assert [m["sequenceNumber"] for m in messages] == [1, 2, 3, 4]
    assert [m["resourceVersion"] for m in messages] == [1, 2, 3, 4]
    assert [m["sequenceNumber"] for m in of_resource(emulator, second["id"])] == [1]
    for message in messages:
        assert message["version"] == 1
        assert message["resource"] == {"typeId": "product", "id": first["id"]}
        assert message["resourceUserProvidedIdentifiers"]["key"] == "a"
        assert message["resourceUserProvidedIdentifiers"]["slug"] == {"en": "product-a"}
        assert message["createdAt"] and message["id"]
    assert len({m["id"] for m in messages}) == 4


def test_product_published_carries_the_current_projection(
    emulator: CommercetoolsEmulator, product_type: str
) -> None:
    product = emulator.create("products", product_draft("a", product_type, skus=("A",)))
    emulator.create("inventory", {"sku": "A", "quantityOnStock": 4})
    emulator.update(
        "products",
        product["id"],
        [{"action": "changeName", "name": {"en": "Now"}}, {"action": "publish"}],
    )
    (published,) = emulator.messages("ProductPublished")
    assert published["scope"] == "All"
    assert published["removedImageUrls"] == []
    assert published["resourceVersion"] == 3
    projection = published["productProjection"]
    assert projection["name"] == {"en": "Now"} and projection["published"] is True
    assert projection["masterVariant"]["availability"]["availableQuantity"] == 4


def test_price_messages(emulator: CommercetoolsEmulator, product_type: str) -> None:
    product = emulator.create("products", product_draft("a", product_type, skus=("A",)))
    price_id = product["masterData"]["staged"]["masterVariant"]["prices"][0]["id"]
    emulator.update(
        "products",
        product["id"],
        [{"action": "changePrice", "priceId": price_id, "price": {"value": money(5)}}],
    )
    (changed,) = emulator.messages("ProductPriceChanged")
    assert changed["variantId"] == 1 and changed["staged"] is True
    assert changed["oldPrice"]["value"]["centAmount"] == 1000
    assert changed["newPrice"]["value"]["centAmount"] == 5


def test_inventory_messages(emulator: CommercetoolsEmulator) -> None:
    channel = emulator.create("channels", {"key": "wh"})
    entry = emulator.create(
        "inventory",
        {
            "sku": "S",
            "quantityOnStock": 5,
            "supplyChannel": {"typeId": "channel", "id": channel["id"]},
        },
    )
    emulator.reserve("S", 1, supply_channel=channel["id"])
    emulator.update(
        "inventory",
        entry["id"],
        [{"action": "addQuantity", "quantity": 2}, {"action": "removeQuantity", "quantity": 4}],
    )
    emulator.delete("inventory", entry["id"])
    created, added, removed, deleted = of_resource(emulator, entry["id"])
    assert created["type"] == "InventoryEntryCreated"
    assert created["inventoryEntry"]["sku"] == "S"
    assert created["resourceUserProvidedIdentifiers"] == {"sku": "S"}
    assert added["type"] == "InventoryEntryQuantitySet"
    assert (added["oldQuantityOnStock"], added["newQuantityOnStock"]) == (5, 7)
    assert (added["oldAvailableQuantity"], added["newAvailableQuantity"]) == (4, 6)
    assert added["supplyChannel"] == {"typeId": "channel", "id": channel["id"]}
    assert (removed["newQuantityOnStock"], removed["newAvailableQuantity"]) == (3, 2)
    assert deleted["type"] == "InventoryEntryDeleted"
    assert deleted["sku"] == "S" and deleted["supplyChannel"]["id"] == channel["id"]
    assert [m["sequenceNumber"] for m in (created, added, removed, deleted)] == [1, 2, 3, 4]


def test_order_messages(emulator: CommercetoolsEmulator) -> None:
    imported = emulator.create("orders/import", order_draft("1"))
    created = emulator.create("orders", order_draft("2"))
    line_item = imported["lineItems"][0]["id"]
    emulator.update(
        "orders",
        imported["id"],
        [
            {"action": "changeOrderState", "orderState": "Confirmed"},
            {"action": "changePaymentState", "paymentState": "Paid"},
            {"action": "changeShipmentState", "shipmentState": "Shipped"},
            {"action": "addDelivery", "items": [{"id": line_item, "quantity": 2}], "parcels": [{}]},
        ],
    )
    parcel = emulator.get("orders", imported["id"])["shippingInfo"]["deliveries"][0]["parcels"][0]
    emulator.update(
        "orders",
        imported["id"],
        [
            {
                "action": "setParcelTrackingData",
                "parcelId": parcel["id"],
                "trackingData": {"trackingId": "T"},
            }
        ],
    )
    types = [m["type"] for m in of_resource(emulator, imported["id"])]
    assert types == [
        "OrderImported",
        "OrderStateChanged",
        "OrderPaymentStateChanged",
        "OrderShipmentStateChanged",
        "DeliveryAdded",
        "ParcelTrackingDataUpdated",
    ]
    state_changed = emulator.messages("OrderStateChanged")[0]
    assert (state_changed["orderState"], state_changed["oldOrderState"]) == ("Confirmed", "Open")
    assert state_changed["resourceUserProvidedIdentifiers"] == {"orderNumber": "1"}
    (order_created,) = emulator.messages("OrderCreated")
    assert order_created["order"]["id"] == created["id"]
    tracking = emulator.messages("ParcelTrackingDataUpdated")[0]
    assert tracking["parcelId"] == parcel["id"] and tracking["trackingData"] == {"trackingId": "T"}


def test_category_customer_payment_messages(emulator: CommercetoolsEmulator) -> None:
    category = emulator.create("categories", {"name": {"en": "C"}, "slug": {"en": "c"}})
    emulator.update("categories", category["id"], [{"action": "changeSlug", "slug": {"en": "d"}}])
    emulator.create("customers", {"email": "x@example.com", "customerNumber": "C1"})
    emulator.create("payments", {"amountPlanned": money(1)})
    assert emulator.messages("CategoryCreated")[0]["category"]["slug"] == {"en": "c"}
    slug_changed = emulator.messages("CategorySlugChanged")[0]
    assert (slug_changed["slug"], slug_changed["oldSlug"]) == ({"en": "d"}, {"en": "c"})
    customer_created = emulator.messages("CustomerCreated")[0]
    assert customer_created["customer"]["email"] == "x@example.com"
    assert customer_created["resourceUserProvidedIdentifiers"] == {"customerNumber": "C1"}
    assert emulator.messages("PaymentCreated")[0]["payment"]["amountPlanned"]["centAmount"] == 1


def test_messages_endpoint_queries_with_where_and_sort(
    api: httpx.Client, emulator: CommercetoolsEmulator
) -> None:
    entry = emulator.create("inventory", {"sku": "Q", "quantityOnStock": 1})
    for quantity in (2, 3, 4):
        emulator.update(
            "inventory", entry["id"], [{"action": "changeQuantity", "quantity": quantity}]
        )
    page = api.get(
        "messages",
        params={
            "where": ['type = "InventoryEntryQuantitySet"', f'resource(id = "{entry["id"]}")'],
            "sort": "sequenceNumber desc",
        },
    ).json()
    assert [m["sequenceNumber"] for m in page["results"]] == [4, 3, 2]
    assert page["results"][0]["newQuantityOnStock"] == 4
    one = api.get(f"messages/{page['results'][0]['id']}").json()
    assert one["type"] == "InventoryEntryQuantitySet"
    assert api.post("messages", json={}).status_code == 400


def test_failed_update_emits_no_message(emulator: CommercetoolsEmulator) -> None:
    entry = emulator.create("inventory", {"sku": "F", "quantityOnStock": 1})
    with pytest.raises(Exception):
        emulator.update(
            "inventory", entry["id"], [{"action": "addQuantity", "quantity": 1}, {"action": "nope"}]
        )
    assert [m["type"] for m in of_resource(emulator, entry["id"])] == ["InventoryEntryCreated"]


def test_id_seed_and_clock_make_runs_reproducible() -> None:
    def run() -> list[tuple[str, str, str]]:
        emulator = CommercetoolsEmulator(id_seed=42, clock=lambda: "2026-01-01T00:00:00.000Z")
        entry = emulator.create("inventory", {"sku": "R", "quantityOnStock": 1})
        emulator.update("inventory", entry["id"], [{"action": "addQuantity", "quantity": 1}])
        return [(m["id"], m["resource"]["id"], m["createdAt"]) for m in emulator.messages()]

    assert run() == run()
