"""An async iterator read in a task of its own, a bounded number of items ahead of its consumer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

Item = TypeVar("Item")


class _End:
    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class ReadAhead(Generic[Item]):
    """Starts reading `source` at once and keeps at most `ahead` items waiting for the consumer.

    The reads overlap whatever the consumer does meanwhile (another read, writes); memory stays
    bounded by `ahead`. An error of the source is raised to the consumer where the item would
    have been. `aclose()` stops the reading (call it when the items are no longer wanted).
    """

    def __init__(self, source: AsyncIterator[Item], ahead: int = 2) -> None:
        self._queue: asyncio.Queue[Item | _End] = asyncio.Queue(ahead)
        self._task = asyncio.create_task(self._read(source))

    async def _read(self, source: AsyncIterator[Item]) -> None:
        try:
            async for item in source:
                await self._queue.put(item)
        except Exception as error:
            await self._queue.put(_End(error))
            return
        await self._queue.put(_End())

    def __aiter__(self) -> ReadAhead[Item]:
        return self

    async def __anext__(self) -> Item:
        item = await self._queue.get()
        if isinstance(item, _End):
            self._queue.put_nowait(item)  # later calls end the same way
            if item.error is not None:
                raise item.error
            raise StopAsyncIteration
        return item

    async def aclose(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
