"""Transactions run whole in the SQLite thread (`Store.transact`) take the same turns as those
through aiosqlite: never two open at once, even when the caller of one is cancelled while its
thread is still inside it (it then commits, and the caller learns it was cancelled)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from ctbridge.engine.store import Store
from tests.engine.interleavings import WAIT, empty_table, interleavings, settle


@dataclass
class Writer:
    number: int
    threaded: bool
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: threading.Event = field(default_factory=threading.Event)  # for the thread
    released: asyncio.Event = field(default_factory=asyncio.Event)  # for the loop
    began = False  # set by the SQLite thread when the transaction's work starts…
    ended = False  # …and when it ends
    task: asyncio.Task[None] | None = None


class Writers:
    """Writers hold their transaction until released; some run it in the SQLite thread."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writers: list[Writer] = []
        self.open = 0
        self.most_open = 0
        self.count_lock = threading.Lock()

    def start(self, threaded: bool) -> None:
        writer = Writer(len(self.writers), threaded)
        writer.task = asyncio.create_task(self._write(writer))
        self.writers.append(writer)

    def _enter(self) -> None:
        with self.count_lock:
            self.open += 1
            self.most_open = max(self.most_open, self.open)

    def _leave(self) -> None:
        with self.count_lock:
            self.open -= 1

    async def _write(self, writer: Writer) -> None:
        if writer.threaded:
            loop = asyncio.get_running_loop()

            def work(conn: Connection) -> None:
                writer.began = True
                self._enter()
                try:
                    loop.call_soon_threadsafe(writer.entered.set)
                    if not writer.release.wait(WAIT):
                        raise TimeoutError("never released")
                    conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": writer.number})
                finally:
                    self._leave()
                    writer.ended = True

            await self.store.transact(work)
            return
        async with self.store.begin() as conn:
            self._enter()
            try:
                writer.entered.set()
                await writer.released.wait()
                await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": writer.number})
            finally:
                self._leave()

    def turn_is_held_while_a_thread_works(self) -> None:
        # Read on the loop, which alone could give the turn back: no race with the thread.
        if any(w.began and not w.ended for w in self.writers):
            turn = self.store._write_turn
            assert turn is not None and turn._current_lock().locked()


async def _step(writers: Writers, action: str, pick: int) -> None:
    if action in ("start", "start_threaded"):
        writers.start(threaded=action == "start_threaded")
    elif writers.writers:
        writer = writers.writers[pick % len(writers.writers)]
        if action == "release":
            writer.release.set()
            writer.released.set()
        else:
            assert writer.task is not None
            writer.task.cancel()
            for _ in range(5):  # lets the task act on it (a few loop turns, no timing)
                await asyncio.sleep(0)
    await settle(writers.writers)
    writers.turn_is_held_while_a_thread_works()


async def _play(url: str, plan: list[tuple[str, int]]) -> None:
    store = Store(url, sqlite_pool_size=3)
    try:
        await empty_table(store)
        writers = Writers(store)
        try:
            for action, pick in plan:
                await _step(writers, action, pick)
        finally:
            for writer in writers.writers:  # a failed check must not leave a thread waiting
                writer.release.set()
                writer.released.set()
        results = await asyncio.wait_for(
            asyncio.gather(*(w.task for w in writers.writers), return_exceptions=True), WAIT
        )
        assert not [r for r in results if not isinstance(r, (type(None), asyncio.CancelledError))]
        assert writers.most_open <= 1
        async with store.begin() as conn:
            stored = sorted(x for (x,) in await conn.execute(text("SELECT x FROM t")))
        # A threaded transaction whose work had begun when its caller was cancelled commits.
        expected = sorted(
            w.number
            for w in writers.writers
            if (w.began if w.threaded else w.task and not w.task.cancelled())
        )
        assert stored == expected
    finally:
        await store.dispose()


actions = st.one_of(
    st.tuples(st.just("start"), st.just(0)),
    st.tuples(st.just("start_threaded"), st.just(0)),
    st.tuples(st.just("release"), st.integers(0, 7)),
    st.tuples(st.just("cancel"), st.integers(0, 7)),
)


@interleavings
@given(plan=st.lists(actions, min_size=1, max_size=16))
def test_threaded_and_async_transactions_never_overlap_through_cancellations(sqlite_url, plan):
    asyncio.run(_play(sqlite_url, plan))


async def test_a_threaded_transaction_that_fails_writes_nothing(sqlite_url):
    store = Store(sqlite_url)
    try:
        async with store.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))

        def half_done(conn: Connection) -> None:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise ValueError("refused halfway")

        with pytest.raises(ValueError, match="halfway"):
            await store.transact(half_done)
        count = await store.transact(
            lambda conn: conn.execute(text("SELECT count(*) FROM t")).scalar_one()
        )
        assert count == 0
    finally:
        await store.dispose()


async def test_a_threaded_transaction_sees_the_callers_context(sqlite_url):
    import contextvars

    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")
    store = Store(sqlite_url)
    try:
        marker.set("the caller's")
        assert await store.transact(lambda _conn: marker.get()) == "the caller's"
    finally:
        with contextlib.suppress(Exception):
            await store.dispose()
