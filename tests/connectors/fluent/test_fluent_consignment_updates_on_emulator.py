"""A consignment that changes after its delivery exists updates that delivery in the emulator."""

from tests.connectors.fluent.inbound_orders import placed_order, task_outcomes

from ctbridge.sandbox.fluent.app import CONSIGNMENT_WEBHOOK


async def test_status_and_tracking_url_changes_update_the_same_delivery_without_dead_letters(
    ct, fluent, inbound
):
    order, ref = await placed_order(ct, fluent, inbound)
    shirt, _ = (line["id"] for line in order["lineItems"])
    fulfilment = fluent.create_fulfilment(ref, "LOC_STORE_1", [(shirt, 3, 3)])
    fluent.create_consignment(
        "CON-7", [fulfilment["ref"]], tracking_label="TRK-1", tracking_url="https://t.example/1"
    )
    await fluent.deliver(fluent.consignment_webhook("CON-7"))
    await inbound.run_until_idle(timeout=20)
    (first,) = ct.get("orders", order["id"])["shippingInfo"]["deliveries"]

    await fluent.deliver(
        fluent.consignment_webhook(
            "CON-7", status="SHIPPED", tracking_url="https://t.example/2", tracking_label="TRK-2"
        )
    )
    await inbound.run_until_idle(timeout=20)

    assert await task_outcomes(inbound, CONSIGNMENT_WEBHOOK) == [
        ("done", "consignment CON-7 ACTIVE"),
        ("done", "consignment CON-7 SHIPPED"),
    ]
    (delivery,) = ct.get("orders", order["id"])["shippingInfo"]["deliveries"]
    assert delivery["id"] == first["id"]
    assert delivery["custom"]["fields"]["flConsignmentStatus"] == "SHIPPED"
    (parcel,) = delivery["parcels"]
    assert parcel["id"] == first["parcels"][0]["id"]
    assert parcel["trackingData"]["trackingId"] == "TRK-2"
    assert parcel["custom"]["fields"]["flTrackingUrl"] == "https://t.example/2"
    changed = [
        m for m in ct.messages("DeliveryCustomFieldChanged") if m["resource"]["id"] == order["id"]
    ]
    assert [(m["name"], m["previousValue"], m["value"]) for m in changed] == [
        ("flConsignmentStatus", "ACTIVE", "SHIPPED")
    ]


async def test_a_tracking_url_arriving_later_gives_the_parcel_its_custom_type(ct, fluent, inbound):
    order, ref = await placed_order(ct, fluent, inbound)
    shirt, _ = (line["id"] for line in order["lineItems"])
    fulfilment = fluent.create_fulfilment(ref, "LOC_STORE_1", [(shirt, 3, 3)])
    fluent.create_consignment("CON-8", [fulfilment["ref"]], tracking_label="TRK-1")
    await fluent.deliver(fluent.consignment_webhook("CON-8"))
    await fluent.deliver(fluent.consignment_webhook("CON-8", tracking_url="https://t.example/8"))
    await inbound.run_until_idle(timeout=20)

    outcomes = await task_outcomes(inbound, CONSIGNMENT_WEBHOOK)
    assert [status for status, _ in outcomes] == ["done", "done"]
    (delivery,) = ct.get("orders", order["id"])["shippingInfo"]["deliveries"]
    (parcel,) = delivery["parcels"]
    parcel_type = next(t for t in ct.all("types") if t["key"] == "flArticle")
    assert parcel["custom"] == {
        "type": {"typeId": "type", "id": parcel_type["id"]},
        "fields": {"flTrackingUrl": "https://t.example/8"},
    }
