"""Fulfilments become line-item metadata, consignments deliveries — repeated, they change nothing."""

import json

import pytest

from ctbridge.connectors.fluent.to_commercetools.consignment_mapping import (
    ConsignmentNotMappable,
    consignment_actions,
)
from ctbridge.connectors.fluent.to_commercetools.fulfilment_mapping import (
    FulfilmentNotMappable,
    fulfilment_actions,
)


def connection(*nodes):
    return {"edges": [{"node": node} for node in nodes]}


def order(**fields):
    base = {
        "id": "o-1",
        "lineItems": [
            {"id": "li-1", "variant": {"sku": "shirt-m"}, "quantity": 3},
            {"id": "li-2", "variant": {"sku": "cap"}, "quantity": 1},
        ],
        "shippingInfo": {"shippingMethodName": "Standard", "deliveries": []},
    }
    return {**base, **fields}


def fulfilment(fid, location, *items, status="CREATED"):
    return {
        "id": fid,
        "ref": f"F-{fid}",
        "status": status,
        "type": "HD_PFS",
        "fromLocation": {"ref": location, "name": location.title()},
        "items": connection(
            *(
                {
                    "requestedQuantity": req,
                    "filledQuantity": fill,
                    "rejectedQuantity": req - fill,
                    "orderItem": {"ref": ref},
                }
                for ref, req, fill in items
            )
        ),
    }


def apply_line_actions(current, actions):
    """What commercetools does with the two line-item custom actions."""
    lines = {line["id"]: line for line in current["lineItems"]}
    for action in actions:
        line = lines[action["lineItemId"]]
        if action["action"] == "setLineItemCustomType":
            line["custom"] = {
                "type": {"typeId": "type", "id": "t-1"},
                "fields": dict(action["fields"]),
            }
        else:
            line["custom"]["fields"][action["name"]] = action["value"]
    return current


def metadata(line):
    return json.loads(line["custom"]["fields"]["flFulfilmentMetadata"])


def test_a_fulfilment_sets_the_fluent_type_and_its_entry_on_each_line_it_covers():
    actions = fulfilment_actions(order(), fulfilment("10", "LOC_A", ("li-1", 3, 3)))
    assert [a["action"] for a in actions] == ["setLineItemCustomType"]
    assert actions[0]["type"] == {"typeId": "type", "key": "flFulfilment"}
    entry = json.loads(actions[0]["fields"]["flFulfilmentMetadata"])[0]
    assert entry["fulfilmentId"] == "10"
    assert (entry["fulfilmentLocationRef"], entry["fulfilmentLocationName"]) == ("LOC_A", "Loc_A")
    assert (entry["fulfilmentQty"], entry["filledQty"], entry["rejectedQty"]) == (3, 3, 0)


def test_a_line_split_over_two_locations_keeps_one_entry_per_fulfilment():
    current = order()
    current = apply_line_actions(
        current, fulfilment_actions(current, fulfilment("10", "LOC_A", ("li-1", 2, 2)))
    )
    current = apply_line_actions(
        current,
        fulfilment_actions(current, fulfilment("11", "LOC_B", ("li-1", 1, 1), ("li-2", 1, 0))),
    )
    entries = metadata(current["lineItems"][0])
    assert [(e["fulfilmentLocationRef"], e["fulfilmentQty"]) for e in entries] == [
        ("LOC_A", 2),
        ("LOC_B", 1),
    ]
    assert [(e["fulfilmentId"], e["rejectedQty"]) for e in metadata(current["lineItems"][1])] == [
        ("11", 1)
    ]


def test_a_status_change_replaces_that_fulfilments_entry_and_a_repeat_changes_nothing():
    current = order()
    current = apply_line_actions(
        current, fulfilment_actions(current, fulfilment("10", "LOC_A", ("li-1", 3, 3)))
    )
    shipped = fulfilment("10", "LOC_A", ("li-1", 3, 3), status="FULFILLED")
    actions = fulfilment_actions(current, shipped)
    assert [a["action"] for a in actions] == ["setLineItemCustomField"]
    current = apply_line_actions(current, actions)
    assert [e["fulfilmentStatus"] for e in metadata(current["lineItems"][0])] == ["FULFILLED"]
    assert fulfilment_actions(current, shipped) == []


def test_a_line_with_another_custom_type_gets_the_field_set_not_its_type_replaced():
    current = order()
    current["lineItems"][0]["custom"] = {
        "type": {"typeId": "type", "id": "mine"},
        "fields": {"engraving": "A"},
    }
    actions = fulfilment_actions(current, fulfilment("10", "LOC_A", ("li-1", 1, 1)))
    assert [a["action"] for a in actions] == ["setLineItemCustomField"]


