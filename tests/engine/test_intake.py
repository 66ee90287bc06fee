"""Group commit: messages arriving together share a transaction, but one bad row fails alone."""

from __future__ import annotations

import asyncio
import json

import pytest

from ctbridge.commercetools.messages import parse_delivery
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter, UnstorableMessage, is_content_error, storable_text
from ctbridge.engine.queue import TaskQueue
from ctbridge.engine.retry_policy import RetryPolicy
from ctbridge.engine.store import Store
from ctbridge.engine.tables import inbox_messages
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


@pytest.mark.parametrize(
    ("message_id", "reason"),
    [
        ("a\x00b", "id contains a NUL character"),
        ("a\ud800", "id contains a lone UTF-16 surrogate"),
        ("x" * 256, "id is longer than 255 characters"),
    ],
)
async def test_the_writer_rejects_and_records_what_no_database_can_hold(
    database_url, message_id, reason
):
    store = Store(database_url)
    await store.create_schema()
    writer = IntakeWriter(Inbox(store))
    try:
        with pytest.raises(UnstorableMessage, match=reason):
            await writer.submit(product_message(message_id), ["recorder"])
        recorded = await Inbox(store).rejections()
        assert len(recorded) == 1 and recorded[0]["reason"].startswith(reason)
        assert await writer.submit(product_message("fine"), ["recorder"]) is True
    finally:
        await writer.close()
        await store.dispose()


async def test_driver_refusals_are_content_errors_and_an_absent_store_is_not(postgres_url):
    store = Store(postgres_url)
    await store.create_schema()
    try:
        for bad in ("a\x00b", "a\ud800", "x" * 300):
            with pytest.raises(Exception) as refused:
                await Inbox(store).enqueue(product_message(bad), ["recorder"])
            assert is_content_error(refused.value), bad
    finally:
        await store.dispose()
    absent = Store(postgres_url.rsplit("/", 1)[0] + "/no_such_database_here")
    try:
        with pytest.raises(Exception) as down:
            await absent.ping()
        assert not is_content_error(down.value)
    finally:
        await absent.dispose()


def test_storable_text_escapes_nul_and_lone_surrogates_and_keeps_the_rest():
    assert storable_text("ok é ✓") == "ok é ✓"
    assert storable_text("a\x00b\ud800") == "a\\x00b\\ud800"


async def test_a_message_delivered_as_text_is_stored_as_that_text(database_url):
    """The payload's delivered JSON text is stored as is (not written anew from the parsed value),
    and the task's message reads back as the same payload; without a text it is written."""

    store = Store(database_url)
    await store.create_schema()
    text = (
        '{"type": "ProductPublished", "id": "m-text", "notificationType": "Message",'
        ' "resource": {"typeId": "product", "id": "p-text"}, "sequenceNumber": 2,'
        ' "note": "caf\\u00e9 \\u0000 \u00e9"}'
    )
    delivered = parse_delivery(text)
    assert delivered.payload_text == text
    written = product_message("m-written", product_id="p-written")
    try:
        assert await Inbox(store).enqueue_many([(delivered, ["x"]), (written, ["x"])]) == [
            True,
            True,
        ]
        async with store.begin() as conn:
            rows = dict(
                (
                    await conn.execute(
                        inbox_messages.select().with_only_columns(
                            inbox_messages.c.message_id, inbox_messages.c.payload
                        )
                    )
                ).all()
            )
        assert rows["m-text"] == text
        assert json.loads(rows["m-written"]) == written.payload
        queue = TaskQueue(store, "w", lease_seconds=30, policy=RetryPolicy())
        claimed = {task.message.id: task.message.payload for task in await queue.claim(10)}
        assert claimed == {"m-text": delivered.payload, "m-written": written.payload}
    finally:
        await store.dispose()
