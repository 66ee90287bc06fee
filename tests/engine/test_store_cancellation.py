"""A transaction cancelled at any point writes nothing of itself and leaves the store usable
(the SQLite pool does not roll back every connection it takes back; see `Store`)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import aiosqlite
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text

from ctbridge.engine.store import Store

ROWS = 4
NOT_CANCELLED = ROWS + 1


async def _cancel_writers(url: str, cancel_at: list[int]) -> dict[int, int]:
    """One transaction per entry, cancelled while its statement `k` (k == ROWS: its commit) is
    in flight, or left to finish (NOT_CANCELLED); returns rows stored per transaction."""
    store = Store(url, sqlite_pool_size=2)
    try:
        async with store.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            await conn.execute(text("DELETE FROM t"))

        async def writer(n: int, reached: list[asyncio.Event]) -> None:
            async with store.begin() as conn:
                for step in range(ROWS):
                    reached[step].set()
                    await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": n})
                reached[ROWS].set()  # the commit follows at once

        for n, step in enumerate(cancel_at):
            reached = [asyncio.Event() for _ in range(ROWS + 1)]
            task = asyncio.create_task(writer(n, reached))
            if step != NOT_CANCELLED:
                await reached[step].wait()
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=30)
        async with store.begin() as conn:
            rows = dict((await conn.execute(text("SELECT x, count(*) FROM t GROUP BY x"))).all())
        return {n: rows.get(n, 0) for n in range(len(cancel_at))}
    finally:
        await store.dispose()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cancel_at=st.lists(st.integers(min_value=0, max_value=NOT_CANCELLED), min_size=1, max_size=8)
)
def test_a_cancelled_transaction_is_all_or_nothing_and_frees_the_store(sqlite_url, cancel_at):
    stored = asyncio.run(_cancel_writers(sqlite_url, cancel_at))
    for n, step in enumerate(cancel_at):
        assert stored[n] in (0, ROWS)
        if step == NOT_CANCELLED:
            assert stored[n] == ROWS
        elif step < ROWS:
            assert stored[n] == 0  # cancelled before its commit was asked for


async def test_a_transaction_cancelled_while_waiting_for_the_lock_leaves_no_lock_held(
    sqlite_url, monkeypatch
):
    """aiosqlite runs a queued BEGIN IMMEDIATE even after its caller was cancelled: the
    connection then went back to the pool idle inside a transaction, holding SQLite's write lock
    for ever (every later write waited out the busy timeout and failed)."""
    store = Store(sqlite_url, sqlite_pool_size=1)
    path = store.path
    assert path is not None
    try:
        await store.create_schema()
        other_process = sqlite3.connect(path, timeout=0, isolation_level=None)
        other_process.execute("BEGIN IMMEDIATE")  # holds the write lock

        async def write() -> None:
            async with store.begin() as conn:
                await conn.execute(text("SELECT 1"))

        checked_out = asyncio.Event()
        event.listen(store.engine.sync_engine.pool, "checkout", lambda *_: checked_out.set())
        waiting = asyncio.create_task(write())
        # Checked out: its BEGIN IMMEDIATE is queued in aiosqlite's thread, waiting for the lock.
        await asyncio.wait_for(checked_out.wait(), 30)
        rolling_back = asyncio.Event()
        rollback = aiosqlite.Connection.rollback

        async def noted_rollback(self: aiosqlite.Connection) -> None:
            rolling_back.set()
            await rollback(self)

        monkeypatch.setattr(aiosqlite.Connection, "rollback", noted_rollback)
        waiting.cancel()
        # The lock is freed once the cancelled task has ended or is rolling its BEGIN back.
        asked = asyncio.create_task(rolling_back.wait())
        await asyncio.wait({waiting, asked}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        asked.cancel()
        other_process.execute("COMMIT")  # the queued BEGIN now goes through
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        await store.ping()  # same connection, same thread: everything queued before has run
        other_process.execute("BEGIN IMMEDIATE")  # fails at once if the store kept the lock
        other_process.execute("COMMIT")
        other_process.close()
    finally:
        await store.dispose()
