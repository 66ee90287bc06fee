"""Group commit for intake: deliveries arriving together are stored in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import structlog

from ctbridge.engine.inbox import Inbox
from ctbridge.engine.message import Message

log = structlog.get_logger("ctbridge.intake")

Item = tuple[Message, Sequence[str], "asyncio.Future[bool]"]


class IntakeWriter:
    """`await submit(message, connectors)` returns once the message is durably stored (True) or
    known as a duplicate (False). While one transaction is being written, new deliveries queue
    up and go into the next one, so throughput grows with load without adding latency at rest."""

    def __init__(self, inbox: Inbox, *, max_batch: int = 500) -> None:
        self.inbox = inbox
        self.max_batch = max_batch
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="intake-writer")

    async def submit(self, message: Message, connectors: Sequence[str]) -> bool:
        if self._task is None:
            self.start()
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put((message, connectors, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                results: list[bool | BaseException] = list(
                    await self.inbox.enqueue_many([(m, c) for m, c, _ in batch])
                )
            except Exception:
                # One bad row must not fail its neighbours: store them one by one, so that only
                # the bad one is answered non-2xx (and redelivered).
                log.warning(
                    "intake batch failed; storing its messages one by one", batch=len(batch)
                )
                results = [
                    await self._store_alone(message, connectors) for message, connectors, _ in batch
                ]
            for (_, _, future), result in zip(batch, results, strict=True):
                if not future.done():
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
                self._queue.task_done()

    async def _store_alone(
        self, message: Message, connectors: Sequence[str]
    ) -> bool | BaseException:
        try:
            return await self.inbox.enqueue(message, connectors)
        except Exception as error:
            log.error(
                "could not store message", message_id=message.id[:255], error=type(error).__name__
            )
            return error

    async def close(self) -> None:
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
