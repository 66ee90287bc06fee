"""Retention: finished work older than CTBRIDGE_RETENTION_DAYS is purged in small batches on a
schedule; dead letters, unfinished tasks and each job's latest run stay."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select, update

from ctbridge.engine.connector import JobContext, JobSpec
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.retention import DAY, Retention
from ctbridge.engine.tables import inbox_messages, job_runs, rejected_deliveries, tasks
from tests.engine.recording import open_engine, product_message


async def count(engine, table, condition=None) -> int:
    query = select(func.count()).select_from(table)
    if condition is not None:
        query = query.where(condition)
    async with engine.store.begin() as conn:
        return (await conn.execute(query)).scalar_one()


async def age_everything(engine, seconds: float) -> None:
    """Moves every timestamp `seconds` into the past, as if that much time had gone by."""
    async with engine.store.begin() as conn:
        await conn.execute(
            update(inbox_messages).values(received_at=inbox_messages.c.received_at - seconds)
        )
        await conn.execute(
            update(tasks).values(
                finished_at=tasks.c.finished_at - seconds, created_at=tasks.c.created_at - seconds
            )
        )
        await conn.execute(
            update(rejected_deliveries).values(
                received_at=rejected_deliveries.c.received_at - seconds
            )
        )
        await conn.execute(
            update(job_runs).values(
                started_at=job_runs.c.started_at - seconds,
                finished_at=job_runs.c.finished_at - seconds,
            )
        )


async def fill(engine, made) -> None:
    recorder = made["recorder"]
    for number in range(35):
        await engine.runtime.enqueue(product_message(f"done-{number}", f"p{number}"))
    recorder.failures["dead"] = ["permanent"]
    await engine.runtime.enqueue(product_message("dead", "p-dead"))
    await engine.run_until_idle()
    await Inbox(engine.store).record_rejection("commercetools", "body is not JSON", b"x")

    async def nothing(ctx: JobContext) -> None:
        return None

    recorder.extra_jobs.append(JobSpec("nightly", nothing))
    engine.registry.invalidate()
    first = await engine.run_job("recorder.nightly")
    await engine.run_job("recorder.nightly")
    assert first.status == "succeeded"


async def test_old_finished_work_goes_in_batches_and_dead_letters_stay(database_url):
    engine, made = await open_engine(database_url)
    try:
        await fill(engine, made)
        await age_everything(engine, 8 * DAY)
        # Work that is not old: a message still waiting.
        made["recorder"].failures["waiting"] = ["retry"] * 50
        await engine.runtime.enqueue(product_message("waiting", "p-waiting"))

        result = await Retention(engine.store, 7, batch=10, pause_seconds=0).purge()

        assert result.deleted["tasks"] == 35 and result.deleted["messages"] == 35
        assert result.deleted["rejected"] == 1 and result.deleted["job_runs"] == 1
        assert result.batches >= 4 + 4 + 1 + 1  # never more than 10 rows per transaction
        assert await count(engine, tasks, tasks.c.status == "dead") == 1
        assert await count(engine, tasks, tasks.c.status == "pending") == 1
        assert await count(engine, inbox_messages) == 2  # the dead letter's and the waiting one
        assert await count(engine, job_runs) == 1  # each job's latest run stays
        letters = await Inbox(engine.store).dead_letters()
        assert [letter.message_id for letter in letters] == ["dead"]
        assert (await Inbox(engine.store).dead_letter(letters[0].task_id)).payload is not None
    finally:
        await engine.close()


async def test_nothing_younger_than_the_retention_goes(database_url):
    engine, made = await open_engine(database_url)
    try:
        await fill(engine, made)
        await age_everything(engine, 6 * DAY)
        result = await Retention(engine.store, 7).purge()
        assert sum(result.deleted.values()) == 0
        assert await count(engine, tasks) == 36
    finally:
        await engine.close()


async def test_the_scheduler_purges_once_an_hour_with_the_configured_retention(sqlite_url):
    engine, made = await open_engine(sqlite_url, retention_days=1)
    try:
        await fill(engine, made)
        await age_everything(engine, 2 * DAY)
        now = time.time()
        await engine.scheduler.tick(now)  # the first tick only plans the next slot
        assert await count(engine, tasks) == 36
        await engine.scheduler.tick(now + 3600)
        deadline = time.monotonic() + 20
        while await count(engine, tasks) != 1:
            assert time.monotonic() < deadline, "the scheduled purge never ran"
            await asyncio.sleep(0.02)
        assert await count(engine, inbox_messages) == 1
    finally:
        await engine.close()
