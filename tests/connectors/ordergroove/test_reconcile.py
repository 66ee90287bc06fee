"""Reconciliation re-sends only the variants whose mapped payload changed since accepted."""

from decimal import Decimal

from .seeding import add_catalogue

LOAD = "ordergroove.load-products"
RECONCILE = "ordergroove.reconcile"


async def test_reconcile_is_off_by_default(engine):
    _, spec = engine.registry.jobs()[RECONCILE]
    assert spec.schedule is None


async def test_reconcile_sends_nothing_when_nothing_changed(ct, og, engine):
    add_catalogue(ct, products=4, variants=2)
    await engine.run_job(LOAD)
    og.calls.clear()
    run = await engine.run_job(RECONCILE)
    assert run.status == "succeeded"
    assert og.calls == {}
    assert run.report.counts["unchanged"] == 8


async def test_reconcile_sends_only_the_changed_variant(ct, og, engine):
    products = add_catalogue(ct, products=4, variants=2)
    await engine.run_job(LOAD)
    og.calls.clear()
    # A change that emitted no message the connector saw (e.g. while it was down).
    ct.update(
        "products",
        products[2]["id"],
        [
            {
                "action": "setPrices",
                "sku": "P0002-2",
                "prices": [{"value": {"currencyCode": "EUR", "centAmount": 777}}],
            },
            {"action": "publish"},
        ],
    )
    run = await engine.run_job(RECONCILE)
    assert run.status == "succeeded", run.error
    assert og.calls == {"update": 1}
    assert [[item["product_id"] for item in batch] for batch in og.updates] == [["P0002-2"]]
    assert og.product("P0002-2")["price"] == Decimal("7.77")
    assert run.report.counts["sent"] == 1

    og.calls.clear()
    again = await engine.run_job(RECONCILE)
    assert again.status == "succeeded"
    assert og.calls == {}


async def test_reconcile_creates_variants_ordergroove_never_accepted(ct, og, engine):
    add_catalogue(ct, products=2, variants=1)
    run = await engine.run_job(RECONCILE)
    assert run.status == "succeeded"
    assert og.calls == {"create": 1}
    assert og.snapshot()["products"] == 2
