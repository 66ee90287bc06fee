"""Inventory entries: quantities, reservations, identity by SKU and supply channel."""

from __future__ import annotations

import httpx
import pytest

from ctbridge.sandbox.commercetools import CommercetoolsEmulator


@pytest.fixture
def channel(emulator: CommercetoolsEmulator) -> dict:
    return emulator.create("channels", {"key": "store-1"})


def test_entry_lifecycle_over_http(api: httpx.Client, channel: dict) -> None:
    response = api.post(
        "inventory",
        json={
            "sku": "SKU-1",
            "quantityOnStock": 5,
            "key": "inv-1",
            "supplyChannel": {"typeId": "channel", "key": "store-1"},
        },
    )
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["supplyChannel"] == {"typeId": "channel", "id": channel["id"]}
    assert entry["quantityOnStock"] == entry["availableQuantity"] == 5
    assert api.get("inventory/key=inv-1").json()["id"] == entry["id"]

    actions = [
        {"action": "addQuantity", "quantity": 3},
        {"action": "removeQuantity", "quantity": 2},
        {"action": "changeQuantity", "quantity": 20},
        {"action": "setRestockableInDays", "restockableInDays": 4},
    ]
    updated = api.post(f"inventory/{entry['id']}", json={"version": 1, "actions": actions}).json()
    assert updated["version"] == 5
    assert updated["quantityOnStock"] == 20 and updated["availableQuantity"] == 20
    assert updated["restockableInDays"] == 4

    found = api.get(
        "inventory", params={"where": f'sku = "SKU-1" and supplyChannel(id = "{channel["id"]}")'}
    ).json()
    assert [e["id"] for e in found["results"]] == [entry["id"]]

    assert api.delete(f"inventory/{entry['id']}", params={"version": 5}).status_code == 200
    assert api.get(f"inventory/{entry['id']}").status_code == 404


def test_available_quantity_is_on_stock_minus_reserved(
    api: httpx.Client, emulator: CommercetoolsEmulator
) -> None:
    entry = emulator.create("inventory", {"sku": "SKU-R", "quantityOnStock": 10})
    emulator.reserve("SKU-R", 3)
    body = api.get(f"inventory/{entry['id']}").json()
    assert body["quantityOnStock"] == 10 and body["availableQuantity"] == 7
    updated = emulator.update(
        "inventory", entry["id"], [{"action": "changeQuantity", "quantity": 5}]
    )
    assert updated["availableQuantity"] == 2


def test_same_sku_and_channel_twice_is_duplicate(api: httpx.Client, channel: dict) -> None:
    assert api.post("inventory", json={"sku": "D", "quantityOnStock": 1}).status_code == 201
    duplicate = api.post("inventory", json={"sku": "D", "quantityOnStock": 1})
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"][0]["code"] == "DuplicateField"
    other_channel = api.post(
        "inventory",
        json={
            "sku": "D",
            "quantityOnStock": 1,
            "supplyChannel": {"typeId": "channel", "id": channel["id"]},
        },
    )
    assert other_channel.status_code == 201


def test_non_integer_quantity_is_invalid_field(api: httpx.Client) -> None:
    response = api.post("inventory", json={"sku": "Q", "quantityOnStock": "many"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidField"


def test_unknown_supply_channel_is_referenced_resource_not_found(api: httpx.Client) -> None:
    response = api.post(
        "inventory",
        json={
            "sku": "Q",
            "quantityOnStock": 1,
            "supplyChannel": {"typeId": "channel", "id": "nope"},
        },
    )
    assert response.json()["errors"][0]["code"] == "ReferencedResourceNotFound"
