"""Short SQLite transactions run whole in one worker thread: one hand-off, not three per statement.

Through aiosqlite every statement is three trips between the event loop and the connection's
thread (open a cursor, execute, close it; four with rows to fetch), and each trip costs a thread
wake-up on both sides. A transaction written as plain synchronous code (`work(conn)`) instead
runs on a synchronous engine on the same file, in this one thread, and the loop waits for it
once: a job's run record (three statements) took 1.2 ms through aiosqlite and 0.4 ms here.
The caller holds the store's write turn meanwhile, so this thread and aiosqlite's never meet
at SQLite's lock from one process.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine, event

T = TypeVar("T")


class ThreadedTransactions:
    """`await run(work)` runs `work(conn)` in one transaction of `engine`, in a thread of its own.

    The engine is built by the caller (its URL, pragmas and BEGIN), with one connection: the one
    thread is the only one that uses it.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ctbridge-sqlite")

    async def run(self, work: Callable[[Connection], T]) -> T:
        """The work's result. A caller cancelled meanwhile still waits for the transaction to
        end (a thread cannot be stopped halfway; the write turn must be held until it has
        committed or rolled back), then is cancelled."""
        loop = asyncio.get_running_loop()
        # The thread sees the caller's context (its trace and log fields), as `to_thread` does.
        call = functools.partial(contextvars.copy_context().run, self._transact, work)
        done = loop.run_in_executor(self._executor, call)
        interrupted = False
        while not done.done():
            try:
                await asyncio.wait({done})
            except asyncio.CancelledError:
                interrupted = True
        if interrupted:
            raise asyncio.CancelledError
        return done.result()

    async def connect(self) -> None:
        """Opens the thread and its connection now rather than in the first transaction."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._connect)

    def _connect(self) -> None:
        self.engine.connect().close()  # back into the pool, open

    def _transact(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as conn:
            return work(conn)

    def dispose(self) -> None:
        self._executor.shutdown(wait=True)
        self.engine.dispose()


def sqlite_engine(
    path_url: str | URL, on_connect: Callable[[Any, Any], None], begin: str
) -> Engine:
    """A synchronous engine on the SQLite file of `path_url` (`sqlite:///…`) with one connection;
    `on_connect(dbapi_connection, record)` sets it up and every transaction starts with `begin`."""
    engine = create_engine(
        path_url,
        pool_size=1,
        max_overflow=0,
        hide_parameters=True,  # errors must never log payloads
        pool_reset_on_return=None,  # every transaction here ends itself (commit or rollback)
        # Made in the worker thread, but closed by `dispose` from the loop's thread.
        connect_args={"check_same_thread": False},
    )
    event.listen(engine, "connect", on_connect)

    def start(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    event.listen(engine, "begin", start)
    return engine