def test_order_items_are_matched_by_line_id_or_a_sku_only_one_line_carries():
    actions = fulfilment_actions(order(), fulfilment("10", "LOC_A", ("cap", 1, 1)))
    assert actions[0]["lineItemId"] == "li-2"
    with pytest.raises(FulfilmentNotMappable, match="no line item 'ghost'"):
        fulfilment_actions(order(), fulfilment("10", "LOC_A", ("ghost", 1, 1)))


def consignment(
    cid="77", status="ACTIVE", label="TRK-1", url="https://track/TRK-1", items=(("li-1", 2),)
):
    return {
        "id": cid,
        "ref": f"CON-{cid}",
        "status": status,
        "trackingLabel": label,
        "carrier": {"ref": "AUSPOST", "name": "Australia Post"},
        "attributes": [{"name": "trackingUrl", "value": url}] if url else [],
        "consignmentArticles": connection(
            {
                "article": {
                    "ref": "A1",
                    "items": connection(
                        *({"quantity": q, "orderItem": {"ref": r}} for r, q in items)
                    ),
                }
            }
        ),
    }


def delivered(current, actions):
    """Applies addDelivery the way commercetools does (ids assigned)."""
    for action in actions:
        assert action["action"] == "addDelivery"
        parcels = [{**p, "id": f"p-{n}"} for n, p in enumerate(action["parcels"])]
        for parcel in parcels:
            parcel["custom"] = {
                "type": {"id": "t"},
                "fields": parcel.get("custom", {}).get("fields", {}),
            }
        current["shippingInfo"]["deliveries"].append(
            {
                "id": "d-1",
                "items": action["items"],
                "parcels": parcels,
                "custom": {"type": {"id": "t"}, "fields": action["custom"]["fields"]},
            }
        )
    return current


def test_a_new_consignment_becomes_one_delivery_with_a_tracked_parcel():
    (action,) = consignment_actions(order(), consignment())
    assert action["action"] == "addDelivery"
    assert action["items"] == [{"id": "li-1", "quantity": 2}]
    parcel = action["parcels"][0]
    assert parcel["trackingData"] == {
        "trackingId": "TRK-1",
        "carrier": "Australia Post",
        "provider": "AUSPOST",
        "isReturn": False,
    }
    assert parcel["custom"]["fields"] == {"flTrackingUrl": "https://track/TRK-1"}
    assert action["custom"]["type"] == {"typeId": "type", "key": "flConsignment"}
    assert action["custom"]["fields"] == {
        "flConsignmentId": "77",
        "flConsignmentRef": "CON-77",
        "flConsignmentStatus": "ACTIVE",
    }


def test_the_same_consignment_again_changes_nothing():
    current = delivered(order(), consignment_actions(order(), consignment()))
    assert consignment_actions(current, consignment()) == []


def test_a_known_consignment_gets_only_what_changed():
    current = delivered(order(), consignment_actions(order(), consignment()))
    actions = consignment_actions(
        current,
        consignment(
            status="SHIPPED",
            label="TRK-2",
            url="https://track/TRK-2",
            items=(("li-1", 2), ("li-2", 1)),
        ),
    )
    assert actions == [
        {
            "action": "setDeliveryCustomField",
            "deliveryId": "d-1",
            "name": "flConsignmentStatus",
            "value": "SHIPPED",
        },
        {
            "action": "setDeliveryItems",
            "deliveryId": "d-1",
            "items": [{"id": "li-1", "quantity": 2}, {"id": "li-2", "quantity": 1}],
        },
        {
            "action": "setParcelTrackingData",
            "parcelId": "p-0",
            "trackingData": {
                "trackingId": "TRK-2",
                "carrier": "Australia Post",
                "provider": "AUSPOST",
                "isReturn": False,
            },
        },
        {
            "action": "setParcelCustomField",
            "parcelId": "p-0",
            "name": "flTrackingUrl",
            "value": "https://track/TRK-2",
        },
    ]


def test_the_tracking_url_may_come_from_the_webhook_attributes():
    (action,) = consignment_actions(order(), consignment(url=None), {"TrackingURL": "https://t/9"})
    assert action["parcels"][0]["custom"]["fields"] == {"flTrackingUrl": "https://t/9"}


def test_a_consignment_without_items_or_an_order_without_shipping_info_is_not_mappable():
    with pytest.raises(ConsignmentNotMappable, match="no items"):
        consignment_actions(order(), consignment(items=()))
    with pytest.raises(ConsignmentNotMappable, match="shipping info"):
        consignment_actions(order(shippingInfo=None), consignment())
