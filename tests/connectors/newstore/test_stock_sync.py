"""The stock-sync job end to end: NewStore emulator → ctbridge engine → commercetools emulator."""

import asyncio
import sqlite3

import pytest
from structlog.testing import capture_logs
from tests.connectors.newstore.conftest import BeforeFirstRequest, inventory, seed_products
from tests.engine.test_job_leases import wait_until

JOB = "newstore.stock-sync"


async def run_job(world, params=None, **settings):
    engine = await world.engine(**settings)
    try:
        return await engine.run_job(JOB, params)
    finally:
        await engine.close()


def counts(run):
    return {k: v for k, v in run.report.counts.items() if v}


async def test_the_job_is_scheduled_every_five_minutes_by_default(world):
    engine = await world.engine()
    try:
        connector, spec = engine.registry.jobs()[JOB]
        assert (connector, spec.schedule) == ("newstore", "*/5 * * * *")
    finally:
        await engine.close()


async def test_every_one_of_more_than_200_stock_rows_reaches_commercetools(world):
    skus = [f"SKU-{n:03}" for n in range(150)]
    seed_products(world.ct, skus)
    for n, sku in enumerate(skus):
        for node in range(3):
            world.newstore.set_stock(sku, f"DC{node}", n + node)
    run = await run_job(world, stock_page_size=100)
    assert run.status == "succeeded", run.error
    assert counts(run) == {"rows_read": 450, "created": 150, "written": 150}
    entries = inventory(world.ct)
    assert len(entries) == 150
    assert all(entries[(sku, None)]["availableQuantity"] == 3 * n + 3 for n, sku in enumerate(skus))


async def test_available_quantity_equals_atp_when_commercetools_holds_reservations(world):
    for sku, on_stock in (("RES", 10), ("SAME", 10)):
        world.ct.create("inventory", {"sku": sku, "quantityOnStock": on_stock})
        world.ct.reserve(sku, 3)
    world.newstore.set_stock("RES", "DC1", 5)
    world.newstore.set_stock("SAME", "DC1", 7)
    run = await run_job(world)
    assert counts(run) == {"rows_read": 2, "updated": 1, "unchanged": 1, "written": 1}
    entries = inventory(world.ct)
    assert (
        entries[("RES", None)]["quantityOnStock"],
        entries[("RES", None)]["availableQuantity"],
    ) == (8, 5)
    assert entries[("SAME", None)]["version"] == 1


async def test_a_second_run_writes_nothing_when_nothing_changed(world):
    seed_products(world.ct, ["A", "B"])
    world.newstore.set_stock("A", "DC1", 4)
    world.newstore.set_stock("B", "DC1", 2)
    first = await run_job(world)
    second = await run_job(world)
    assert first.report.counts["created"] == 2
    assert counts(second) == {"rows_read": 2, "unchanged": 2}


async def test_a_missing_entry_is_created_only_when_a_product_variant_has_the_sku(world):
    seed_products(world.ct, ["KNOWN"])
    world.newstore.set_stock("KNOWN", "DC1", 4)
    world.newstore.set_stock("GHOST", "DC1", 9)
    run = await run_job(world)
    assert counts(run) == {"rows_read": 2, "created": 1, "not_found": 1, "written": 1}
    assert [d for d in run.report.details if d["outcome"] == "not_found"] == [
        {"outcome": "not_found", "id": "GHOST", "reason": "no product variant has it"}
    ]
    assert set(inventory(world.ct)) == {("KNOWN", None)}


@pytest.mark.parametrize(("policy", "created"), [("always", {"GHOST"}), ("never", set())])
async def test_the_missing_entry_policy_can_create_always_or_never(world, policy, created):
    world.newstore.set_stock("GHOST", "DC1", 9)
    await run_job(world, create_missing=policy)
    assert {sku for sku, _ in inventory(world.ct)} == created


async def test_entries_that_left_the_feed_are_zeroed_after_a_complete_read(world):
    world.ct.create("inventory", {"sku": "GONE", "quantityOnStock": 6})
    world.ct.create("inventory", {"sku": "STAYS", "quantityOnStock": 1})
    world.newstore.set_stock("STAYS", "DC1", 1)
    run = await run_job(world)
    assert counts(run) == {"rows_read": 1, "unchanged": 1, "zeroed": 1, "written": 1}
    assert inventory(world.ct)[("GONE", None)]["availableQuantity"] == 0


async def test_zeroing_can_be_switched_off(world):
    world.ct.create("inventory", {"sku": "GONE", "quantityOnStock": 6})
    world.newstore.set_stock("OTHER", "DC1", 1)
    await run_job(world, zero_missing=False, create_missing="never")
    assert inventory(world.ct)[("GONE", None)]["availableQuantity"] == 6


@pytest.fixture
def feed_grows_mid_read(wrap_newstore):
    """A row appears in NewStore just before the second stocked-products page is served."""
    holder = {}

    def wrap(app):
        return _OnSecondPage(app, lambda: holder["emulator"].set_stock("LATE", "DC1", 1))

    wrap_newstore.append(wrap)
    return holder


class _OnSecondPage:
    def __init__(self, app, action):
        self.app, self.action, self.pages = app, action, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].endswith("/stocked_products"):
            self.pages += 1
            if self.pages == 2:
                self.action()
        await self.app(scope, receive, send)


async def test_nothing_is_zeroed_when_the_feed_changed_during_the_read(feed_grows_mid_read, world):
    feed_grows_mid_read["emulator"] = world.newstore
    world.ct.create("inventory", {"sku": "GONE", "quantityOnStock": 6})
    for n in range(3):
        world.newstore.set_stock(f"S{n}", "DC1", 1)
    run = await run_job(world, stock_page_size=2, create_missing="never")
    assert run.report.counts["incomplete_read"] == 1
    assert run.report.counts["zeroed"] == 0
    assert inventory(world.ct)[("GONE", None)]["availableQuantity"] == 6


@pytest.fixture
def concurrent_change(ct_emulator, wrap_ct):
    """Just before the job's first inventory write, an order reserves 3 units of "HOT" and a
    merchant edits the entry: the version the job read is stale."""

    def change():
        entry = next(e for e in ct_emulator.all("inventory") if e["sku"] == "HOT")
        ct_emulator.reserve("HOT", 3)
        ct_emulator.update(
            "inventory", entry["id"], [{"action": "setRestockableInDays", "restockableInDays": 2}]
        )

    fired = []

    def wrap(app):
        fired.append(BeforeFirstRequest(app, "POST", "/inventory/", change))
        return fired[-1]

    wrap_ct.append(wrap)
    return fired


async def test_a_conflict_during_the_job_is_recomputed_from_a_fresh_read(concurrent_change, world):
    world.ct.create("inventory", {"sku": "HOT", "quantityOnStock": 10})
    world.newstore.set_stock("HOT", "DC1", 4)
    run = await run_job(world)
    assert counts(run) == {"rows_read": 1, "updated": 1, "written": 1}
    entry = inventory(world.ct)[("HOT", None)]
    assert concurrent_change[0].fired
    assert (entry["quantityOnStock"], entry["availableQuantity"]) == (7, 4)
    assert entry["restockableInDays"] == 2


async def test_per_channel_mode_writes_one_entry_per_mapped_supply_channel(world):
    web = world.ct.create("channels", {"key": "web-dc", "roles": ["InventorySupply"]})
    store = world.ct.create("channels", {"key": "berlin-store", "roles": ["InventorySupply"]})
    seed_products(world.ct, ["A"])
    world.ct.create("inventory", {"sku": "A", "quantityOnStock": 99})
    world.newstore.set_stock("A", "DC1", 2)
    world.newstore.set_stock("A", "DC2", 3)
    world.newstore.set_stock("A", "STORE1", 5)
    world.newstore.set_stock("A", "UNMAPPED", 50)
    run = await run_job(
        world, node_channels={"DC1": "web-dc", "DC2": "web-dc", "STORE1": "berlin-store"}
    )
    assert counts(run) == {"rows_read": 4, "rows_ignored": 1, "created": 2, "written": 2}
    entries = inventory(world.ct)
    assert entries[("A", web["id"])]["availableQuantity"] == 5
    assert entries[("A", store["id"])]["availableQuantity"] == 5
    assert entries[("A", None)]["availableQuantity"] == 99


