"""Generated inventory: every sku stocked, some entries per warehouse, reservations that fit."""

from ctbridge.sandbox.catalog import generate


def test_every_sku_has_at_least_one_inventory_entry():
    catalog = generate(seed=31, products=80, orders=0)
    skus = {v["sku"] for p in catalog.products for v in [p["masterVariant"], *p["variants"]]}
    assert {entry["sku"] for entry in catalog.inventory} == skus


def test_some_entries_are_bound_to_a_supply_channel_and_some_are_not():
    catalog = generate(seed=32, products=80, orders=0)
    supply = {c["key"] for c in catalog.channels if "InventorySupply" in c["roles"]}
    bound = [e for e in catalog.inventory if "supplyChannel" in e]
    assert bound and len(bound) < len(catalog.inventory)
    assert {e["supplyChannel"]["key"] for e in bound} <= supply
    assert all(e["supplyChannel"]["typeId"] == "channel" for e in bound)


def test_inventory_entries_are_unique_per_sku_and_channel():
    catalog = generate(seed=33, products=200, orders=0)
    pairs = [(e["sku"], e.get("supplyChannel", {}).get("key")) for e in catalog.inventory]
    assert len(pairs) == len(set(pairs))
    assert len({e["key"] for e in catalog.inventory}) == len(catalog.inventory)


def test_some_skus_are_out_of_stock_with_a_restock_estimate():
    catalog = generate(seed=34, products=100, orders=0)
    empty = [e for e in catalog.inventory if e["quantityOnStock"] == 0]
    assert empty and all(e["restockableInDays"] > 0 for e in empty)


def test_reservations_come_from_tracking_orders_and_hit_existing_entries():
    catalog = generate(seed=35, products=50, orders=100)
    entries = {(e["sku"], e.get("supplyChannel", {}).get("key")) for e in catalog.inventory}
    tracking = {
        s.draft["orderNumber"] for s in catalog.orders if s.draft["inventoryMode"] == "TrackOnly"
    }
    assert catalog.reservations
    for reservation in catalog.reservations:
        assert (reservation.sku, reservation.supply_channel) in entries
        assert reservation.order_number in tracking
        assert reservation.quantity > 0


def test_reservations_name_the_same_channel_as_their_order_line():
    catalog = generate(seed=36, products=50, orders=100)
    orders = {s.draft["orderNumber"]: s.draft for s in catalog.orders}
    for reservation in catalog.reservations:
        line = next(  # an order holds each sku once
            item
            for item in orders[reservation.order_number]["lineItems"]
            if item["variant"]["sku"] == reservation.sku
        )
        assert line.get("supplyChannel", {}).get("key") == reservation.supply_channel
        assert line["quantity"] == reservation.quantity


def test_available_quantity_is_stock_less_reservations():
    catalog = generate(seed=37, products=20, orders=80)
    available = catalog.available_quantities()
    reserved = {}
    for r in catalog.reservations:
        reserved[(r.sku, r.supply_channel)] = (
            reserved.get((r.sku, r.supply_channel), 0) + r.quantity
        )
    for entry in catalog.inventory:
        pair = (entry["sku"], entry.get("supplyChannel", {}).get("key"))
        assert available[pair] == entry["quantityOnStock"] - reserved.get(pair, 0)
    assert reserved
