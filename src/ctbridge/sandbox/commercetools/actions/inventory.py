"""Inventory entries: stock per SKU and supply channel, reservations, and the quantity messages."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.actions.custom import CUSTOM_ACTIONS, custom_from_draft
from ctbridge.sandbox.commercetools.errors import ApiError, duplicate_field, invalid_field
from ctbridge.sandbox.commercetools.kinds import (
    Mutation,
    Resource,
    ResourceKind,
    required,
    set_field,
)
from ctbridge.sandbox.commercetools.store import ResourceStore

TYPE_ID = "inventory-entry"


def _identifiers(entry: Resource) -> dict[str, Any]:
    identifiers = {"sku": entry["sku"]} if entry.get("sku") else {}
    if entry.get("key"):
        identifiers["key"] = entry["key"]
    return identifiers


def _quantity(action: dict[str, Any], name: str = "quantity") -> int:
    value = action.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid_field(name, value, f"{name} must be an integer.")
    return value


def find_entry(store: ResourceStore, sku: str, channel_id: str | None) -> Resource | None:
    for entry in store.lookup(TYPE_ID, "sku", sku):
        if (entry.get("supplyChannel") or {}).get("id") == channel_id:
            return entry
    return None


def _create(m: Mutation, draft: dict[str, Any]) -> None:
    entry = m.resource
    entry["sku"] = required(draft, "sku")
    channel = m.reference("channel", draft["supplyChannel"]) if draft.get("supplyChannel") else None
    if find_entry(m.store, entry["sku"], channel and channel["id"]) is not None:
        raise duplicate_field("sku", entry["sku"])
    if draft.get("key"):
        if m.store.find(TYPE_ID, "key", draft["key"]) is not None:
            raise duplicate_field("key", draft["key"])
        entry["key"] = draft["key"]
    if channel:
        entry["supplyChannel"] = channel
    on_stock = _quantity(draft, "quantityOnStock")
    entry["quantityOnStock"] = on_stock
    entry["availableQuantity"] = on_stock
    for name in ("restockableInDays", "expectedDelivery"):
        if draft.get(name) is not None:
            entry[name] = draft[name]
    if draft.get("custom"):
        entry["custom"] = custom_from_draft(m, draft["custom"])
    m.emit("InventoryEntryCreated", inventoryEntry=dict(entry))


def _set_on_stock(m: Mutation, on_stock: int) -> None:
    entry = m.resource
    reserved = m.store.reserved.get(entry["id"], 0)
    old_on_stock, old_available = entry["quantityOnStock"], entry["availableQuantity"]
    entry["quantityOnStock"] = on_stock
    entry["availableQuantity"] = on_stock - reserved
    fields: dict[str, Any] = {
        "oldQuantityOnStock": old_on_stock,
        "newQuantityOnStock": on_stock,
        "oldAvailableQuantity": old_available,
        "newAvailableQuantity": entry["availableQuantity"],
    }
    if entry.get("supplyChannel"):
        fields["supplyChannel"] = entry["supplyChannel"]
    m.emit("InventoryEntryQuantitySet", **fields)


def _change_quantity(m: Mutation, action: dict[str, Any]) -> None:
    _set_on_stock(m, _quantity(action))


def _add_quantity(m: Mutation, action: dict[str, Any]) -> None:
    _set_on_stock(m, m.resource["quantityOnStock"] + _quantity(action))


def _remove_quantity(m: Mutation, action: dict[str, Any]) -> None:
    _set_on_stock(m, m.resource["quantityOnStock"] - _quantity(action))


def _set_supply_channel(m: Mutation, action: dict[str, Any]) -> None:
    channel = (
        m.reference("channel", action["supplyChannel"]) if action.get("supplyChannel") else None
    )
    existing = find_entry(m.store, m.resource["sku"], channel and channel["id"])
    if existing is not None and existing["id"] != m.resource["id"]:
        raise duplicate_field("supplyChannel", channel)
    if channel:
        m.resource["supplyChannel"] = channel
    else:
        m.resource.pop("supplyChannel", None)


def _on_delete(m: Mutation) -> None:
    fields: dict[str, Any] = {"sku": m.resource["sku"]}
    if m.resource.get("supplyChannel"):
        fields["supplyChannel"] = m.resource["supplyChannel"]
    m.emit("InventoryEntryDeleted", **fields)
    m.after_commit.append(lambda: m.store.reserved.pop(m.resource["id"], None))


def reserve(
    store: ResourceStore, sku: str, channel_id: str | None, quantity: int, *, strict: bool
) -> bool:
    """Hold `quantity` of the entry back from `availableQuantity` (no message, like the platform).

    Returns False when there is no entry; with `strict`, too little stock is an `OutOfStock` error.
    """
    with store.lock:
        entry = find_entry(store, sku, channel_id)
        if entry is None:
            if strict:
                raise out_of_stock([sku])
            return False
        if strict and entry["availableQuantity"] < quantity:
            raise out_of_stock([sku])
        reserved = store.reserved.get(entry["id"], 0) + quantity
        store.reserved[entry["id"]] = reserved
        store.put(TYPE_ID, {**entry, "availableQuantity": entry["quantityOnStock"] - reserved})
        return True


def out_of_stock(skus: list[str]) -> ApiError:
    return ApiError(
        400, "OutOfStock", f"Some line items are out of stock: {', '.join(skus)}.", skus=skus
    )


KIND = ResourceKind(
    url="inventory",
    type_id=TYPE_ID,
    create=_create,
    identifiers=_identifiers,
    on_delete=_on_delete,
    indexes={"sku": lambda entry: [entry["sku"]]},
    actions={
        "changeQuantity": _change_quantity,
        "addQuantity": _add_quantity,
        "removeQuantity": _remove_quantity,
        "setRestockableInDays": set_field("restockableInDays"),
        "setExpectedDelivery": set_field("expectedDelivery"),
        "setKey": set_field("key"),
        "setSupplyChannel": _set_supply_channel,
        **CUSTOM_ACTIONS,
    },
)