async def test_an_unknown_channel_key_fails_the_run(world):
    world.newstore.set_stock("A", "DC1", 2)
    run = await run_job(world, node_channels={"DC1": "nope"})
    assert run.status == "failed"
    assert "nope" in run.error


async def test_incremental_runs_read_only_what_changed_after_the_watermark(world):
    world.newstore.export_polls = 0
    seed_products(world.ct, ["A", "B", "C"])
    for sku in ("A", "B", "C"):
        world.newstore.set_stock(sku, "DC1", 5)
    world.ct.create("inventory", {"sku": "OLD", "quantityOnStock": 3})
    first = await run_job(world, stock_source="export")
    assert counts(first) == {"rows_read": 3, "created": 3, "zeroed": 1, "written": 4}
    world.newstore.set_stock("B", "DC1", 1)
    world.ct.create("inventory", {"sku": "NEW-IN-CT", "quantityOnStock": 3})
    second = await run_job(world, stock_source="export")
    assert counts(second) == {"rows_read": 1, "updated": 1, "written": 1}
    assert inventory(world.ct)[("B", None)]["availableQuantity"] == 1
    assert inventory(world.ct)[("NEW-IN-CT", None)]["availableQuantity"] == 3
    full = await run_job(world, {"full": "true"}, stock_source="export")
    assert full.report.counts["zeroed"] == 1


async def test_by_default_the_job_reads_the_documented_stocked_products_never_the_export(world):
    seed_products(world.ct, ["A"])
    world.newstore.set_stock("A", "DC1", 5)
    run = await run_job(world, stock_source=...)
    assert counts(run) == {"rows_read": 1, "created": 1, "written": 1}
    assert world.newstore.count("POST", "/v0/d/availabilities/export") == 0


@pytest.mark.parametrize("status", [403, 404, 405])
async def test_an_opted_in_export_refused_with_any_4xx_falls_back_with_one_warning(world, status):
    world.newstore.export_enabled = False
    world.newstore.export_missing_status = status
    seed_products(world.ct, ["A"])
    world.newstore.set_stock("A", "DC1", 5)
    engine = await world.engine(stock_source="export")
    try:
        with capture_logs() as logs:
            first = await engine.run_job(JOB)
            probes = world.newstore.count("POST", "/v0/d/availabilities/export")
            world.newstore.set_stock("A", "DC1", 6)
            second = await engine.run_job(JOB)
    finally:
        await engine.close()
    assert (first.status, second.status) == ("succeeded", "succeeded")
    assert counts(first) == {"rows_read": 1, "created": 1, "written": 1}
    assert counts(second) == {"rows_read": 1, "updated": 1, "written": 1}
    warnings = [e for e in logs if e["event"] == "newstore.export_unavailable"]
    assert len(warnings) == 1 and warnings[0]["log_level"] == "warning"
    # One probe (a 403 is asked once more with a fresh token), and none in later runs.
    assert probes == (2 if status == 403 else 1)
    assert world.newstore.count("POST", "/v0/d/availabilities/export") == probes


async def test_without_outage_tolerance_a_failing_newstore_read_fails_the_run_and_writes_nothing(
    world,
):
    world.ct.create("inventory", {"sku": "GONE", "quantityOnStock": 6})
    world.newstore.set_stock("A", "DC1", 1)
    world.newstore.faults.configure(fail_next=10, error_status=503, paths=["/_/"])
    run = await run_job(world, outage_tolerance_seconds=0)
    assert run.status == "failed"
    assert inventory(world.ct)[("GONE", None)]["version"] == 1


