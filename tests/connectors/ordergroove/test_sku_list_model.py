"""A model-based test of the ledger's sku lists: Hypothesis interleaves the steps of a load and of
product events for one product (read, send to Ordergroove, record) on a real store, and checks
that whenever neither has a record pending, every sku live in Ordergroove is listed for the
product, so that withdrawing it reaches every such sku.

The steps are those of `jobs.py` (a load reads a page, sends its batches, records the accepted
payloads and the skus in its checkpoint write) and of `handlers.py` (a product event reads the
listed skus, sends the variants, makes the removed ones not live, then records the list).
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete

from ctbridge.connectors.ordergroove.ledger import SyncLedger
from ctbridge.engine.state import KeyValueStore
from ctbridge.engine.store import Store
from ctbridge.engine.tables import kv_state

PRODUCT = "product-1"
SKUS = ("A", "B", "C")
variant_sets = st.sets(st.sampled_from(SKUS), min_size=1).map(sorted)


def entries(skus: list[str]) -> dict[str, dict[str, object]]:
    return {sku: {"fingerprint": f"v2:{sku}", "live": True} for sku in skus}


def sku_list_machine(run, store: Store) -> type[RuleBasedStateMachine]:
    class SkuListModel(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.ledger = SyncLedger(KeyValueStore(store))
            self.live: dict[str, bool] = {}  # Ordergroove's `live` per sku
            self.load: tuple[str, list[str]] | None = None  # (step done, skus it read)
            self.event: tuple[str, list[str], list[str]] | None = None  # (step, skus, removed)

        @initialize()
        def empty(self) -> None:
            async def clear() -> None:
                async with store.begin() as conn:
                    await conn.execute(delete(kv_state))

            run(clear())

        # -- the load -------------------------------------------------------------------
        @precondition(lambda self: self.load is None)
        @rule(skus=variant_sets)
        def load_reads_the_product(self, skus: list[str]) -> None:
            self.load = ("read", skus)

        @precondition(lambda self: self.load is not None and self.load[0] == "read")
        @rule()
        def load_sends(self) -> None:
            assert self.load is not None
            for sku in self.load[1]:
                self.live[sku] = True
            self.load = ("sent", self.load[1])

        @precondition(lambda self: self.load is not None and self.load[0] == "sent")
        @rule()
        def load_records(self) -> None:
            assert self.load is not None
            skus = self.load[1]
            run(self.ledger.record_entries(entries(skus), {PRODUCT: skus}))
            self.load = None

        # -- a product event ------------------------------------------------------------
        @precondition(lambda self: self.event is None)
        @rule(skus=variant_sets)
        def event_reads_the_product(self, skus: list[str]) -> None:
            listed = run(self.ledger.skus_of([PRODUCT])).get(PRODUCT, [])
            self.event = ("read", skus, [sku for sku in listed if sku not in skus])

        @precondition(lambda self: self.event is not None and self.event[0] == "read")
        @rule()
        def event_sends(self) -> None:
            assert self.event is not None
            _, skus, removed = self.event
            for sku in skus:
                self.live[sku] = True
            run(self.ledger.record_products({"product_id": sku, "live": True} for sku in skus))
            for sku in removed:
                self.live[sku] = False
            run(self.ledger.record_stock(dict.fromkeys(removed, False)))
            self.event = ("sent", skus, removed)

        @precondition(lambda self: self.event is not None and self.event[0] == "sent")
        @rule()
        def event_records(self) -> None:
            assert self.event is not None
            _, skus, removed = self.event
            run(self.ledger.record_skus({PRODUCT: skus}, {PRODUCT: removed}))
            self.event = None

        @invariant()
        def every_live_sku_is_listed_once_nothing_is_pending(self) -> None:
            if self.load is not None or self.event is not None:
                return
            listed = set(run(self.ledger.skus_of([PRODUCT])).get(PRODUCT, []))
            live = {sku for sku, is_live in self.live.items() if is_live}
            assert live <= listed, f"live in Ordergroove but not listed: {live - listed}"

    return SkuListModel


def test_every_sku_live_in_ordergroove_stays_listed_whatever_the_interleaving(sqlite_url):
    loop = asyncio.new_event_loop()
    store = Store(sqlite_url)
    try:
        loop.run_until_complete(store.create_schema())
        run_state_machine_as_test(
            sku_list_machine(loop.run_until_complete, store),
            settings=settings(
                max_examples=60,
                stateful_step_count=30,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        loop.run_until_complete(store.dispose())
        loop.close()
