"""Group commit: messages arriving together share a transaction, but one bad row fails alone."""

from __future__ import annotations

import asyncio

from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.engine.store import Store
from tests.engine.recording import product_message


class InboxRefusing(Inbox):
    """An inbox whose database refuses one particular message."""

    def __init__(self, store: Store, refused: str) -> None:
        super().__init__(store)
        self.refused = refused
        self.batches: list[int] = []

    async def enqueue_many(self, items):
        self.batches.append(len(items))
        if any(message.id == self.refused for message, _ in items):
            raise ValueError("value too long for type character varying(255)")
        return await super().enqueue_many(items)


async def test_one_unstorable_message_does_not_fail_the_others_of_its_batch(sqlite_url):
    store = Store(sqlite_url)
    await store.create_schema()
    inbox = InboxRefusing(store, refused="bad")
    writer = IntakeWriter(inbox)
    try:
        names = ["a", "b", "bad", "c", "a"]
        results = await asyncio.gather(
            *(writer.submit(product_message(n, product_id=n), ["recorder"]) for n in names),
            return_exceptions=True,
        )
        assert results[0] is True and results[1] is True and results[3] is True
        assert isinstance(results[2], ValueError)
        assert results[4] is False  # the duplicate of "a" is still recognised
        assert inbox.batches[0] == 5  # they were written together first
        assert (await Inbox(store).stats()).pending == 3
    finally:
        await writer.close()
        await store.dispose()


async def test_concurrent_deliveries_share_transactions(sqlite_url):
    store = Store(sqlite_url)
    await store.create_schema()
    inbox = InboxRefusing(store, refused="none")
    writer = IntakeWriter(inbox)
    try:
        results = await asyncio.gather(
            *(
                writer.submit(product_message(f"m{i}", product_id=f"p{i}"), ["x"])
                for i in range(300)
            )
        )
        assert all(results)
        assert len(inbox.batches) < 300
    finally:
        await writer.close()
        await store.dispose()