async def test_one_failing_write_is_reported_and_the_others_proceed(world):
    bad = world.ct.create("inventory", {"sku": "BAD", "quantityOnStock": 1})
    world.ct.create("inventory", {"sku": "GOOD", "quantityOnStock": 1})
    world.newstore.set_stock("BAD", "DC1", 5)
    world.newstore.set_stock("GOOD", "DC1", 5)
    world.ct.faults.configure(
        fail_next=1, error_status=400, paths=[f"/sandbox/inventory/{bad['id']}"]
    )
    run = await run_job(world)
    assert run.status == "succeeded"
    assert counts(run) == {"rows_read": 2, "updated": 1, "failed": 1, "written": 1}
    assert [d["id"] for d in run.report.details if d["outcome"] == "failed"] == ["BAD"]
    assert inventory(world.ct)[("GOOD", None)]["availableQuantity"] == 5


@pytest.fixture
def created_meanwhile(ct_emulator, wrap_ct):
    """Another writer creates the "RACE" entry just before the job's create reaches commercetools."""

    def create():
        ct_emulator.create("inventory", {"sku": "RACE", "quantityOnStock": 1})

    wrap_ct.append(lambda app: BeforeFirstRequest(app, "POST", "/inventory", create))


async def test_an_entry_created_meanwhile_is_updated_instead(created_meanwhile, world):
    seed_products(world.ct, ["RACE"])
    world.newstore.set_stock("RACE", "DC1", 6)
    run = await run_job(world)
    assert counts(run) == {"rows_read": 1, "updated": 1, "written": 1}
    assert [e["availableQuantity"] for e in world.ct.all("inventory")] == [6]


async def test_the_watermark_stays_put_while_a_write_keeps_failing(world):
    world.newstore.export_polls = 0
    entry = world.ct.create("inventory", {"sku": "A", "quantityOnStock": 1})
    world.newstore.set_stock("A", "DC1", 1)
    await run_job(world, stock_source="export")
    world.newstore.set_stock("A", "DC1", 4)
    world.ct.faults.configure(
        fail_next=1, error_status=400, paths=[f"/sandbox/inventory/{entry['id']}"]
    )
    failed = await run_job(world, stock_source="export")
    retried = await run_job(world, stock_source="export")
    assert (failed.report.counts["failed"], retried.report.counts["updated"]) == (1, 1)
    assert inventory(world.ct)[("A", None)]["availableQuantity"] == 4


async def test_a_run_after_the_newstore_token_expired_refreshes_it_and_succeeds(world):
    world.ct.create("inventory", {"sku": "A", "quantityOnStock": 1})
    world.newstore.set_stock("A", "DC1", 2)
    engine = await world.engine()
    try:
        first = await engine.run_job(JOB)
        world.newstore.expire_tokens()
        world.newstore.set_stock("A", "DC1", 3)
        second = await engine.run_job(JOB)
    finally:
        await engine.close()
    assert (first.status, second.status) == ("succeeded", "succeeded")
    assert world.newstore.tokens_issued == 2
    assert inventory(world.ct)[("A", None)]["availableQuantity"] == 3


class CountRequests:
    """ASGI wrapper counting the requests that reach commercetools, by method and path."""

    def __init__(self, app):
        self.app, self.calls = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.calls.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


@pytest.fixture
def ct_calls(wrap_ct):
    counters = []

    def wrap(app):
        counters.append(CountRequests(app))
        return counters[0]

    wrap_ct.append(wrap)
    return counters


async def test_66_skus_cost_one_inventory_read_and_one_call_per_change(ct_calls, world):
    """The reference reads all entries once and writes each change (10 calls for 9 changes);
    ctbridge reads at most 500 entries a call and writes only what differs."""
    for n in range(66):
        world.ct.create("inventory", {"sku": f"SKU-{n:02}", "quantityOnStock": n + (n % 7 == 0)})
        world.newstore.set_stock(f"SKU-{n:02}", "DC1", n)
    run = await run_job(world)
    assert counts(run) == {"rows_read": 66, "updated": 10, "unchanged": 56, "written": 10}
    api = [(m, p) for m, p in ct_calls[0].calls if not p.startswith("/oauth")]
    assert [p for m, p in api if m == "GET"] == ["/sandbox/inventory"]
    assert len(api) == 1 + 10


