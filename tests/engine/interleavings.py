"""What the tests of SQLite's write turn share: the bound on a hang, Hypothesis' settings for
interleavings, a fresh table, and waiting until the turn is with someone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from hypothesis import HealthCheck, settings
from sqlalchemy import text

from ctbridge.engine.store import Store

WAIT = 30  # seconds: a bound for a hang, never a pace

interleavings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Waiter(Protocol):
    task: asyncio.Task[None] | None
    entered: asyncio.Event


async def empty_table(store: Store) -> None:
    """Table `t (x INTEGER)`, empty."""
    async with store.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        await conn.execute(text("DELETE FROM t"))


async def settle(waiters: Sequence[Waiter]) -> None:
    """Waits until the turn is with one of `waiters`, or none of them wants it."""
    async with asyncio.timeout(WAIT):
        while True:
            pending = [w for w in waiters if w.task is not None and not w.task.done()]
            if not pending or any(w.entered.is_set() for w in pending):
                return
            await asyncio.sleep(0.001)
