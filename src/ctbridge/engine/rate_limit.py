"""Rate limits per target whose state lives in the store, so every worker shares one limit."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from sqlalchemy import select, update

from ctbridge.engine.store import Store
from ctbridge.engine.tables import rate_buckets, rate_windows

MAX_SINGLE_WAIT = 5.0


class RateLimiter:
    """`await acquire()` returns once a token was taken from the shared bucket.

    The bucket refills at `per_minute / 60` tokens per second up to `burst` (default: one
    second's worth, at least 1), so a full bucket can never push a minute over the limit by more
    than `burst`. Every take is one short transaction; on PostgreSQL the row lock serialises
    workers, on SQLite the database lock does.
    """

    def __init__(
        self, store: Store, key: str, *, per_minute: float, burst: int | None = None
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.store = store
        self.key = key
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, int(self.rate)))

    async def acquire(self, tokens: int = 1) -> None:
        if tokens > self.capacity:
            raise ValueError(f"cannot take {tokens} tokens from a bucket of {self.capacity}")
        while True:
            wait = await self._try_take(tokens)
            if wait <= 0:
                return
            await asyncio.sleep(min(wait, MAX_SINGLE_WAIT))

    async def _try_take(self, tokens: int) -> float:
        """Takes tokens if available and returns 0, else returns the seconds to wait."""
        async with self.store.begin() as conn:
            query = select(rate_buckets.c.tokens, rate_buckets.c.updated_at).where(
                rate_buckets.c.key == self.key
            )
            if not self.store.is_sqlite:
                query = query.with_for_update()
            row = (await conn.execute(query)).first()
            # The clock is read once the bucket is locked, so takes are ordered by their times.
            now = time.time()
            if row is None:
                statement = (
                    self.store.insert(rate_buckets)
                    .values(key=self.key, tokens=self.capacity, updated_at=now)
                    .on_conflict_do_nothing(index_elements=[rate_buckets.c.key])
                )
                await conn.execute(statement)
                row = (await conn.execute(query)).first()
            assert row is not None
            available = min(self.capacity, row.tokens + max(0.0, now - row.updated_at) * self.rate)
            if available >= tokens:
                await conn.execute(
                    update(rate_buckets)
                    .where(rate_buckets.c.key == self.key)
                    .values(tokens=available - tokens, updated_at=max(now, row.updated_at))
                )
                return 0.0
            return (tokens - available) / self.rate


class WindowQuota:
    """At most `quota` takes in any `window_seconds`, shared by every worker through the store.

    This is a token bucket whose burst is the whole quota and whose tokens come back one
    window after they were taken: a fresh window allows the full quota at once (what a
    per-minute quota promises), and no sliding window ever holds more than the quota (what the
    target enforces). Takes are counted per `slot_seconds` slot and a slot is released only
    once its *latest* possible take has left the window, plus `margin_seconds` for the time a
    request takes to reach the target, so the guarantee holds with a compact state. `pause`
    records a target's Retry-After for every worker (the only time a take waits without the
    quota being used up).
    """

    def __init__(
        self,
        store: Store,
        key: str,
        *,
        quota: int,
        window_seconds: float = 60.0,
        slot_seconds: float = 0.25,
        margin_seconds: float = 1.0,
    ) -> None:
        if quota < 1:
            raise ValueError("quota must be at least 1")
        self.store = store
        self.key = key
        self.quota = quota
        self.window = window_seconds
        self.slot = slot_seconds
        self.margin = margin_seconds

    async def acquire(self) -> None:
        """Returns once a take fits the quota and no pause is in force."""
        while True:
            wait = await self._try_take()
            if wait <= 0:
                return
            await asyncio.sleep(min(wait, MAX_SINGLE_WAIT))

    async def pause(self, seconds: float) -> None:
        """Every worker waits `seconds` from now (a 429's Retry-After); never shortens a pause."""
        async with self.store.begin() as conn:
            row = await self._locked_row(conn)
            until = max(row.paused_until, time.time() + max(0.0, seconds))
            await conn.execute(
                update(rate_windows)
                .where(rate_windows.c.key == self.key)
                .values(paused_until=until)
            )

    def _release_time(self, slot: int) -> float:
        return (slot + 1) * self.slot + self.window + self.margin

    async def _try_take(self) -> float:
        async with self.store.begin() as conn:
            row = await self._locked_row(conn)
            now = time.time()
            if row.paused_until > now:
                return row.paused_until - now
            slots = {
                int(slot): int(count)
                for slot, count in json.loads(row.slots).items()
                if self._release_time(int(slot)) > now
            }
            if sum(slots.values()) >= self.quota:
                return self._release_time(min(slots)) - now
            current = int(now // self.slot)
            slots[current] = slots.get(current, 0) + 1
            await conn.execute(
                update(rate_windows)
                .where(rate_windows.c.key == self.key)
                .values(slots=json.dumps(slots))
            )
            return 0.0

    async def _locked_row(self, conn: Any) -> Any:
        query = select(rate_windows.c.slots, rate_windows.c.paused_until).where(
            rate_windows.c.key == self.key
        )
        if not self.store.is_sqlite:  # SQLite transactions begin IMMEDIATE: already exclusive
            query = query.with_for_update()
        row = (await conn.execute(query)).first()
        if row is None:
            await conn.execute(
                self.store.insert(rate_windows)
                .values(key=self.key, slots="{}", paused_until=0.0)
                .on_conflict_do_nothing(index_elements=[rate_windows.c.key])
            )
            row = (await conn.execute(query)).first()
        assert row is not None
        return row