async def test_more_entries_than_one_page_are_streamed_updated_and_zeroed(world):
    for n in range(1200):
        world.ct.create("inventory", {"sku": f"S{n:04}", "quantityOnStock": 5})
        if n % 3:
            world.newstore.set_stock(f"S{n:04}", "DC1", 5 if n % 2 else 4)
    run = await run_job(world)
    changed = sum(1 for n in range(1200) if n % 3 and not n % 2)
    assert counts(run) == {
        "rows_read": 800,
        "updated": changed,
        "zeroed": 400,
        "unchanged": 800 - changed,
        "written": changed + 400,
    }
    quantities = {e["sku"]: e["availableQuantity"] for e in world.ct.all("inventory")}
    assert quantities["S0000"] == 0 and quantities["S0001"] == 5 and quantities["S0002"] == 4


async def test_a_newstore_outage_shorter_than_the_tolerance_is_ridden_out_and_reported(world):
    world.ct.create("inventory", {"sku": "A", "quantityOnStock": 1})
    world.newstore.set_stock("A", "DC1", 4)
    world.newstore.faults.configure(fail_next=8, error_status=503, paths=["/_/"])
    run = await run_job(world, outage_tolerance_seconds=60)
    assert run.status == "succeeded", run.error
    assert counts(run)["updated"] == 1
    assert run.report.counts["newstore_unavailable_ms"] > 0
    assert world.newstore.faults.injected["errors"] == 8


async def test_an_outage_longer_than_the_tolerance_fails_the_run_with_its_checkpoint_intact(world):
    world.newstore.export_polls = 0
    world.ct.create("inventory", {"sku": "A", "quantityOnStock": 1})
    world.newstore.set_stock("A", "DC1", 4)
    settings = {"stock_source": "export", "outage_tolerance_seconds": 0.3}
    engine = await world.engine(**settings)
    try:
        first = await engine.run_job(JOB)
        saved = await engine.runtime.state.get("checkpoints", JOB)
        world.newstore.set_stock("A", "DC1", 2)
        world.newstore.faults.configure(error_rate=1.0, error_status=503, paths=["/v0/d/"])
        down = await engine.run_job(JOB)
        kept = await engine.runtime.state.get("checkpoints", JOB)
        world.newstore.faults.configure()
        after = await engine.run_job(JOB)
    finally:
        await engine.close()
    assert first.status == "succeeded" and saved and saved["watermark"]
    assert down.status == "failed"
    assert "NewStore unavailable for" in down.error
    assert "NEW_STORE_OUTAGE_TOLERANCE_SECONDS=0.3" in down.error
    assert down.report.counts["newstore_unavailable_ms"] >= 300
    assert kept == saved
    assert after.status == "succeeded"
    assert counts(after) == {"rows_read": 1, "updated": 1, "written": 1}


async def test_a_runs_tokens_are_fetched_while_its_record_waits_for_the_store(world):
    """The job's warm-up: both tokens are fetched beside the run's opening (here held up by
    another process's write), and the run's own calls use them instead of fetching again."""
    world.ct.create("inventory", {"sku": "A", "quantityOnStock": 1})
    world.newstore.set_stock("A", "DC1", 2)
    engine = await world.engine()
    other_process = sqlite3.connect(engine.store.path, timeout=0, isolation_level=None)
    try:
        other_process.execute("BEGIN IMMEDIATE")
        run = asyncio.create_task(engine.run_job(JOB))
        await wait_until(lambda: world.newstore.tokens_issued and world.ct.tokens.issued)
        assert not run.done()  # the run's record still waits for the lock
        other_process.execute("COMMIT")
        finished = await asyncio.wait_for(run, 30)
    finally:
        other_process.close()
        await engine.close()
    assert finished.status == "succeeded", finished.error
    assert (world.newstore.tokens_issued, world.ct.tokens.issued) == (1, 1)
    assert inventory(world.ct)[("A", None)]["availableQuantity"] == 2
