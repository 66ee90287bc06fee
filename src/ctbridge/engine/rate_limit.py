"""A token bucket per target whose state lives in the store, so every worker shares one limit."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select, update

from ctbridge.engine.store import Store
from ctbridge.engine.tables import rate_buckets

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
