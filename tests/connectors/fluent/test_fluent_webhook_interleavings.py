"""Hypothesis explores interleavings of Fluent moving an order, webhooks delivered late, out of
order or twice, and ctbridge processing them: commercetools never steps back, and each time a
new webhook is processed it lands on Fluent's status of that moment."""

from __future__ import annotations

import asyncio
import json
from functools import partial

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from tests.connectors.fluent.inbound_orders import placed_order

from ctbridge.connectors.fluent.connector import FluentConnector
from ctbridge.host import Engine
from ctbridge.notifications import NotificationSettings
from ctbridge.settings import CommercetoolsSettings
from ctbridge.web.app import create_app

# Statuses whose default mappings give three different orderStates, in Fluent's order.
PATH = ["RECEIVED", "BOOKED", "COMPLETE"]
ORDER_STATE = {"RECEIVED": "Open", "BOOKED": "Confirmed", "COMPLETE": "Complete"}
RANK = {"Open": 0, "Confirmed": 1, "Complete": 2}


def test_no_interleaving_of_moves_deliveries_and_processing_steps_back(
    ct, fluent, inbound_settings, engine_settings
):
    loop = asyncio.new_event_loop()
    engine = loop.run_until_complete(
        Engine.open(
            engine_settings,
            commercetools_settings=CommercetoolsSettings(
                project_key=ct.project_key,
                client_id=ct.client_id,
                client_secret=ct.client_secret,
                api_url=ct.url,
                auth_url=ct.url,
            ),
            factories={
                "fluent": partial(
                    FluentConnector,
                    settings=inbound_settings,
                    notifications=NotificationSettings(),
                )
            },
        )
    )
    app = create_app(engine)

    async def deliver(body: dict) -> int:
        raw = json.dumps(body).encode()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ctbridge") as http:
            answer = await http.post(
                "/webhooks/fluent", content=raw, headers=fluent.webhooks.signer.headers(raw)
            )
        return answer.status_code

    class Webhooks(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.order, self.ref = loop.run_until_complete(placed_order(ct, fluent, engine))
            self.moves = list(PATH)
            self.in_flight: list[dict] = []
            self.delivered: set[str] = set()
            self.fresh = False  # a webhook not seen before was delivered since the last check
            self.ranks = [RANK[self.state()]]

        def state(self) -> str:
            return ct.get("orders", self.order["id"])["orderState"]

        @rule()
        def fluent_moves_the_order(self) -> None:
            if self.moves:
                self.in_flight.append(fluent.set_order_status(self.ref, self.moves.pop(0)))

        @rule(pick=st.integers(0, 10), keep_for_a_retry=st.booleans())
        def a_webhook_arrives(self, pick: int, keep_for_a_retry: bool) -> None:
            if not self.in_flight:
                return
            body = self.in_flight[pick % len(self.in_flight)]
            if not keep_for_a_retry:
                self.in_flight.remove(body)
            assert loop.run_until_complete(deliver(body)) == 202
            self.fresh = self.fresh or body["id"] not in self.delivered
            self.delivered.add(body["id"])

        @rule()
        def ctbridge_processes_what_arrived(self) -> None:
            loop.run_until_complete(engine.run_until_idle(timeout=20))
            state = self.state()
            self.ranks.append(RANK[state])
            if self.fresh:
                current = fluent.store.by_ref("ORDER", self.ref)["status"]
                assert state == ORDER_STATE[current], (current, state)
                self.fresh = False

        @invariant()
        def never_backwards(self) -> None:
            assert self.ranks == sorted(self.ranks), self.ranks

    try:
        run_state_machine_as_test(
            Webhooks,
            settings=settings(
                max_examples=30,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        loop.run_until_complete(engine.close())
        loop.close()
