"""Product and stock messages reach Ordergroove coalesced, current and as partial updates."""

from decimal import Decimal

from ctbridge.engine.inbox import Inbox

from .seeding import (
    add_catalogue,
    add_product,
    eur,
    platform_message,
    product_published,
    recorded,
)

LOAD = "ordergroove.load-products"


async def deliver(engine, *messages):
    for message in messages:
        assert await engine.runtime.enqueue(message)
    await engine.run_until_idle(timeout=30)


async def test_a_burst_of_product_published_costs_ceil_n_over_100_calls_plus_one_at_most(
    ct, og, engine
):
    products = add_catalogue(ct, products=250, variants=1)
    og.latency_ms = 200  # a slow target: events keep arriving while a batch is in flight
    await deliver(engine, *(product_published(ct, p) for p in products))
    assert og.snapshot()["products"] == 250
    assert og.calls.get("update", 0) == 0 and og.calls.get("get", 0) == 0
    assert og.calls["create"] <= 4, dict(og.calls)  # ceil(250 / 100) + 1


async def test_events_for_products_ordergroove_holds_go_straight_to_bulk_update(ct, og, engine):
    products = add_catalogue(ct, products=200, variants=1)
    assert (await engine.run_job(LOAD)).status == "succeeded"
    for product in products:
        ct.update("products", product["id"], [{"action": "publish"}])
    og.calls.clear()
    og.latency_ms = 200
    await deliver(engine, *(product_published(ct, p) for p in products))
    assert og.calls.get("create", 0) == 0
    assert og.calls["update"] <= 3, dict(og.calls)  # ceil(200 / 100) + 1


async def test_a_published_price_change_updates_the_existing_ordergroove_product(ct, og, engine):
    product = add_product(ct, "BEAN", 2, cents=1000)
    await engine.run_job(LOAD)
    og.calls.clear()
    ct.update(
        "products",
        product["id"],
        [
            {
                "action": "setPrices",
                "sku": "BEAN-1",
                "prices": [{"value": {"currencyCode": "EUR", "centAmount": 5}}],
            },
            {"action": "publish"},
        ],
    )
    await deliver(engine, product_published(ct, product))
    assert og.product("BEAN-1")["price"] == Decimal("0.05")
    assert og.calls == {"update": 1}


async def test_a_new_product_published_is_created(ct, og, engine):
    product = add_product(ct, "NEW", 3)
    await deliver(engine, product_published(ct, product))
    assert sorted(og.products) == ["NEW-1", "NEW-2", "NEW-3"]
    assert og.calls == {"create": 1}


async def test_variants_removed_from_a_product_become_not_live(ct, og, engine):
    product = add_product(ct, "RM", 3)
    await deliver(engine, product_published(ct, product))
    ct.update(
        "products",
        product["id"],
        [{"action": "removeVariant", "sku": "RM-3"}, {"action": "publish"}],
    )
    await deliver(engine, product_published(ct, product))
    assert og.product("RM-3")["live"] is False
    assert og.product("RM-1")["live"] is True
    assert {"product_id": "RM-3", "live": False} in [i for b in og.updates for i in b]


async def test_an_unpublished_product_becomes_not_live(ct, og, engine):
    product = add_product(ct, "UN", 2)
    await deliver(engine, product_published(ct, product))
    ct.update("products", product["id"], [{"action": "unpublish"}])
    await deliver(engine, *recorded(ct, "ProductUnpublished"))
    assert [og.product(s)["live"] for s in ("UN-1", "UN-2")] == [False, False]
    assert og.updates[-1] == [
        {"product_id": "UN-1", "live": False},
        {"product_id": "UN-2", "live": False},
    ]


async def test_a_deleted_product_becomes_not_live(ct, og, engine):
    product = add_product(ct, "DEL", 2)
    await deliver(engine, product_published(ct, product))
    ct.update("products", product["id"], [{"action": "unpublish"}])
    ct.delete("products", product["id"])
    await deliver(engine, *recorded(ct, "ProductDeleted"))
    assert [og.product(s)["live"] for s in ("DEL-1", "DEL-2")] == [False, False]


