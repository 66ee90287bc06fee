"""One SQLite transaction at a time per process, in arrival order, woken without SQLite's
sleeping busy handler; cancelled waiters and holders never block the ones behind them; a task
that opens a transaction inside its own open one is told so instead of waiting for ever."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from ctbridge.engine.store import Store
from ctbridge.engine.write_turn import NestedTransaction, TurnTimeout, WriteTurn
from tests.engine.interleavings import WAIT, empty_table, interleavings, settle


@dataclass
class Writer:
    number: int
    release: asyncio.Event = field(default_factory=asyncio.Event)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Turns:
    """Starts writers that hold their transaction until released; records what it sees."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writers: list[Writer] = []
        self.open = 0
        self.most_open = 0
        self.entry_order: list[int] = []

    def start(self) -> None:
        writer = Writer(len(self.writers))
        writer.task = asyncio.create_task(self._write(writer))
        self.writers.append(writer)

    async def _write(self, writer: Writer) -> None:
        async with self.store.begin() as conn:
            self.open += 1
            self.most_open = max(self.most_open, self.open)
            self.entry_order.append(writer.number)
            writer.entered.set()
            try:
                await writer.release.wait()
                await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": writer.number})
            finally:
                self.open -= 1

    async def finish(self, writer: Writer) -> None:
        assert writer.task is not None
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(writer.task), WAIT)


async def _play(url: str, plan: list[tuple[str, int]]) -> None:
    store = Store(url, sqlite_pool_size=3)
    try:
        await empty_table(store)
        turns = Turns(store)
        cancelled_before_entry: set[int] = set()
        for action, pick in plan:
            if action == "start":
                turns.start()
            elif action == "pause":
                # Lets waiters age (SQLite's busy handler sleeps longer the longer one waited):
                # an input that varies the interleaving; nothing asserted depends on time.
                await asyncio.sleep(pick / 1000)
            elif turns.writers:
                writer = turns.writers[pick % len(turns.writers)]
                if action == "release":
                    writer.release.set()
                else:
                    assert writer.task is not None
                    if not writer.entered.is_set() and not writer.task.done():
                        cancelled_before_entry.add(writer.number)
                    writer.task.cancel()
                if writer.entered.is_set() or action == "cancel":
                    await turns.finish(writer)
            await settle(turns.writers)
        for writer in turns.writers:
            writer.release.set()
        for writer in turns.writers:
            await turns.finish(writer)

        assert turns.most_open <= 1
        # Entered in the order they arrived, skipping those cancelled while they waited.
        expected = [w.number for w in turns.writers if w.number not in cancelled_before_entry]
        assert turns.entry_order == expected
        async with store.begin() as conn:
            stored = sorted(x for (x,) in await conn.execute(text("SELECT x FROM t")))
        committed = sorted(w.number for w in turns.writers if w.task and not w.task.cancelled())
        assert stored == committed
    finally:
        await store.dispose()


actions = st.one_of(
    st.tuples(st.just("start"), st.just(0)),
    st.tuples(st.just("pause"), st.integers(0, 40)),
    st.tuples(st.just("release"), st.integers(0, 7)),
    st.tuples(st.just("cancel"), st.integers(0, 7)),
)


@interleavings
@given(plan=st.lists(actions, min_size=1, max_size=16))
def test_transactions_take_turns_in_arrival_order_through_cancellations(sqlite_url, plan):
    asyncio.run(_play(sqlite_url, plan))


async def test_a_transaction_opened_inside_its_own_task_transaction_is_refused(sqlite_url):
    store = Store(sqlite_url)
    try:
        async with store.begin():
            with pytest.raises(NestedTransaction):
                async with store.begin():
                    pass
        async with store.begin() as conn:  # the turn was given back
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await store.dispose()


async def test_a_task_started_inside_a_transaction_may_open_its_own_after_it(sqlite_url):
    store = Store(sqlite_url)
    try:
        done = asyncio.Event()

        async def later() -> int:
            await done.wait()
            async with store.begin() as conn:
                return (await conn.execute(text("SELECT 2"))).scalar_one()

        async with store.begin():
            child = asyncio.create_task(later())  # copies the context of the open transaction
        done.set()
        assert await asyncio.wait_for(child, WAIT) == 2
    finally:
        await store.dispose()


def test_a_store_outlives_its_event_loop_and_takes_turns_in_the_next(sqlite_url):
    store = Store(sqlite_url)

    async def write(value: int) -> list[int]:
        async with store.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS u (x INTEGER)"))
            await conn.execute(text("INSERT INTO u VALUES (:x)"), {"x": value})

        # Two transactions at once in this loop: they take turns on this loop's lock.
        async def read() -> list[int]:
            async with store.begin() as conn:
                return [x for (x,) in await conn.execute(text("SELECT x FROM u ORDER BY x"))]

        first, second = await asyncio.gather(read(), read())
        assert first == second
        return first

    assert asyncio.run(write(1)) == [1]
    assert asyncio.run(write(2)) == [1, 2]
    asyncio.run(store.dispose())


async def test_a_database_locked_by_another_process_fails_as_a_sqlalchemy_error(sqlite_url):
    store = Store(sqlite_url)
    # This store's connections give up on the lock at once (the product waits 30 s).
    event.listen(
        store.engine.sync_engine,
        "connect",
        lambda connection, _record: connection.execute("PRAGMA busy_timeout=0"),
    )
    await store.create_schema()
    path = sqlite_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)  # another process's writer
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError, match="locked"):
            async with store.begin():
                pass
        other.execute("ROLLBACK")
        async with store.begin() as conn:  # the store is usable once the lock is free
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        other.close()
        await store.dispose()


async def test_a_task_waiting_on_a_transaction_its_parent_holds_fails_instead_of_hanging():
    # The parent holds the turn and waits for a child that needs it: without a bound on the
    # wait this never ends (SQLite's own lock gave up after its busy timeout).
    turn = WriteTurn(wait_seconds=0.2)

    async def child() -> None:
        async with turn.taken():
            pass

    async with turn.taken():
        with pytest.raises(TurnTimeout, match="held the database"):
            await asyncio.wait_for(child(), WAIT)
    async with turn.taken():  # the turn is free again
        pass
