"""Fluent jobs ride out a Fluent outage up to FLUENT_OUTAGE_TOLERANCE_SECONDS, then fail with
their checkpoint kept; the run's report says how long Fluent was unavailable."""

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.connectors.fluent.test_fluent_connector import seed_catalog
from tests.connectors.fluent.test_fluent_inbound_jobs import OLD, stock, supply_channel

LOAD = "fluent.load-products"
# seed_catalog: 2 categories, then per product 1 standard + 3 variant events; pages of 7.
FIRST_PAGE_EVENTS = 2 + 7 * 4


@pytest.fixture
def tolerance():
    return 900.0


@pytest.fixture
def fluent_settings(fluent_settings, tolerance):
    return fluent_settings.model_copy(update={"fluent_outage_tolerance_seconds": tolerance})


async def until(condition, what: str) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def finished(engine, run_id):
    run = await engine.jobs.get(run_id)
    for _ in range(1000):
        if run.status not in ("running", "queued"):
            return run
        await asyncio.sleep(0.02)
        run = await engine.jobs.get(run_id)
    raise AssertionError(f"run {run_id} still {run.status}")


def standard_products(fluent) -> list[str]:
    return sorted(p["ref"] for p in fluent.entities("PRODUCT") if p["type"] == "STANDARD")


async def test_the_catalogue_load_rides_out_an_outage_and_reports_how_long_it_lasted(
    ct, fluent, engine
):
    seed_catalog(ct, products=14)
    fluent.start_outage(after_events=FIRST_PAGE_EVENTS)
    run_id = await engine.start_job(LOAD)
    await until(lambda: fluent.refused_during_outage() >= 10, "calls refused by the outage")
    fluent.end_outage()
    run = await finished(engine, run_id)
    assert run.status == "succeeded", run.error
    counts = run.report.counts
    assert counts["products_sent"] == 14 and counts["failed"] == 0
    assert counts["fluent_outages"] == 1 and counts["fluent_unavailable_seconds"] >= 1
    assert counts["fluent_failed_calls"] >= 10
    assert any(d["outcome"] == "fluent_unavailable" for d in run.report.details)
    fluent.wait_for_events(10)
    assert standard_products(fluent) == sorted(f"shirt-{n}" for n in range(14))


@pytest.mark.parametrize("tolerance", [0.5])
async def test_beyond_the_tolerance_the_load_fails_and_resumes_from_its_checkpoint(
    ct, fluent, engine
):
    seed_catalog(ct, products=14)
    fluent.start_outage(after_events=FIRST_PAGE_EVENTS)
    failed = await engine.run_job(LOAD)
    assert failed.status == "failed" and "tolerance" in (failed.error or "")
    assert failed.report.counts["fluent_unavailable_seconds"] >= 1
    checkpoint = await engine.runtime.state.get("checkpoints", LOAD)
    assert checkpoint["categories_sent"] and checkpoint["done"] == 7
    fluent.wait_for_events(10)
    first_page = standard_products(fluent)
    assert len(first_page) == 7

    fluent.end_outage()
    resumed = await engine.run_job(LOAD)
    assert resumed.status == "succeeded", resumed.error
    assert resumed.report.counts["products_sent"] == 7  # only the pages not yet sent
    assert "fluent_outages" not in resumed.report.counts
    fluent.wait_for_events(10)
    assert standard_products(fluent) == sorted(f"shirt-{n}" for n in range(14))
    standard_events = [
        e["attributes"]["ref"]
        for e in fluent.events()
        if e["name"] == "UPSERT_PRODUCT" and e["attributes"]["type"] == "STANDARD"
    ]
    assert sorted(standard_events) == standard_products(fluent)  # none sent twice


def inventory_ready(ct, fluent, inbound):
    channel = supply_channel(ct)
    connector = inbound.connectors["fluent"]
    connector._inventory.channel_key = "fluent-ats"
    connector._inventory.catalogue_ref = "ATS:1"
    fluent.availability.set_virtual_position("ATS:1", "shirt-s", 5, updated_on=OLD)
    return channel


async def test_the_inventory_sync_rides_out_an_outage(ct, fluent, inbound):
    channel = inventory_ready(ct, fluent, inbound)
    fluent.start_outage()
    run_id = await inbound.start_job("fluent.inventory-sync")
    await until(lambda: fluent.refused_during_outage() >= 3, "calls refused by the outage")
    fluent.end_outage()
    run = await finished(inbound, run_id)
    assert run.status == "succeeded", run.error
    assert stock(ct, channel["id"]) == {"shirt-s": 5}
    assert run.report.counts["fluent_outages"] == 1


@pytest.mark.parametrize("tolerance", [0.3])
async def test_beyond_the_tolerance_a_sync_fails_and_keeps_its_watermark(ct, fluent, inbound):
    channel = inventory_ready(ct, fluent, inbound)
    fluent.start_outage()
    for job in ("inventory-sync", "location-sync"):
        run = await inbound.run_job(f"fluent.{job}")
        assert run.status == "failed" and "tolerance" in (run.error or ""), job
        assert run.report.counts["fluent_unavailable_seconds"] >= 1
        assert await inbound.runtime.state.get("checkpoints", f"fluent.{job}") is None
    fluent.end_outage()
    assert (await inbound.run_job("fluent.inventory-sync")).status == "succeeded"
    assert stock(ct, channel["id"]) == {"shirt-s": 5}


def test_concurrent_failures_count_as_one_outage_measured_once():
    from ctbridge.connectors.fluent.client.outage import OutageWindow

    now = [0.0]
    window = OutageWindow(tolerance=5.0, clock=lambda: now[0])
    assert window.failed() == 0.0
    now[0] = 1.0
    assert window.failed() == 1.0  # a second call failing in the same outage
    now[0] = 3.0
    window.succeeded()
    now[0] = 10.0
    assert window.failed() == 0.0 and not window.exceeded(0.0)
    now[0] = 15.0
    assert window.exceeded(window.failed())
    assert (window.outages, window.failed_calls, window.unavailable_seconds()) == (2, 4, 8.0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["fail", "ok"]), st.floats(0, 10, allow_nan=False)),
        max_size=40,
    )
)
def test_unavailable_time_is_the_union_of_outages_however_calls_interleave(steps):
    """Calls of one run fail and succeed in any interleaving: an outage runs from the first
    failure to the next success, and the total is the sum of those spans."""
    from ctbridge.connectors.fluent.client.outage import OutageWindow

    now = [0.0]
    window = OutageWindow(tolerance=1e9, clock=lambda: now[0])
    expected, outages, down_since = 0.0, 0, None
    for kind, wait in steps:
        now[0] += wait
        if kind == "fail":
            window.failed()
            if down_since is None:
                down_since, outages = now[0], outages + 1
        else:
            window.succeeded()
            if down_since is not None:
                expected, down_since = expected + now[0] - down_since, None
    ongoing = now[0] - down_since if down_since is not None else 0.0
    assert window.outages == outages
    assert abs(window.unavailable_seconds() - (expected + ongoing)) < 1e-6
