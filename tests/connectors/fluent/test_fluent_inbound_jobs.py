"""Inventory, location and workflow-error jobs: delta windows, manual ranges, reports, alerts."""

import json

from tests.notifications.receivers import RecordingApp

from ctbridge.notifications import NotificationSettings, notifier_from_settings
from ctbridge.sandbox.server import BackgroundServer

OLD = "2024-01-01T00:00:00Z"


def supply_channel(ct, key="fluent-ats"):
    return ct.create("channels", {"key": key, "roles": ["InventorySupply"]})


def stock(ct, channel_id):
    return {
        e["sku"]: e["quantityOnStock"]
        for e in ct.all("inventory")
        if (e.get("supplyChannel") or {}).get("id") == channel_id
    }


async def run(engine, job, **params):
    run = await engine.run_job(f"fluent.{job}", params)
    assert run.status == "succeeded", run.error
    return run


async def test_inventory_sync_copies_virtual_positions_then_only_what_changed_since(
    ct, fluent, inbound
):
    channel = supply_channel(ct)
    connector = inbound.connectors["fluent"]
    connector._inventory.channel_key = "fluent-ats"
    connector._inventory.catalogue_ref = "ATS:1"
    for sku, quantity in (("shirt-s", 5), ("shirt-m", 0), ("cap", -2)):
        fluent.availability.set_virtual_position("ATS:1", sku, quantity, updated_on=OLD)
    fluent.availability.set_virtual_position("ATS:OTHER", "shirt-s", 99, updated_on=OLD)
    first = await run(inbound, "inventory-sync")
    assert stock(ct, channel["id"]) == {"shirt-s": 5, "shirt-m": 0, "cap": 0}
    assert first.report.counts["created"] == 3

    fluent.availability.set_virtual_position("ATS:1", "shirt-m", 7)
    second = await run(inbound, "inventory-sync")
    assert stock(ct, channel["id"])["shirt-m"] == 7
    assert (second.report.counts["updated"], second.report.counts["created"]) == (1, 0)
    assert second.report.counts["unchanged"] == 0  # the 2024 positions are outside the window


async def test_a_manual_range_syncs_that_range_and_leaves_the_watermark(ct, fluent, inbound):
    supply_channel(ct)
    connector = inbound.connectors["fluent"]
    connector._inventory.channel_key = "fluent-ats"
    connector._inventory.catalogue_ref = "ATS:1"
    fluent.availability.set_virtual_position("ATS:1", "shirt-s", 1, updated_on=OLD)
    fluent.availability.set_virtual_position("ATS:1", "cap", 2, updated_on="2024-03-01T00:00:00Z")
    await run(inbound, "inventory-sync", full="true")
    state = await inbound.runtime.state.get("checkpoints", "fluent.inventory-sync")
    assert "previousEndDate" not in state and state["lastRun"]["manual"]
    fluent.availability.set_virtual_position("ATS:1", "cap", 3, updated_on="2024-03-01T00:00:00Z")
    ranged = await run(
        inbound, "inventory-sync", **{"from": "2024-02-01T00:00:00Z", "to": "2024-04-01T00:00:00Z"}
    )
    assert (ranged.report.counts["updated"], ranged.report.counts["unchanged"]) == (1, 0)


async def test_inventory_settings_may_come_from_fluents_job_setting(ct, fluent, inbound):
    channel = supply_channel(ct, "from-setting")
    fluent.put_setting(
        "fc.connect.commercetools.batch.batch-inventory-sync",
        {
            "previousEndDate": "2024-06-01T00:00:00Z",
            "props": {
                "ctChannelKey": "from-setting",
                "fluentAggregateVirtualCatalogueRef": "ATS:9",
            },
        },
    )
    fluent.availability.set_virtual_position("ATS:9", "old", 1, updated_on=OLD)
    fluent.availability.set_virtual_position("ATS:9", "new", 4)
    await run(inbound, "inventory-sync")
    assert stock(ct, channel["id"]) == {"new": 4}


async def test_inventory_sync_without_a_channel_fails_with_the_variables_to_set(inbound):
    run = await inbound.run_job("fluent.inventory-sync")
    assert run.status == "failed" and "FLUENT_INVENTORY_CHANNEL_KEY" in run.error


async def test_location_sync_creates_and_then_updates_channels_in_the_network(ct, fluent, inbound):
    connector = inbound.connectors["fluent"]
    connector._locations.network_ref = "BASE_1"
    fluent.logistics.upsert_location(
        "LOC_STORE_1",
        name="Store One",
        networks=["BASE_1"],
        supportPhoneNumber="+61 3 1234",
        primaryAddress={
            "street": "1 Main St",
            "city": "Melbourne",
            "postcode": "3000",
            "country": "AU",
            "latitude": -37.8,
            "longitude": 144.9,
            "timeZone": "Australia/Melbourne",
        },
        openingSchedule={"allHours": False, "monStart": 900, "monEnd": 1700},
        updated_on=OLD,
    )
    fluent.logistics.upsert_location("LOC_ELSEWHERE", networks=["OTHER"], updated_on=OLD)
    first = await run(inbound, "location-sync")
    assert (first.report.counts["created"], first.report.counts["skipped"]) == (1, 1)
    (channel,) = [c for c in ct.all("channels") if c["key"] == "LOC_STORE_1"]
    assert channel["geoLocation"] == {"type": "Point", "coordinates": [144.9, -37.8]}
    assert channel["address"]["city"] == "Melbourne"

    fluent.logistics.upsert_location("LOC_STORE_1", status="INACTIVE")
    second = await run(inbound, "location-sync")
    assert (second.report.counts["updated"], second.report.counts["created"]) == (1, 0)
    assert second.report.counts["skipped"] == 0  # LOC_ELSEWHERE did not change: not read
    (channel,) = [c for c in ct.all("channels") if c["key"] == "LOC_STORE_1"]
    assert channel["custom"]["fields"]["flStatus"] == "INACTIVE"


async def test_workflow_errors_in_the_window_are_summarised_to_the_notification_channels(
    fluent, inbound
):
    recording = RecordingApp()
    with BackgroundServer(recording.build()) as server:
        connector = inbound.connectors["fluent"]
        connector._workflow_errors.notifier = notifier_from_settings(
            NotificationSettings(webhook_url=f"{server.url}/alerts")
        )
        fluent.record_event("CreateOrder", "FAILED", entity_ref="HD_1", message="rule X threw")
        fluent.record_event("CreateOrder", "FAILED", entity_ref="HD_2", message="rule X threw")
        fluent.record_event("UPSERT_LOCATION", "NO_MATCH", entity_type="LOCATION")
        fluent.record_event("CreateOrder", "SUCCESS", entity_ref="HD_3")
        fluent.record_event("CreateOrder", "FAILED", entity_ref="HD_0", generated_on=OLD)
        first = await run(inbound, "workflow-errors", **{"from": "2025-01-01T00:00:00Z"})
        second = await run(inbound, "workflow-errors")
        await connector._workflow_errors.notifier.aclose()
    assert (first.report.counts["failed"], first.report.counts["no_match"]) == (2, 1)
    body = json.loads(recording.received[0][2])
    assert body["subject"].endswith("3 workflow errors")
    assert "2 × FAILED CreateOrder (ORDER)" in body["lines"]
    assert any("HD_2" in line and "rule X threw" in line for line in body["lines"])
    assert second.report.counts["notified"] == 1  # first delta run: everything so far, incl. 2024
    assert len(recording.received) == 2
