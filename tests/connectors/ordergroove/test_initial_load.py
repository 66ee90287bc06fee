"""The initial load: exact batches, reports with reasons, upserts without GETs, resumable."""

from decimal import Decimal

import pytest

from ctbridge.engine.jobs import CHECKPOINTS

from .seeding import add_catalogue, add_product

LOAD = "ordergroove.load-products"


async def test_load_sends_every_variant_once_in_exact_batches_of_100(ct, og, engine):
    add_catalogue(ct, products=50, variants=5)
    run = await engine.run_job(LOAD)
    assert run.status == "succeeded", run.error
    assert og.calls == {"create": 3}
    assert og.snapshot()["products"] == 250
    assert og.snapshot()["created_more_than_once"] == 0
    assert run.report.counts["sent"] == 250
    assert run.progress_done == 50


async def test_loaded_products_carry_the_mapped_fields(ct, og, engine):
    product = add_product(ct, "COF", 2, cents=1299)
    inventory = ct.create("inventory", {"sku": "COF-2", "quantityOnStock": 0})
    assert inventory["availableQuantity"] == 0
    await engine.run_job(LOAD)
    first, second = og.product("COF-1"), og.product("COF-2")
    assert first["name"] == "Product COF"
    assert first["sku"] == "COF-1"
    assert first["price"] == Decimal("12.99")
    assert second["price"] == Decimal("13.00")
    assert first["live"] is True and second["live"] is False
    assert first["image_url"] == "https://img.example/COF-1.jpg"
    assert first["detail_url"] == "https://shop.example/p/product-cof"
    assert product["id"]


async def test_unsendable_variants_are_skipped_with_reasons_and_the_rest_still_sent(ct, og, engine):
    add_product(ct, "OK", 2)
    add_product(ct, "NONAME", 2, name={"de-DE": "Nur Deutsch"})
    add_product(ct, "USD", 1, prices=[{"value": {"currencyCode": "USD", "centAmount": 100}}])
    run = await engine.run_job(LOAD)
    assert run.status == "succeeded"
    assert set(og.products) == {"OK-1", "OK-2"}
    assert run.report.counts["skipped"] == 3
    reasons = {d["id"]: d["reason"] for d in run.report.details if d["outcome"] == "skipped"}
    assert reasons["NONAME-1"] == "product has no name in locale en-US"
    assert reasons["USD-1"] == "no embedded price for EUR"


async def test_a_reload_updates_changed_prices_through_the_bulk_update(ct, og, engine):
    products = add_catalogue(ct, products=3, variants=1)
    await engine.run_job(LOAD)
    og.calls.clear()
    new_price = {"value": {"currencyCode": "EUR", "centAmount": 4200}}
    ct.update(
        "products",
        products[0]["id"],
        [
            {"action": "setPrices", "variantId": 1, "prices": [new_price]},
            {"action": "publish"},
        ],
    )
    run = await engine.run_job(LOAD)
    assert run.status == "succeeded", run.error
    assert run.report.counts["sent"] == 3
    assert og.calls == {"update": 1}
    assert og.product("P0000-1")["price"] == Decimal("42.00")


async def test_items_that_exist_only_in_ordergroove_fall_back_from_create_to_update(ct, og, engine):
    add_catalogue(ct, products=4, variants=1)
    og.products["P0001-1"] = {"product_id": "P0001-1", "name": "old", "live": True}
    run = await engine.run_job(LOAD)
    assert run.status == "succeeded"
    assert og.calls == {"create": 1, "update": 1}
    assert og.product("P0001-1")["name"] == "Product P0001"
    assert run.report.counts["sent"] == 4
    assert [[i["product_id"] for i in batch] for batch in og.updates] == [["P0001-1"]]


async def test_per_item_rejections_are_reported_and_the_rest_succeed(ct, og, engine):
    add_catalogue(ct, products=5, variants=1)
    og.reject_items = {"P0002-1"}
    run = await engine.run_job(LOAD)
    assert run.status == "succeeded"
    assert run.report.counts["sent"] == 4
    failures = [d for d in run.report.details if d["outcome"] == "failed"]
    assert [f["id"] for f in failures] == ["P0002-1"]
    assert "create 400" in failures[0]["reason"] and "update 400" in failures[0]["reason"]