async def test_stock_changes_send_partial_live_updates(ct, og, engine):
    add_product(ct, "INV", 1)
    await engine.run_job(LOAD)
    entry = ct.create("inventory", {"sku": "INV-1", "quantityOnStock": 0})
    await deliver(engine, *recorded(ct, "InventoryEntryCreated"))
    assert og.product("INV-1")["live"] is False
    assert og.updates[-1] == [{"product_id": "INV-1", "live": False}]
    assert og.product("INV-1")["name"] == "Product INV"

    ct.update("inventory", entry["id"], [{"action": "changeQuantity", "quantity": 7}])
    await deliver(engine, *recorded(ct, "InventoryEntryQuantitySet"))
    assert og.product("INV-1")["live"] is True

    ct.delete("inventory", entry["id"])
    og.product("INV-1")
    await deliver(engine, *recorded(ct, "InventoryEntryDeleted"))
    assert og.product("INV-1")["live"] is True  # no inventory tracked again: live


async def test_an_unchanged_stock_flag_is_not_sent_again(ct, og, engine):
    add_product(ct, "SAME", 1)
    await engine.run_job(LOAD)
    og.calls.clear()
    ct.create("inventory", {"sku": "SAME-1", "quantityOnStock": 5})
    await deliver(engine, *recorded(ct, "InventoryEntryCreated"))
    assert og.calls == {}


async def test_an_order_that_sells_out_a_sku_makes_it_not_live(ct, og, engine):
    add_product(ct, "ORD", 2)
    ct.create("inventory", {"sku": "ORD-1", "quantityOnStock": 2})
    ct.create("inventory", {"sku": "ORD-2", "quantityOnStock": 9})
    await engine.run_job(LOAD)
    ct.create(
        "orders",
        {
            "inventoryMode": "ReserveOnOrder",
            "lineItems": [
                {
                    "name": {"en-US": "ORD"},
                    "variant": {"sku": sku},
                    "price": eur(1299),
                    "quantity": n,
                }
                for sku, n in (("ORD-1", 2), ("ORD-2", 1))
            ],
            "customLineItems": [{"name": {"en-US": "gift wrap"}}],
        },
    )
    (order,) = recorded(ct, "OrderCreated")
    await deliver(engine, order)
    assert og.product("ORD-1")["live"] is False
    assert og.product("ORD-2")["live"] is True
    assert og.updates[-1] == [{"product_id": "ORD-1", "live": False}]


async def test_orders_that_do_not_track_inventory_are_skipped(ct, og, engine):
    add_product(ct, "NT", 1)
    order = platform_message(
        "OrderCreated",
        {"typeId": "order", "id": "order-2"},
        order={
            "id": "order-2",
            "inventoryMode": "None",
            "lineItems": [{"variant": {"sku": "NT-1"}}],
        },
    )
    await deliver(engine, order)
    assert og.calls == {}


async def test_a_late_stock_message_never_sends_an_older_value(ct, og, engine):
    add_product(ct, "LATE", 1)
    await engine.run_job(LOAD)
    warehouse = ct.create("channels", {"key": "wh", "roles": ["InventorySupply"]})
    ct.create(
        "inventory",
        {
            "sku": "LATE-1",
            "quantityOnStock": 0,
            "supplyChannel": {"typeId": "channel", "id": warehouse["id"]},
        },
    )
    ct.create("inventory", {"sku": "LATE-1", "quantityOnStock": 3})
    empty_warehouse, stocked = recorded(ct, "InventoryEntryCreated")
    await deliver(engine, stocked)
    # The older news (an empty warehouse entry, another resource) arrives last; the sku is
    # still in stock elsewhere, so Ordergroove must keep live=True.
    await deliver(engine, empty_warehouse)
    assert og.product("LATE-1")["live"] is True
    assert all(item["live"] is True for batch in og.updates for item in batch)


