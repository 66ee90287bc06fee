"""Catch-up interleaved with live deliveries and redeliveries, in orders Hypothesis chooses:
every message the project made reaches the inbox once and its handler once."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from ctbridge.commercetools.catchup import catch_up
from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.engine.connector import Connector, Handler
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.engine.message import Message
from ctbridge.engine.tables import inbox_messages
from ctbridge.host import Engine
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer
from ctbridge.settings import CommercetoolsSettings, EngineSettings


class Counting(Connector):
    name = "counting"

    def __init__(self, runtime) -> None:
        super().__init__(runtime)
        self.handled: list[str] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {"InventoryEntryCreated": self.handle, "InventoryEntryQuantitySet": self.handle}

    async def handle(self, message: Message) -> None:
        self.handled.append(message.id)


class CatchupWithLiveDeliveries(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.TemporaryDirectory()
        self.emulator = CommercetoolsEmulator("shop", "client", "secret")
        self.server = BackgroundServer(self.emulator.app).start()
        url = self.server.url
        self.engine: Engine = self.loop.run_until_complete(
            Engine.open(
                EngineSettings(
                    database_url=f"sqlite:///{Path(self.folder.name) / 'i.db'}",
                    connectors=["counting"],
                ),
                commercetools_settings=CommercetoolsSettings(
                    project_key="shop",
                    client_id="client",
                    client_secret="secret",
                    api_url=url,
                    auth_url=url,
                ),
                factories={"counting": Counting},
            )
        )
        inbox = Inbox(self.engine.store)
        self.writer = IntakeWriter(inbox)
        self.intake = DeliveryIntake(self.engine.registry, inbox, self.writer)
        self.since = datetime.now(UTC) - timedelta(minutes=1)
        self.entries: list[str] = []

    def made(self) -> list[dict]:
        return self.emulator.messages()

    async def delivery(self, index: int) -> None:
        """The subscription delivering (or redelivering) one of the messages made so far."""
        messages = self.made()
        message = messages[index % len(messages)]
        body = json.dumps({"notificationType": "Message", "projectKey": "shop", **message})
        await self.intake.accept(body.encode())

    @rule(quantity=st.integers(0, 5))
    def project_creates_an_entry(self, quantity: int) -> None:
        entry = self.emulator.create(
            "inventory", {"sku": f"S-{len(self.entries)}", "quantityOnStock": quantity}
        )
        self.entries.append(entry["id"])

    @precondition(lambda self: self.entries)
    @rule(which=st.integers(0, 1000), quantity=st.integers(0, 5))
    def project_changes_an_entry(self, which: int, quantity: int) -> None:
        entry = self.entries[which % len(self.entries)]
        self.emulator.update(
            "inventory", entry, [{"action": "changeQuantity", "quantity": quantity}]
        )

    @precondition(lambda self: self.emulator.messages())
    @rule(index=st.integers(0, 1000))
    def subscription_delivers_or_redelivers(self, index: int) -> None:
        self.loop.run_until_complete(self.delivery(index))

    @rule(
        page_size=st.integers(1, 4),
        live_between_pages=st.lists(st.integers(0, 1000), max_size=3),
    )
    def catch_up_runs(self, page_size: int, live_between_pages: list[int]) -> None:
        pending = list(live_between_pages)

        async def between_pages(_report: object) -> None:
            if pending and self.made():
                await self.delivery(pending.pop())

        async def run() -> None:
            await catch_up(
                self.engine.runtime.commercetools,
                self.intake,
                ["InventoryEntryCreated", "InventoryEntryQuantitySet"],
                self.since,
                page_size=page_size,
                on_page=between_pages,
            )

        self.loop.run_until_complete(run())

    @rule()
    def worker_runs(self) -> None:
        self.loop.run_until_complete(self.engine.run_until_idle())

    @invariant()
    def nothing_is_stored_or_handled_twice(self) -> None:
        async def stored() -> tuple[int, int]:
            async with self.engine.store.begin() as conn:
                rows = await conn.execute(
                    select(func.count(), func.count(func.distinct(inbox_messages.c.message_id)))
                )
                total, distinct = rows.one()
                return int(total), int(distinct)

        total, distinct = self.loop.run_until_complete(stored())
        handled = self.engine.connectors["counting"].handled  # type: ignore[attr-defined]
        assert total == distinct
        assert len(handled) == len(set(handled))

    def teardown(self) -> None:
        try:
            # A final catch-up and worker run: everything the project made is in and handled.
            self.catch_up_runs(page_size=3, live_between_pages=[])
            self.worker_runs()
            made = {m["id"] for m in self.made()}
            handled = self.engine.connectors["counting"].handled  # type: ignore[attr-defined]
            assert sorted(handled) == sorted(made)
        finally:
            self.loop.run_until_complete(self.writer.close())
            self.loop.run_until_complete(self.engine.close())
            self.loop.close()
            self.server.stop()
            self.folder.cleanup()


CatchupWithLiveDeliveries.TestCase.settings = settings(
    max_examples=10,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_catchup_with_live_deliveries = CatchupWithLiveDeliveries.TestCase
