"""The admin page's last hour: finished, dead-lettered, backlog and oldest age per 5-minute bucket."""

from __future__ import annotations

from ctbridge.engine.store import Store
from ctbridge.engine.tables import inbox_messages, tasks
from ctbridge.engine.throughput import history

NOW = 1_800_000_000.0
HOUR = 3600.0


async def seed(store: Store, rows: list[tuple[str, str, float, float | None]]) -> None:
    """rows: (connector, status, created_at, finished_at)."""
    async with store.begin() as conn:
        for index, (connector, status, created, finished) in enumerate(rows):
            message = await conn.execute(
                inbox_messages.insert().values(
                    message_id=f"m{index}",
                    source="test",
                    type="ProductPublished",
                    payload="{}",
                    payload_included=True,
                    received_at=created,
                )
            )
            await conn.execute(
                tasks.insert().values(
                    message_pk=message.inserted_primary_key[0],
                    connector=connector,
                    type="ProductPublished",
                    status=status,
                    attempts=1,
                    next_attempt_at=created,
                    created_at=created,
                    finished_at=finished,
                )
            )


async def test_the_last_hour_is_rebuilt_from_when_tasks_were_created_and_ended(database_url):
    store = Store(database_url)
    await store.create_schema()
    try:
        start = NOW - HOUR
        await seed(
            store,
            [
                # finished in the first bucket, waited across no bucket end
                ("og", "done", start + 10, start + 20),
                # created in bucket 0, finished in bucket 2: waiting at the ends of buckets 0 and 1
                ("og", "done", start + 100, start + 700),
                # dead-lettered in the last bucket after waiting since bucket 10
                ("og", "dead", start + 3100, NOW - 10),
                # still waiting, created two hours ago: waiting at every bucket end
                ("og", "pending", NOW - 2 * HOUR, None),
                # still running, created in bucket 11: waiting at no past bucket end but the last
                ("fluent", "running", NOW - 100, None),
                # finished before the window: not counted anywhere
                ("fluent", "done", start - 500, start - 400),
            ],
        )
        flows = await history(store, window=3600, buckets=12, now=NOW)
    finally:
        await store.dispose()

    og = flows["og"]
    assert og.finished == [1, 0, 1] + [0] * 9
    assert og.dead == [0] * 11 + [1]
    assert og.depth == [2, 2] + [1] * 8 + [2, 1]
    # the two-hour-old pending task is the oldest waiting one at every bucket end
    assert og.oldest_age[0] == (start + 300) - (NOW - 2 * HOUR)
    assert og.oldest_age[11] == 2 * HOUR

    fluent = flows["fluent"]
    assert fluent.finished == [0] * 12 and fluent.dead == [0] * 12
    assert fluent.depth == [0] * 11 + [1]
    assert fluent.oldest_age == [None] * 11 + [100.0]