async def test_a_rejected_variant_dead_letters_its_product_message_only(ct, og, engine):
    good, bad = add_product(ct, "GOOD", 1), add_product(ct, "BAD", 1)
    og.reject_items = {"BAD-1"}
    await deliver(engine, product_published(ct, good), product_published(ct, bad))
    assert og.product("GOOD-1") is not None
    dead = await Inbox(engine.store).dead_letters(connector="ordergroove")
    assert [d.resource_key for d in dead] == [f"product/{bad['id']}"]
    assert "BAD-1" in dead[0].last_error


async def test_throttled_event_calls_wait_and_succeed(ct, og, engine):
    product = add_product(ct, "THR", 1)
    og.faults.configure(throttle_next=1, retry_after=0.05, paths=["/products-batch"])
    await deliver(engine, product_published(ct, product))
    assert og.product("THR-1") is not None
    assert og.faults.injected["throttled"] == 1


async def test_a_removed_variant_whose_not_live_call_failed_is_made_not_live_on_the_next_publish(
    ct, og, open_engine, og_settings
):
    engine = await open_engine(og_settings.model_copy(update={"og_max_retries": 0}))
    try:
        product = add_product(ct, "LEDG", 3)
        await deliver(engine, product_published(ct, product))
        ct.update(
            "products",
            product["id"],
            [{"action": "removeVariant", "sku": "LEDG-3"}, {"action": "publish"}],
        )
        og.unavailable_for = {"LEDG-3"}  # the call that makes LEDG-3 not live fails
        assert await engine.runtime.enqueue(product_published(ct, product))
        await engine.run_until_idle(timeout=30, wait_for_retries=True)  # ends dead-lettered
        assert og.product("LEDG-3")["live"] is True
        og.unavailable_for = set()
        ct.update("products", product["id"], [{"action": "publish"}])
        await deliver(engine, product_published(ct, product))
        assert og.product("LEDG-3")["live"] is False
    finally:
        await engine.close()


async def test_a_load_between_never_forgets_a_removed_variant_still_live_in_ordergroove(
    ct, og, open_engine, og_settings
):
    engine = await open_engine(og_settings.model_copy(update={"og_max_retries": 0}))
    try:
        product = add_product(ct, "LDX", 3)
        await deliver(engine, product_published(ct, product))
        ct.update(
            "products",
            product["id"],
            [{"action": "removeVariant", "sku": "LDX-3"}, {"action": "publish"}],
        )
        og.unavailable_for = {"LDX-3"}
        assert await engine.runtime.enqueue(product_published(ct, product))
        await engine.run_until_idle(timeout=30, wait_for_retries=True)
        og.unavailable_for = set()
        assert (await engine.run_job(LOAD)).status == "succeeded"
        ct.update("products", product["id"], [{"action": "publish"}])
        await deliver(engine, product_published(ct, product))
        assert og.product("LDX-3")["live"] is False
    finally:
        await engine.close()


async def test_a_quantity_change_that_leaves_the_sku_in_stock_sends_nothing(ct, og, engine):
    add_product(ct, "QTY", 1)
    og.products["QTY-1"] = {"product_id": "QTY-1", "name": "Product QTY", "live": True}
    entry = ct.create("inventory", {"sku": "QTY-1", "quantityOnStock": 5})
    ct.update("inventory", entry["id"], [{"action": "changeQuantity", "quantity": 3}])
    await deliver(engine, *recorded(ct, "InventoryEntryQuantitySet"))
    assert og.calls == {} and og.refused == {}


async def test_a_quantity_change_to_zero_is_still_sent(ct, og, engine):
    add_product(ct, "ZERO", 1)
    og.products["ZERO-1"] = {"product_id": "ZERO-1", "name": "Product ZERO", "live": True}
    entry = ct.create("inventory", {"sku": "ZERO-1", "quantityOnStock": 5})
    ct.update("inventory", entry["id"], [{"action": "changeQuantity", "quantity": 0}])
    await deliver(engine, *recorded(ct, "InventoryEntryQuantitySet"))
    assert og.updates == [[{"product_id": "ZERO-1", "live": False}]]
