"""Fluent consignments → commercetools deliveries: items, one parcel with tracking, status fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ctbridge.connectors.fluent.client.graphql_pages import edges
from ctbridge.connectors.fluent.to_commercetools.custom_types import DELIVERY_TYPE, PARCEL_TYPE
from ctbridge.connectors.fluent.to_commercetools.fluent_attributes import attribute
from ctbridge.connectors.fluent.to_commercetools.fulfilment_mapping import line_item_for
from ctbridge.errors import Permanent

TRACKING_URL_ATTRIBUTES = ("trackingUrl", "tracking_url")


class ConsignmentNotMappable(Permanent):
    """The consignment cannot become a delivery of this order (no items, unknown lines)."""


def tracking_url(consignment: Mapping[str, Any], webhook_attributes: Any = None) -> str | None:
    url = attribute(consignment.get("attributes"), *TRACKING_URL_ATTRIBUTES)
    return url or attribute(webhook_attributes, *TRACKING_URL_ATTRIBUTES) or None


def tracking_data(consignment: Mapping[str, Any]) -> dict[str, Any]:
    carrier = consignment.get("carrier") or {}
    data = {
        "trackingId": consignment.get("trackingLabel"),
        "carrier": carrier.get("name") or carrier.get("ref"),
        "provider": carrier.get("ref"),
        "isReturn": False,
    }
    return {k: v for k, v in data.items() if v not in (None, "")}


def delivery_items(
    order: Mapping[str, Any], consignment: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Quantities per ct line item over all the consignment's articles, in line order."""
    quantities: dict[str, int] = {}
    for node in edges(consignment.get("consignmentArticles")):
        for item in edges((node.get("article") or {}).get("items")):
            ref = (item.get("orderItem") or {}).get("ref") or item.get("ref")
            line = line_item_for(order, str(ref))
            quantities[line["id"]] = quantities.get(line["id"], 0) + int(item.get("quantity") or 0)
    order_of_lines = [line["id"] for line in order.get("lineItems") or []]
    items = [
        {"id": line_id, "quantity": quantities[line_id]}
        for line_id in order_of_lines
        if quantities.get(line_id)
    ]
    if not items:
        raise ConsignmentNotMappable(f"consignment {consignment.get('ref')} carries no items")
    return items


def delivery_fields(consignment: Mapping[str, Any]) -> dict[str, str]:
    return {
        "flConsignmentId": str(consignment["id"]),
        "flConsignmentRef": str(consignment.get("ref") or consignment["id"]),
        "flConsignmentStatus": str(consignment.get("status") or ""),
    }


def find_delivery(
    order: Mapping[str, Any], consignment: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The delivery made for this consignment earlier: its custom fields name the consignment."""
    wanted_id = str(consignment["id"])
    for delivery in (order.get("shippingInfo") or {}).get("deliveries") or []:
        fields = (delivery.get("custom") or {}).get("fields") or {}
        if fields.get("flConsignmentId") == wanted_id:
            return delivery
    return None


def consignment_actions(
    order: Mapping[str, Any], consignment: Mapping[str, Any], webhook_attributes: Any = None
) -> list[dict[str, Any]]:
    """A new consignment → `addDelivery`; a known one → only what changed (tracking, status,
    tracking URL, items). Applied to the current order, so a repeated or concurrent webhook
    finds the delivery the first one made and never adds a second."""
    if not (order.get("shippingInfo") or {}):
        raise ConsignmentNotMappable(
            f"order {order.get('id')} has no shipping info to hold deliveries"
        )
    items = delivery_items(order, consignment)
    tracking = tracking_data(consignment)
    url = tracking_url(consignment, webhook_attributes)
    fields = delivery_fields(consignment)
    delivery = find_delivery(order, consignment)
    if delivery is None:
        return [add_delivery_action(items, tracking, url, fields)]
    return delivery_update_actions(delivery, items, fields) + parcel_update_actions(
        delivery, items, tracking, url
    )


def add_delivery_action(
    items: list[dict[str, Any]], tracking: dict[str, Any], url: str | None, fields: dict[str, str]
) -> dict[str, Any]:
    """The delivery of a consignment seen for the first time, with its one parcel."""
    parcel: dict[str, Any] = {"items": items}
    if tracking:
        parcel["trackingData"] = tracking
    if url:
        parcel["custom"] = {
            "type": {"typeId": "type", "key": PARCEL_TYPE},
            "fields": {"flTrackingUrl": url},
        }
    return {
        "action": "addDelivery",
        "items": items,
        "parcels": [parcel],
        "custom": {"type": {"typeId": "type", "key": DELIVERY_TYPE}, "fields": fields},
    }


def delivery_update_actions(
    delivery: Mapping[str, Any], items: list[dict[str, Any]], fields: dict[str, str]
) -> list[dict[str, Any]]:
    """The consignment fields and items of a known delivery, where they changed."""
    actions: list[dict[str, Any]] = []
    current = (delivery.get("custom") or {}).get("fields") or {}
    for name, value in fields.items():
        if current.get(name) != value:
            actions.append(
                {
                    "action": "setDeliveryCustomField",
                    "deliveryId": delivery["id"],
                    "name": name,
                    "value": value,
                }
            )
    if sorted(map(_item_key, delivery.get("items") or [])) != sorted(map(_item_key, items)):
        actions.append({"action": "setDeliveryItems", "deliveryId": delivery["id"], "items": items})
    return actions


def parcel_update_actions(
    delivery: Mapping[str, Any],
    items: list[dict[str, Any]],
    tracking: dict[str, Any],
    url: str | None,
) -> list[dict[str, Any]]:
    """A known delivery's parcel: added when it has none, else its tracking data and URL where
    they changed."""
    parcels = delivery.get("parcels") or []
    if not parcels:
        parcel_action: dict[str, Any] = {
            "action": "addParcelToDelivery",
            "deliveryId": delivery["id"],
            "items": items,
        }
        if tracking:
            parcel_action["trackingData"] = tracking
        return [parcel_action]
    actions: list[dict[str, Any]] = []
    parcel = parcels[0]
    if tracking and _tracking_key(parcel.get("trackingData")) != _tracking_key(tracking):
        actions.append(
            {"action": "setParcelTrackingData", "parcelId": parcel["id"], "trackingData": tracking}
        )
    current_url = ((parcel.get("custom") or {}).get("fields") or {}).get("flTrackingUrl")
    if url and url != current_url:
        if parcel.get("custom"):
            actions.append(
                {
                    "action": "setParcelCustomField",
                    "parcelId": parcel["id"],
                    "name": "flTrackingUrl",
                    "value": url,
                }
            )
        else:
            actions.append(
                {
                    "action": "setParcelCustomType",
                    "parcelId": parcel["id"],
                    "type": {"typeId": "type", "key": PARCEL_TYPE},
                    "fields": {"flTrackingUrl": url},
                }
            )
    return actions


def _item_key(item: Mapping[str, Any]) -> tuple[str, int]:
    return (str(item.get("id")), int(item.get("quantity") or 0))


def _tracking_key(data: Mapping[str, Any] | None) -> tuple[Any, ...]:
    data = data or {}
    return tuple(data.get(k) for k in ("trackingId", "carrier", "provider", "isReturn"))
