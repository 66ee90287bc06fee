"""Worker processes running the production loop (`Worker.run`): many on PostgreSQL handle each
message exactly once; a killed worker's message is processed after its lease expires; a message
that kills every worker that handles it is dead-lettered after the attempt budget."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from ctbridge.engine.inbox import Inbox
from ctbridge.engine.message import Message
from ctbridge.engine.store import Store
from ctbridge.engine.tables import tasks
from tests.engine.effects_worker import create_effects_table, effects

ROOT = Path(__file__).resolve().parents[2]


def spawn(
    database_url: str,
    lease: float = 30.0,
    idle_exit: float = 1.0,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.engine.effects_worker",
            database_url,
            str(lease),
            str(idle_exit),
        ],
        cwd=ROOT,
        env={**os.environ, "CTBRIDGE_LOG_LEVEL": "WARNING", **(extra_env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_ready(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        lines = iter(proc.stdout.readline, "")
        assert any(line.strip() == "ready" for line in lines), "a worker never became ready"


def wait_for_clean_exits(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        _, errors = proc.communicate(timeout=240)
        assert proc.returncode == 0, errors[-2000:]


def assert_in_resource_order(rows) -> None:
    """Effects rows (ordered by time): within a resource, messages took effect in sequence."""
    last_seen: dict[int, int] = {}
    for row in rows:
        resource, sequence = divmod(int(row.message_id[1:]), 5)
        assert sequence > last_seen.get(resource, -1)
        last_seen[resource] = sequence


async def prepared_store(database_url: str) -> Store:
    store = Store(database_url)
    await store.create_schema()
    await create_effects_table(store)
    return store


def message(i: int, **payload) -> Message:
    # 1,000 resources with 5 messages each, so per-resource ordering is exercised too.
    resource, sequence = divmod(i, 5)
    return Message(
        id=f"m{i}",
        type="ProductPublished",
        resource_type="product",
        resource_id=f"p{resource}",
        sequence_number=sequence + 1,
        payload={"i": i, **payload},
    )


async def test_four_worker_processes_handle_5000_messages_exactly_once(postgres_url):
    store = await prepared_store(postgres_url)
    # All four must be up before the work arrives, so that they really compete for it.
    procs = [spawn(postgres_url, idle_exit=5.0) for _ in range(4)]
    wait_until_ready(procs)
    inbox = Inbox(store)
    await inbox.enqueue_many([(message(i), ["effects"]) for i in range(5000)])
    wait_for_clean_exits(procs)
    async with store.begin() as conn:
        total = (await conn.execute(select(func.count()).select_from(effects))).scalar()
        distinct = (
            await conn.execute(select(func.count(func.distinct(effects.c.message_id))))
        ).scalar()
        workers = (await conn.execute(select(func.count(func.distinct(effects.c.worker))))).scalar()
        done = (await conn.execute(select(func.count()).where(tasks.c.status == "done"))).scalar()
        # Within a resource, the effects are in sequence order.
        rows = (
            await conn.execute(select(effects.c.message_id, effects.c.at).order_by(effects.c.at))
        ).all()
    await store.dispose()
    assert (total, distinct, done) == (5000, 5000, 5000)
    assert workers >= 2
    assert_in_resource_order(rows)


async def test_a_message_held_by_a_killed_worker_is_processed_after_restart(postgres_url):
    store = await prepared_store(postgres_url)
    await Inbox(store).enqueue(message(0, slow_seconds=60), ["effects"])
    first = spawn(postgres_url, lease=1.0)
    started = None
    deadline = time.monotonic() + 30
    while started is None and time.monotonic() < deadline:
        async with store.begin() as conn:
            started = (
                await conn.execute(select(effects.c.worker).where(effects.c.phase == "started"))
            ).scalar()
        await asyncio.sleep(0.1)
    assert started is not None, "the first worker never started the message"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    second = subprocess.Popen(
        [sys.executable, "-m", "tests.engine.effects_worker", postgres_url, "1.0", "1.0"],
        cwd=ROOT,
        env={**os.environ, "EFFECTS_FAST": "1", "CTBRIDGE_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, errors = second.communicate(timeout=60)
    assert second.returncode == 0, errors[-2000:]
    async with store.begin() as conn:
        done_by = (
            (await conn.execute(select(effects.c.worker).where(effects.c.phase == "done")))
            .scalars()
            .all()
        )
        status = (await conn.execute(select(tasks.c.status, tasks.c.attempts))).one()
    await store.dispose()
    assert done_by == [str(second.pid)]
    assert status.status == "done" and status.attempts == 2


async def test_a_message_that_kills_its_worker_is_dead_lettered_after_the_attempt_budget(
    database_url,
):
    store = await prepared_store(database_url)
    await Inbox(store).enqueue(message(0, kill_worker=True), ["effects"])
    exits = []
    for _ in range(6):  # the budget is 3 claims; a fourth worker must dead-letter it, not run it
        worker = spawn(database_url, lease=1.0, extra_env={"CTBRIDGE_MAX_ATTEMPTS": "3"})
        _, errors = worker.communicate(timeout=60)
        exits.append(worker.returncode)
        if worker.returncode == 0:
            break
    async with store.begin() as conn:
        task = (
            await conn.execute(select(tasks.c.status, tasks.c.attempts, tasks.c.last_error))
        ).one()
        started = (
            await conn.execute(select(func.count()).where(effects.c.phase == "started"))
        ).scalar()
    await store.dispose()
    assert exits == [-signal.SIGKILL] * 3 + [0], errors[-2000:]
    assert (task.status, task.attempts, started) == ("dead", 3, 3)
    assert "worker died while handling it" in task.last_error


async def test_intake_beside_two_worker_processes_on_one_sqlite_file(sqlite_url):
    """`serve --no-worker` beside `worker` processes on one SQLite file: intake keeps writing
    while they claim, and each message is handled once, in order within its resource."""
    store = await prepared_store(sqlite_url)
    procs = [spawn(sqlite_url, idle_exit=5.0) for _ in range(2)]
    wait_until_ready(procs)
    inbox = Inbox(store)
    for start in range(0, 1000, 25):
        await inbox.enqueue_many([(message(i), ["effects"]) for i in range(start, start + 25)])
    wait_for_clean_exits(procs)
    async with store.begin() as conn:
        rows = (
            await conn.execute(select(effects.c.message_id, effects.c.at).order_by(effects.c.at))
        ).all()
        done = (await conn.execute(select(func.count()).where(tasks.c.status == "done"))).scalar()
    await store.dispose()
    assert done == 1000
    assert sorted(int(row.message_id[1:]) for row in rows) == list(range(1000))
    assert_in_resource_order(rows)
