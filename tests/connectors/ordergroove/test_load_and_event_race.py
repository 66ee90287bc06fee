"""A product event that lands while a load is sending the same product: neither forgets a sku."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from ctbridge.sandbox.ordergroove import OrdergrooveEmulator
from ctbridge.sandbox.server import BackgroundServer

from .conftest import OG_KEY
from .seeding import add_product, eur, product_published, recorded
from .test_events import LOAD, deliver

WAIT = 30  # seconds: a bound for a hang, never a pace


class HoldFirstCreate:
    """Holds the first bulk create until released: the load's call is in flight meanwhile."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._held = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == "/products-batch/create/"
            and not self._held
        ):
            self._held = True
            self.arrived.set()
            await asyncio.to_thread(self.release.wait, WAIT)
        await self.app(scope, receive, send)


@pytest.fixture
def held_og():
    emu = OrdergrooveEmulator(OG_KEY, rate_limit=None)
    gate = HoldFirstCreate(emu.app)
    with BackgroundServer(gate) as server:
        emu.url = server.url
        yield emu, gate
        gate.release.set()


async def test_a_variant_published_during_a_load_becomes_not_live_when_its_product_is_withdrawn(
    ct, held_og, open_engine, og_settings
):
    og, gate = held_og
    engine = await open_engine(og_settings.model_copy(update={"og_api_url": og.url}))
    try:
        product = add_product(ct, "RACE", 2)
        load = asyncio.create_task(engine.run_job(LOAD))
        assert await asyncio.to_thread(gate.arrived.wait, WAIT)  # the load sends RACE-1, RACE-2
        ct.update(
            "products",
            product["id"],
            [
                {"action": "addVariant", "sku": "RACE-3", "prices": [eur(1500)]},
                {"action": "publish"},
            ],
        )
        await deliver(engine, product_published(ct, product))  # the event sends all three
        assert og.product("RACE-3")["live"] is True
        gate.release.set()
        assert (await asyncio.wait_for(load, WAIT)).status == "succeeded"

        ct.update("products", product["id"], [{"action": "unpublish"}])
        await deliver(engine, *recorded(ct, "ProductUnpublished"))
        assert [og.product(s)["live"] for s in ("RACE-1", "RACE-2", "RACE-3")] == [False] * 3
    finally:
        gate.release.set()
        await engine.close()
