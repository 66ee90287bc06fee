"""Writes run by a fixed number of workers while the caller is still finding them (bounded)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType

Write = Callable[[], Awaitable[None]]


class WriteQueue:
    """`await put(write)` hands a write to one of `workers` tasks; at most `capacity` wait.

    Writes start as soon as they are found, so reading and writing overlap, and the queue's
    capacity bounds what a large run holds. Leaving the `async with` block waits for every write
    queued. A write that raises stops the others (what is still queued is dropped) and the error
    is raised to the caller, from `put` or on leaving the block. Writes are expected to report
    their own expected failures (the reconciler's do).
    """

    def __init__(self, workers: int, capacity: int | None = None) -> None:
        self._queue: asyncio.Queue[Write | None] = asyncio.Queue(capacity or 4 * workers)
        self._workers_wanted = max(1, workers)
        self._workers: list[asyncio.Task[None]] = []
        self._failure: BaseException | None = None

    async def __aenter__(self) -> WriteQueue:
        return self

    async def put(self, write: Write) -> None:
        if self._failure is not None:
            raise self._failure
        # Workers start with the first write: a run with nothing to write starts none.
        if len(self._workers) < self._workers_wanted:
            self._workers.append(asyncio.create_task(self._work()))
        await self._queue.put(write)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is not None:
            for worker in self._workers:
                worker.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
            return
        for _ in self._workers:
            await self._queue.put(None)
        try:
            await asyncio.gather(*self._workers)
        finally:
            for worker in self._workers:
                worker.cancel()
        if self._failure is not None:
            raise self._failure

    async def _work(self) -> None:
        while (write := await self._queue.get()) is not None:
            if self._failure is not None:
                continue  # drain without writing, so that `put` never waits on a dead queue
            try:
                await write()
            except Exception as failure:
                self._failure = failure
