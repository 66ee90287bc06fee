"""Per-resource exclusivity: while a task of (connector, resource) runs, no other task of that
resource is claimed, older or newer; the stale check runs at claim time against what was applied."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select, text, update

from ctbridge.engine.inbox import Inbox, Status
from ctbridge.engine.tables import inbox_messages, tasks
from tests.engine.recording import open_engine, product_message


async def test_an_older_message_arriving_while_a_newer_one_runs_waits_and_is_then_stale(
    database_url,
):
    engine, made = await open_engine(database_url)
    try:
        await engine.runtime.enqueue(product_message("newer", sequence=5))
        running = await engine.worker.queue.claim(10)
        assert [task.message.id for task in running] == ["newer"]
        await engine.runtime.enqueue(product_message("older", sequence=3))
        assert await engine.worker.queue.claim(10) == []  # the newer one is still running
        await engine.worker.complete([await engine.worker._process(task) for task in running])
        assert await engine.worker.queue.claim(10) == []  # now claimed, and found stale
        assert [m.id for m in made["recorder"].applied] == ["newer"]
        counts = await Inbox(engine.store).task_counts()
        assert counts[("recorder", "stale")] == 1 and counts[("recorder", "done")] == 1
    finally:
        await engine.close()


async def test_a_newer_message_waits_while_an_older_one_runs(database_url):
    engine, made = await open_engine(database_url)
    try:
        await engine.runtime.enqueue(product_message("older", sequence=3))
        running = await engine.worker.queue.claim(10)
        await engine.runtime.enqueue(product_message("newer", sequence=5))
        assert await engine.worker.queue.claim(10) == []
        await engine.worker.complete([await engine.worker._process(task) for task in running])
        claimed = await engine.worker.queue.claim(10)
        assert [task.message.id for task in claimed] == ["newer"]
    finally:
        await engine.close()


async def test_other_resources_are_claimed_while_one_resource_runs(database_url):
    engine, _ = await open_engine(database_url)
    try:
        await engine.runtime.enqueue(product_message("a5", product_id="a", sequence=5))
        assert [t.message.id for t in await engine.worker.queue.claim(10)] == ["a5"]
        await engine.runtime.enqueue(product_message("a3", product_id="a", sequence=3))
        await engine.runtime.enqueue(product_message("b1", product_id="b", sequence=1))
        assert [t.message.id for t in await engine.worker.queue.claim(10)] == ["b1"]
    finally:
        await engine.close()


async def test_claims_from_different_snapshots_never_run_two_tasks_of_one_resource(postgres_url):
    """Worker 1 is leasing the newer message (its transaction not yet committed) when the older
    one arrives; worker 2's snapshot still sees the newer one pending, so only the database's
    unique index on running tasks can stop it from starting the older one beside it."""
    engine, _ = await open_engine(postgres_url)
    try:
        await engine.runtime.enqueue(product_message("newer", sequence=5))
        async with engine.store.engine.connect() as first_worker:
            await first_worker.begin()
            await first_worker.execute(
                update(tasks)
                .where(tasks.c.status == Status.PENDING)
                .values(status=Status.RUNNING, owner="first", lease_until=time.time() + 60)
            )
            await engine.runtime.enqueue(product_message("older", sequence=3))
            second_claim = asyncio.create_task(engine.worker.queue.claim(10))
            await wait_until_a_lock_is_awaited(engine, second_claim)
            await first_worker.commit()
        assert await asyncio.wait_for(second_claim, 30) == []
        async with engine.store.begin() as conn:
            running = (
                await conn.execute(
                    select(inbox_messages.c.message_id)
                    .join(tasks, tasks.c.message_pk == inbox_messages.c.id)
                    .where(tasks.c.status == Status.RUNNING)
                )
            ).scalars()
            assert list(running) == ["newer"]
    finally:
        await engine.close()


async def wait_until_a_lock_is_awaited(engine, claim: asyncio.Task) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not claim.done():
        async with engine.store.begin() as conn:
            waiting = (
                await conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            ).scalar()
        if waiting:
            return
        await asyncio.sleep(0.02)
