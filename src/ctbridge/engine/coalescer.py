"""Turns many per-item calls into few bulk calls: collect up to N items or T seconds, then flush."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Flush = Callable[[list[T]], Awaitable[Sequence[R | BaseException]]]


class Coalescer(Generic[T, R]):
    """`await submit(item)` returns that item's result once the batch it joined was flushed.

    A batch is flushed when it holds `max_items` or `max_wait_seconds` after its first item
    arrived. `flush` returns one result per item in order; an exception object in that list
    is raised to its submitter only, and an exception raised by `flush` reaches every submitter
    of that batch. Batches flush one after another, never concurrently, so a target sees at most
    one bulk call in flight from this coalescer.
    """

    def __init__(
        self, flush: Flush[T, R], *, max_items: int = 100, max_wait_seconds: float = 0.05
    ) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self._flush = flush
        self.max_items = max_items
        self.max_wait = max_wait_seconds
        self._items: list[T] = []
        self._futures: list[asyncio.Future[R]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._flush_lock = asyncio.Lock()
        self._pending_flushes: set[asyncio.Task[None]] = set()
        self.flushes = 0

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._items.append(item)
        self._futures.append(future)
        if len(self._items) >= self.max_items:
            self._start_flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.max_wait, self._start_flush)
        return await future

    def _start_flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._items:
            return
        items, futures = self._items, self._futures
        self._items, self._futures = [], []
        task = asyncio.get_running_loop().create_task(self._run(items, futures))
        self._pending_flushes.add(task)
        task.add_done_callback(self._pending_flushes.discard)

    async def _run(self, items: list[T], futures: list[asyncio.Future[R]]) -> None:
        async with self._flush_lock:
            self.flushes += 1
            try:
                results = list(await self._flush(items))
                if len(results) != len(items):
                    raise RuntimeError(
                        f"flush returned {len(results)} results for {len(items)} items"
                    )
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
        """Flushes what is waiting now and waits for every flush in progress."""
        self._start_flush()
        while self._pending_flushes:
            await asyncio.gather(*list(self._pending_flushes), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
