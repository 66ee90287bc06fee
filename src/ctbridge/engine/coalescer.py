"""Turns many per-item calls into few bulk calls: flush on size, on an idle queue, or a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Flush = Callable[[list[T]], Awaitable[Sequence[R | BaseException]]]
YIELDS_BEFORE_IDLE = 3


class Coalescer(Generic[T, R]):
    """`await submit(item)` returns that item's result once the batch it joined was flushed.

    One flush runs at a time, and the next batch fills while it is in flight. A batch is sent
    when it holds `max_items`; or when the queue went idle: no item arrived for the idle gap,
    counted from the last arrival or from the end of the last flush, whichever is later; or
    when its oldest item has waited `deadline_seconds`. The idle gap starts at
    `max_wait_seconds` and follows the machine: it is at least twice the longest delay seen
    recently between a flush releasing its submitters and the next item arriving (a loaded
    machine hands items on more slowly), capped by the deadline. So a burst of N items costs
    ceil(N / max_items) flushes, one more at most, whatever the load.

    `flush` returns one result per item in order; an exception object in that list is raised
    to its submitter only, and an exception raised by `flush` reaches every submitter of that
    batch.
    """

    def __init__(
        self,
        flush: Flush[T, R],
        *,
        max_items: int = 100,
        max_wait_seconds: float = 0.05,
        deadline_seconds: float = 2.0,
    ) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self._flush = flush
        self.max_items = max_items
        self.base_idle = max_wait_seconds
        self.deadline = max(deadline_seconds, max_wait_seconds)
        self._items: list[tuple[T, asyncio.Future[R], float]] = []
        self._arrived = asyncio.Event()
        self._last_arrival = 0.0
        self._last_flush_end = 0.0
        self._awaiting_first_after_flush = False
        self._turnarounds: list[float] = []
        self._flusher: asyncio.Task[None] | None = None
        self.flushes = 0

    @property
    def idle_gap(self) -> float:
        recent = max(self._turnarounds, default=0.0)
        return min(self.deadline, max(self.base_idle, 2 * recent))

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        now = time.monotonic()
        if self._awaiting_first_after_flush:
            self._awaiting_first_after_flush = False
            turnaround = min(now - self._last_flush_end, self.deadline / 2)
            self._turnarounds = [*self._turnarounds[-7:], turnaround]
        self._items.append((item, future, now))
        self._last_arrival = now
        self._arrived.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._items:
            await self._until_batch_ready()
            batch, self._items = self._items[: self.max_items], self._items[self.max_items :]
            await self._send(batch)
            self._last_flush_end = time.monotonic()
            # Leftovers wait for the submitters this flush released: how long those take to
            # come back is the machine's turnaround, which the idle gap must outlast.
            self._awaiting_first_after_flush = bool(self._items)

    async def _until_batch_ready(self) -> None:
        while len(self._items) < self.max_items:
            now = time.monotonic()
            quiet_since = max(self._last_arrival, self._last_flush_end)
            idle_left = quiet_since + self.idle_gap - now
            deadline_left = self._items[0][2] + self.deadline - now
            if deadline_left <= 0:
                return
            if idle_left <= 0:
                # A starved event loop may hold submitters that are ready to run: let them.
                arrivals = len(self._items)
                for _ in range(YIELDS_BEFORE_IDLE):
                    await asyncio.sleep(0)
                if len(self._items) == arrivals:
                    return
                continue
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(idle_left, deadline_left))

    async def _send(self, batch: list[tuple[T, asyncio.Future[R], float]]) -> None:
        self.flushes += 1
        futures = [future for _, future, _ in batch]
        try:
            results = list(await self._flush([item for item, _, _ in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"flush returned {len(results)} results for {len(batch)} items")
        except BaseException as error:  # every submitter of the batch must learn the failure
            for future in futures:
                if not future.done():
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for future, result in zip(futures, results, strict=True):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def drain(self) -> None:
        """Flushes what is waiting now (without waiting for more) and waits for it."""
        while self._flusher is not None and not self._flusher.done():
            self.deadline_now()
            await asyncio.gather(self._flusher, return_exceptions=True)

    def deadline_now(self) -> None:
        """Makes every waiting item due at once (drain, shutdown)."""
        self._items = [(item, future, float("-inf")) for item, future, _ in self._items]
        self._arrived.set()

    async def close(self) -> None:
        await self.drain()
