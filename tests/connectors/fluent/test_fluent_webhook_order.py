"""Webhooks delivered out of order, repeated or late never move commercetools backwards: each
one applies the entity's status as Fluent has it when the webhook is processed."""

import itertools
import json
import random

import pytest
from tests.connectors.fluent.inbound_orders import placed_order

ORDER_PATH = ["BOOKED", "PICK_PACK", "COMPLETE"]
# orderState the default mapping gives each status, in the order Fluent moves through them.
ORDER_STATE = {"RECEIVED": "Open", "BOOKED": "Confirmed", "PICK_PACK": "Confirmed"}
ORDER_STATE["COMPLETE"] = "Complete"
RANK = {"Open": 0, "Confirmed": 1, "Complete": 2}


async def test_every_delivery_order_of_an_orders_webhooks_ends_at_fluents_current_state(
    ct, fluent, inbound
):
    """All 6 orders in which the three webhooks of BOOKED → PICK_PACK → COMPLETE can arrive,
    each processed as it arrives (so a late one is applied after the newer ones)."""
    for permutation in itertools.permutations(range(len(ORDER_PATH))):
        order, ref = await placed_order(ct, fluent, inbound)
        webhooks = [fluent.set_order_status(ref, status) for status in ORDER_PATH]
        seen = []
        for index in permutation:
            assert await fluent.deliver(webhooks[index]) == 202
            await inbound.run_until_idle(timeout=20)
            seen.append(ct.get("orders", order["id"])["orderState"])
        assert seen == ["Complete"] * 3, (permutation, seen)
        assert ct.get("orders", order["id"])["shipmentState"] == "Shipped"


@pytest.mark.parametrize("seed", range(6))
async def test_interleaved_moves_replays_and_late_retries_never_step_back(
    ct, fluent, inbound, seed
):
    """Fluent moves the order while webhooks are in flight; some are delivered twice (a retry
    with the same id), some late, some processed in batches. After each processing step
    commercetools is at Fluent's status of that moment, so its state never decreases."""
    rng = random.Random(seed)
    order, ref = await placed_order(ct, fluent, inbound)
    in_flight: list[dict] = []
    delivered: set[str] = set()
    ranks: list[int] = []
    moves = list(ORDER_PATH)
    while moves or in_flight:
        if moves and (not in_flight or rng.random() < 0.5):
            in_flight.append(fluent.set_order_status(ref, moves.pop(0)))
            continue
        body = in_flight.pop(rng.randrange(len(in_flight)))
        if rng.random() < 0.3:
            in_flight.append(json.loads(json.dumps(body)))  # a retry, delivered again later
        assert await fluent.deliver(body) == 202
        first_time = body["id"] not in delivered  # a repeat is stored once, not processed again
        delivered.add(body["id"])
        if rng.random() < 0.6:
            await inbound.run_until_idle(timeout=20)
            state = ct.get("orders", order["id"])["orderState"]
            if first_time:
                current = fluent.store.by_ref("ORDER", ref)["status"]
                assert state == ORDER_STATE[current], (seed, current, state)
            ranks.append(RANK[state])
    await inbound.run_until_idle(timeout=20)
    assert ct.get("orders", order["id"])["orderState"] == "Complete"
    assert ranks == sorted(ranks), (seed, ranks)


async def test_a_late_fulfilment_webhook_leaves_the_fulfilments_current_status(ct, fluent, inbound):
    order, ref = await placed_order(ct, fluent, inbound)
    shirt = order["lineItems"][0]["id"]
    fulfilment = fluent.create_fulfilment(ref, "LOC_STORE_1", [(shirt, 3, 3)])
    early = fluent.fulfilment_webhook(fulfilment["ref"], "AWAITING_WAVE")
    late = fluent.fulfilment_webhook(fulfilment["ref"], "FULFILLED")
    for body in (late, early):
        await fluent.deliver(body)
        await inbound.run_until_idle(timeout=20)
    line = ct.get("orders", order["id"])["lineItems"][0]
    entries = json.loads(line["custom"]["fields"]["flFulfilmentMetadata"])
    assert [e["fulfilmentStatus"] for e in entries] == ["FULFILLED"]


async def test_a_late_consignment_webhook_leaves_the_consignments_current_status(
    ct, fluent, inbound
):
    order, ref = await placed_order(ct, fluent, inbound)
    shirt = order["lineItems"][0]["id"]
    fulfilment = fluent.create_fulfilment(ref, "LOC_STORE_1", [(shirt, 3, 3)])
    fluent.create_consignment("CON-LATE", [fulfilment["ref"]], tracking_label="TRK-1")
    early = fluent.consignment_webhook("CON-LATE", status="SHIPPED")
    late = fluent.consignment_webhook("CON-LATE", status="DELIVERED")
    for body in (late, early):
        await fluent.deliver(body)
        await inbound.run_until_idle(timeout=20)
    (delivery,) = ct.get("orders", order["id"])["shippingInfo"]["deliveries"]
    assert delivery["custom"]["fields"]["flConsignmentStatus"] == "DELIVERED"