async def test_a_load_killed_half_way_resumes_after_its_checkpoint_without_duplicates(
    ct, og, engine
):
    add_catalogue(ct, products=50, variants=5)
    og.forbid_after_calls = 2  # the key is revoked after two accepted batches
    first = await engine.run_job(LOAD)
    assert first.status == "failed"
    assert "403" in first.error
    checkpoint = await engine.runtime.state.get(CHECKPOINTS, LOAD)
    assert checkpoint["counts"] == {"sent": 200}
    assert checkpoint["products"] == 40
    assert og.snapshot()["products"] == 200

    og.forbid_after_calls = None
    second = await engine.run_job(LOAD)
    assert second.status == "succeeded", second.error
    assert og.calls == {"create": 3}
    assert og.snapshot()["products"] == 250
    assert og.snapshot()["created_more_than_once"] == 0
    assert second.report.counts["sent"] == 250
    assert await engine.runtime.state.get(CHECKPOINTS, LOAD) is None


async def test_throttled_calls_wait_for_retry_after_and_the_load_completes(ct, og, engine):
    add_catalogue(ct, products=3, variants=1)
    og.faults.configure(throttle_next=2, retry_after=0.05, paths=["/products-batch"])
    run = await engine.run_job(LOAD)
    assert run.status == "succeeded"
    assert og.faults.injected["throttled"] == 2
    assert og.snapshot()["products"] == 3


async def test_a_refused_call_fails_the_load_at_once_instead_of_retrying_forever(ct, og, engine):
    add_catalogue(ct, products=2, variants=1)
    og.api_key = "rotated"
    run = await engine.run_job(LOAD)
    assert run.status == "failed"
    assert og.snapshot()["refused"] == {"forbidden": 1}


async def test_a_second_load_goes_through_update_only(ct, og, engine):
    add_catalogue(ct, products=3, variants=2)
    await engine.run_job(LOAD)
    og.calls.clear()
    run = await engine.run_job(LOAD)
    assert run.status == "succeeded"
    assert og.calls == {"update": 1}
    assert run.report.counts["sent"] == 6


@pytest.mark.parametrize("answer", ["item-400", "conflict-409", "upsert-200"])
async def test_products_ordergroove_already_holds_are_neither_failed_nor_created_twice(
    ct, og, engine, answer
):
    og.duplicate_create = answer
    add_catalogue(ct, products=4, variants=1)
    og.products["P0001-1"] = {"product_id": "P0001-1", "name": "old", "live": True}
    og.created["P0001-1"] = 1
    run = await engine.run_job(LOAD)
    assert run.status == "succeeded", run.error
    assert run.report.counts["sent"] == 4
    assert og.product("P0001-1")["name"] == "Product P0001"
    assert set(og.products) == {"P0000-1", "P0001-1", "P0002-1", "P0003-1"}
    assert og.snapshot()["created_more_than_once"] == 0
    og.calls.clear()
    second = await engine.run_job(LOAD)  # the ledger now knows all four: one bulk update
    assert second.status == "succeeded"
    assert og.calls == {"update": 1}


async def test_a_load_rides_out_an_ordergroove_outage_and_sends_every_variant_once(
    ct, og, open_engine, og_settings
):
    add_catalogue(ct, products=50, variants=10)  # 500 variants: 5 calls
    og.outage_after = (2, 5.0)  # Ordergroove answers 503 for 5 s after two accepted calls
    engine = await open_engine(og_settings)
    try:
        run = await engine.run_job(LOAD)
    finally:
        await engine.close()
    assert run.status == "succeeded", run.error
    assert og.calls == {"create": 5}
    assert og.snapshot()["products"] == 500
    assert og.snapshot()["created_more_than_once"] == 0
    assert og.refused["unavailable"] >= 1
    assert run.report.counts["sent"] == 500
    assert run.report.counts["ordergroove_unavailable_seconds"] >= 4
    (note,) = [d for d in run.report.details if d["outcome"] == "ordergroove_unavailable"]
    assert note["reason"].startswith("Ordergroove was unavailable for")


async def test_an_outage_longer_than_tolerated_fails_the_load_with_its_checkpoint_intact(
    ct, og, open_engine, og_settings
):
    add_catalogue(ct, products=50, variants=5)
    og.outage_after = (2, 600.0)
    settings = og_settings.model_copy(
        update={"og_outage_tolerance_seconds": 1.0, "og_max_retries": 0}
    )
    engine = await open_engine(settings)
    try:
        run = await engine.run_job(LOAD)
        checkpoint = await engine.runtime.state.get(CHECKPOINTS, LOAD)
    finally:
        await engine.close()
    assert run.status == "failed"
    assert run.error.startswith("OrdergrooveOutage: Ordergroove was unavailable for")
    assert checkpoint["counts"] == {"sent": 200}
    assert run.report.counts["ordergroove_unavailable"] == 1
