"""Seeding from threads while HTTP clients update: one lock keeps versions and sequences whole."""

from __future__ import annotations

import threading

import httpx

from ctbridge.sandbox.commercetools import CommercetoolsEmulator


def test_concurrent_updates_from_threads_and_http_lose_nothing(
    api: httpx.Client, emulator: CommercetoolsEmulator
) -> None:
    entry = emulator.create("inventory", {"sku": "C", "quantityOnStock": 0})

    def seed() -> None:
        for _ in range(25):
            emulator.update("inventory", entry["id"], [{"action": "addQuantity", "quantity": 1}])

    threads = [threading.Thread(target=seed) for _ in range(3)]
    for thread in threads:
        thread.start()
    conflicts = 0
    applied = 0
    for _ in range(25):
        current = api.get(f"inventory/{entry['id']}").json()
        response = api.post(
            f"inventory/{entry['id']}",
            json={
                "version": current["version"],
                "actions": [{"action": "addQuantity", "quantity": 1}],
            },
        )
        if response.status_code == 409:
            conflicts += 1
        else:
            assert response.status_code == 200
            applied += 1
    for thread in threads:
        thread.join(10)

    final = emulator.get("inventory", entry["id"])
    assert final["quantityOnStock"] == 75 + applied
    assert final["version"] == 1 + 75 + applied
    sequences = [
        m["sequenceNumber"] for m in emulator.messages() if m["resource"]["id"] == entry["id"]
    ]
    assert sorted(sequences) == list(range(1, 77 + applied))
    assert applied + conflicts == 25
