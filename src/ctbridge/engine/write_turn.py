"""Takes turns at SQLite's one write lock inside a process: in arrival order, woken at once.

Every SQLite transaction here begins IMMEDIATE, so it takes the database's write lock before its
first statement. Two transactions of one process that meet at that lock would otherwise settle
it in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries
(sqlite.org/c3ref/busy_timeout.html; `sqliteDefaultBusyCallback` in sqlite3.c): a
rate-limit take queued behind a ledger write woke tens of milliseconds after the lock was
free. Waiting on an asyncio lock instead wakes the next transaction when the previous one
ends. Other processes on the same file still meet this one at SQLite's own lock.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass


class TurnTimeout(TimeoutError):
    """Another transaction of this process held the write lock for longer than a transaction
    waits for it (as SQLite's "database is locked" after its busy timeout)."""


class NestedTransaction(RuntimeError):
    """A task opened a second transaction while its first was still open: on SQLite that one
    waits for the write lock its own task holds, for ever."""


@dataclass(slots=True)
class _Holder:
    task: asyncio.Task[object] | None
    turn: WriteTurn
    open: bool = True


_holding: ContextVar[_Holder | None] = ContextVar("ctbridge_write_turn", default=None)


class WriteTurn:
    """`async with turn.taken():` runs the block while no other transaction of this process's
    event loop is open. Each loop has its own lock (a store may outlive a loop, or be used from
    a second loop in another thread: those meet at SQLite's own lock, as other processes do)."""

    def __init__(self, *, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def taken(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        holder = _holding.get()
        if holder is not None and holder.open and holder.turn is self and holder.task is task:
            raise NestedTransaction("a transaction was opened inside another one of the same task")
        lock = self._current_lock()
        try:
            async with asyncio.timeout(self.wait_seconds):
                await lock.acquire()
        except TimeoutError:
            raise TurnTimeout(
                f"another transaction of this process held the database for over "
                f"{self.wait_seconds:g} s"
            ) from None
        mine = _Holder(task, self)
        reset = _holding.set(mine)
        try:
            yield
        finally:
            mine.open = False  # tasks started inside the block copied `mine`: now closed
            _holding.reset(reset)
            lock.release()

    def _current_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock
