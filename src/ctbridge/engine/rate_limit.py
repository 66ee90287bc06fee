"""Rate limits per target whose state lives in the store, so every worker shares one limit."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from sqlalchemy import select, update

from ctbridge.engine import metrics
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
        started = time.monotonic()
        while True:
            wait = await self._try_take(tokens)
            if wait <= 0:
                _count_wait(self.key, started)
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
    quota being used up). Concurrent callers in one process share a transaction, which also
    takes ahead what the process used in the last `hold_seconds`; those takes are counted as
    made at the end of the hold and unused ones lapse with it (at most one hold's demand).
    """

    def __init__(
        self,
        store: Store,
        key: str,
        *,
        quota: int,
        window_seconds: float = 60.0,
        slot_seconds: float = 0.1,
        margin_seconds: float = 0.1,
        hold_seconds: float = 0.25,
    ) -> None:
        if quota < 1:
            raise ValueError("quota must be at least 1")
        self.store = store
        self.key = key
        self.quota = quota
        self.window = window_seconds
        self.slot = slot_seconds
        self.margin = margin_seconds
        self.hold = hold_seconds
        self._waiters: list[asyncio.Future[None]] = []
        self._taker: asyncio.Task[None] | None = None
        self._allowance = 0
        self._allowance_until = 0.0
        self._served: list[tuple[float, int]] = []

    async def acquire(self) -> None:
        """Returns once a take fits the quota and no pause is in force.

        Callers waiting in this process are served together by one transaction, or from the
        takes taken ahead while they are still held.
        """
        started = time.monotonic()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        if self._taker is None or self._taker.done():
            self._taker = asyncio.create_task(self._serve_waiters())
        await waiter
        _count_wait(self.key, started)

    async def _serve_waiters(self) -> None:
        while self._waiters:
            now = time.monotonic()
            if self._allowance and now < self._allowance_until:
                served = min(self._allowance, len(self._waiters))
                self._allowance -= served
                self._release(served)
                continue
            self._allowance = 0
            wanted = len(self._waiters)
            # Take ahead what this process used in the last hold period, so a steady stream of
            # calls costs one transaction per period instead of one per call.
            recent = sum(n for at, n in self._served if at > now - self.hold)
            try:
                granted, wait = await self._try_take(wanted, ahead=recent)
            except Exception as error:  # the store failed: every waiter learns it
                waiters, self._waiters = self._waiters, []
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(error)
                return
            served = min(granted, len(self._waiters))
            self._allowance = granted - served
            self._allowance_until = time.monotonic() + self.hold
            self._release(served)
            if self._waiters and wait > 0:
                await asyncio.sleep(min(wait, MAX_SINGLE_WAIT))

    def _release(self, count: int) -> None:
        now = time.monotonic()
        self._served = [(at, n) for at, n in self._served if at > now - self.hold]
        self._served.append((now, count))
        served, self._waiters = self._waiters[:count], self._waiters[count:]
        for waiter in served:
            if not waiter.done():
                waiter.set_result(None)

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

    async def _try_take(self, wanted: int = 1, *, ahead: int = 0) -> tuple[int, float]:
        """Takes up to `wanted` now and up to `ahead` more for the next `hold` seconds; returns
        how many were taken and, if fewer than `wanted`, the seconds to wait."""
        async with self.store.begin() as conn:
            row = await self._locked_row(conn)
            now = time.time()
            if row.paused_until > now:
                return 0, row.paused_until - now
            slots = {
                int(slot): int(count)
                for slot, count in json.loads(row.slots).items()
                if self._release_time(int(slot)) > now
            }
            room = self.quota - sum(slots.values())
            granted = min(wanted, room)
            if granted <= 0:
                return 0, self._release_time(min(slots)) - now
            current = int(now // self.slot)
            slots[current] = slots.get(current, 0) + granted
            extra = min(ahead, room - granted)
            if extra > 0:  # handed out later, up to `hold` seconds: counted at the hold's end
                later = int((now + self.hold) // self.slot)
                slots[later] = slots.get(later, 0) + extra
                granted += extra
            await conn.execute(
                update(rate_windows)
                .where(rate_windows.c.key == self.key)
                .values(slots=json.dumps(slots))
            )
            if granted < wanted:
                return granted, self._release_time(min(slots)) - now
            return granted, 0.0

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


def _count_wait(key: str, started: float) -> None:
    """Time spent waiting for the limit, for the rate-limit alert (`ctbridge_rate_limit_wait_*`)."""
    waited = time.monotonic() - started
    if waited > 0:
        metrics.RATE_LIMIT_WAIT_SECONDS.labels(key).inc(waited)
