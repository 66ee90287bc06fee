"""Order deliveries and parcels: the update actions that add, address, change and remove them."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.actions.custom import custom_from_draft, set_custom_field
from ctbridge.sandbox.commercetools.documents import clone
from ctbridge.sandbox.commercetools.errors import invalid_input, invalid_operation
from ctbridge.sandbox.commercetools.kinds import ActionHandler, Mutation, required

Delivery = dict[str, Any]
Parcel = dict[str, Any]
_ABSENT = object()


def _deliveries(m: Mutation) -> list[Delivery]:
    info = m.resource.get("shippingInfo")
    if not info:
        raise invalid_operation("The order has no shippingInfo, so it cannot hold deliveries.")
    return info.setdefault("deliveries", [])


def _identified(action: dict[str, Any], what: str) -> tuple[str, str]:
    """The `{what}Id` or, when absent, the `{what}Key` an action names its target by."""
    if action.get(f"{what}Id"):
        return "id", action[f"{what}Id"]
    if action.get(f"{what}Key"):
        return "key", action[f"{what}Key"]
    raise invalid_input(f"Either {what}Id or {what}Key must be provided.")


def find_delivery(m: Mutation, action: dict[str, Any]) -> Delivery:
    field, value = _identified(action, "delivery")
    for delivery in _deliveries(m):
        if delivery.get(field) == value:
            return delivery
    raise invalid_operation(f"The order has no delivery with {field} '{value}'.")


def find_parcel(m: Mutation, action: dict[str, Any]) -> tuple[Delivery, Parcel]:
    field, value = _identified(action, "parcel")
    for delivery in _deliveries(m):
        for parcel in delivery.get("parcels") or []:
            if parcel.get(field) == value:
                return delivery, parcel
    raise invalid_operation(f"The order has no parcel with {field} '{value}'.")


def _delivery_items(m: Mutation, drafts: Any) -> list[dict[str, Any]]:
    """DeliveryItems name line items or custom line items of this order."""
    known = {
        item["id"]
        for name in ("lineItems", "customLineItems")
        for item in m.resource.get(name) or []
    }
    items = []
    for draft in drafts or []:
        item_id = required(draft, "id")
        if item_id not in known:
            raise invalid_operation(f"The order has no line item or custom line item '{item_id}'.")
        items.append({"id": item_id, "quantity": required(draft, "quantity")})
    return items


def _parcel(m: Mutation, draft: dict[str, Any], key: Any = None) -> Parcel:
    parcel: Parcel = {"id": m.new_id(), "createdAt": m.now()}
    if key is not None:
        parcel["key"] = key
    for name in ("measurements", "trackingData"):
        if draft.get(name) is not None:
            parcel[name] = draft[name]
    parcel["items"] = _delivery_items(m, draft.get("items"))
    if draft.get("custom"):
        parcel["custom"] = custom_from_draft(m, draft["custom"])
    return parcel


def _add_delivery(m: Mutation, action: dict[str, Any]) -> None:
    deliveries = _deliveries(m)
    delivery: Delivery = {"id": m.new_id(), "createdAt": m.now()}
    if action.get("deliveryKey") is not None:
        delivery["key"] = action["deliveryKey"]
    delivery["items"] = _delivery_items(m, action.get("items"))
    delivery["parcels"] = [
        _parcel(m, draft, draft.get("key")) for draft in action.get("parcels") or []
    ]
    if action.get("address") is not None:
        delivery["address"] = action["address"]
    if action.get("custom"):
        delivery["custom"] = custom_from_draft(m, action["custom"])
    deliveries.append(delivery)
    m.emit("DeliveryAdded", delivery=clone(delivery))


def _remove_delivery(m: Mutation, action: dict[str, Any]) -> None:
    delivery = find_delivery(m, action)
    _deliveries(m).remove(delivery)
    m.emit("DeliveryRemoved", delivery=clone(delivery))


def _set_delivery_items(m: Mutation, action: dict[str, Any]) -> None:
    delivery = find_delivery(m, action)
    old_items = delivery.get("items") or []
    delivery["items"] = _delivery_items(m, required(action, "items"))
    m.emit(
        "DeliveryItemsUpdated",
        deliveryId=delivery["id"],
        items=clone(delivery["items"]),
        oldItems=old_items,
    )


def _set_delivery_address(m: Mutation, action: dict[str, Any]) -> None:
    delivery = find_delivery(m, action)
    old_address = delivery.pop("address", None)
    fields: dict[str, Any] = {"deliveryId": delivery["id"]}
    if action.get("address") is not None:
        delivery["address"] = action["address"]
        fields["address"] = clone(action["address"])
    if old_address is not None:
        fields["oldAddress"] = old_address
    m.emit("DeliveryAddressSet", **fields)


def _set_delivery_custom_type(m: Mutation, action: dict[str, Any]) -> None:
    delivery = find_delivery(m, action)
    previous = delivery.pop("custom", None)
    fields: dict[str, Any] = {"deliveryId": delivery["id"]}
    if previous is not None:
        fields["previousTypeId"] = previous["type"]["id"]
    if action.get("type") is None:
        if previous is not None:
            m.emit("DeliveryCustomTypeRemoved", **fields)
        return
    delivery["custom"] = custom_from_draft(
        m, {"type": action["type"], "fields": action.get("fields")}
    )
    m.emit("DeliveryCustomTypeSet", customFields=clone(delivery["custom"]), **fields)


def _set_field(m: Mutation, custom: dict[str, Any] | None, action: dict[str, Any]) -> Any:
    """Sets or removes one custom field and returns what it held before (absent: `_ABSENT`)."""
    name = required(action, "name")
    value = action.get("value")
    previous = (custom or {}).get("fields", {}).get(name, _ABSENT)
    set_custom_field(m, custom, name, value)
    if value is None and previous is _ABSENT:
        raise invalid_operation(f"The custom field '{name}' cannot be removed: it is not set.")
    return previous


def _set_delivery_custom_field(m: Mutation, action: dict[str, Any]) -> None:
    delivery = find_delivery(m, action)
    name = required(action, "name")
    previous = _set_field(m, delivery.get("custom"), action)
    if action.get("value") is None:
        m.emit("DeliveryCustomFieldRemoved", deliveryId=delivery["id"], name=name)
    elif previous is _ABSENT:
        m.emit(
            "DeliveryCustomFieldAdded", deliveryId=delivery["id"], name=name, value=action["value"]
        )
    else:
        m.emit(
            "DeliveryCustomFieldChanged",
            deliveryId=delivery["id"],
            name=name,
            value=action["value"],
            previousValue=previous,
        )


def _add_parcel(m: Mutation, action: dict[str, Any]) -> None:
    delivery = find_delivery(m, action)
    parcel = _parcel(m, action, action.get("parcelKey"))
    delivery.setdefault("parcels", []).append(parcel)
    m.emit("ParcelAddedToDelivery", delivery=clone(delivery), parcel=clone(parcel))


def _remove_parcel(m: Mutation, action: dict[str, Any]) -> None:
    delivery, parcel = find_parcel(m, action)
    delivery["parcels"].remove(parcel)
    m.emit("ParcelRemovedFromDelivery", deliveryId=delivery["id"], parcel=clone(parcel))


def _set_parcel_items(m: Mutation, action: dict[str, Any]) -> None:
    delivery, parcel = find_parcel(m, action)
    old_items = parcel.get("items") or []
    parcel["items"] = _delivery_items(m, required(action, "items"))
    m.emit(
        "ParcelItemsUpdated",
        parcelId=parcel["id"],
        deliveryId=delivery["id"],
        items=clone(parcel["items"]),
        oldItems=old_items,
    )


def _parcel_setter(field: str, message: str) -> ActionHandler:
    """`setParcelMeasurements` / `setParcelTrackingData`: an absent value removes the field."""

    def handler(m: Mutation, action: dict[str, Any]) -> None:
        delivery, parcel = find_parcel(m, action)
        fields: dict[str, Any] = {"deliveryId": delivery["id"], "parcelId": parcel["id"]}
        if action.get(field) is None:
            parcel.pop(field, None)
        else:
            parcel[field] = action[field]
            fields[field] = clone(action[field])
        m.emit(message, **fields)

    return handler


def _set_parcel_custom_type(m: Mutation, action: dict[str, Any]) -> None:
    _, parcel = find_parcel(m, action)
    if action.get("type") is None:
        parcel.pop("custom", None)
        return
    parcel["custom"] = custom_from_draft(
        m, {"type": action["type"], "fields": action.get("fields")}
    )


def _set_parcel_custom_field(m: Mutation, action: dict[str, Any]) -> None:
    _, parcel = find_parcel(m, action)
    _set_field(m, parcel.get("custom"), action)


DELIVERY_ACTIONS: dict[str, ActionHandler] = {
    "addDelivery": _add_delivery,
    "removeDelivery": _remove_delivery,
    "setDeliveryItems": _set_delivery_items,
    "setDeliveryAddress": _set_delivery_address,
    "setDeliveryCustomType": _set_delivery_custom_type,
    "setDeliveryCustomField": _set_delivery_custom_field,
    "addParcelToDelivery": _add_parcel,
    "removeParcelFromDelivery": _remove_parcel,
    "setParcelItems": _set_parcel_items,
    "setParcelMeasurements": _parcel_setter("measurements", "ParcelMeasurementsUpdated"),
    "setParcelTrackingData": _parcel_setter("trackingData", "ParcelTrackingDataUpdated"),
    "setParcelCustomType": _set_parcel_custom_type,
    "setParcelCustomField": _set_parcel_custom_field,
}
