"""Sends full Ordergroove products in bulk batches: create what is new, update what exists."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ctbridge.connectors.ordergroove.client import CONFLICT, ItemResult, OrdergrooveClient
from ctbridge.connectors.ordergroove.ledger import SyncLedger
from ctbridge.connectors.ordergroove.outage import OutageTolerance

Endpoint = Literal["create", "update"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """The final outcome of one product: `sent`, or `failed` with Ordergroove's reason."""

    sku: str
    tag: Any
    outcome: str
    reason: str = ""
    product: Mapping[str, Any] | None = None


@dataclass
class _Item:
    product: Mapping[str, Any]
    tag: Any
    tried: list[str] = field(default_factory=list)


OnBatch = Callable[[list[Resolution]], Awaitable[None]]


class UploadPipeline:
    """Packs products into batches of `batch_size` and keeps up to `max_in_flight` calls going.

    A product Ordergroove accepted before (per the ledger) goes to bulk update, others to bulk
    create, so events for known products cost one update per 100. A create refused as a
    duplicate (per-item 400 or whole-call 409) sends the item through update, an update's 404
    through create; no per-product GET is ever needed. After each batch the ledger records
    what was accepted (unless the caller does, `record_ledger=False`), then `on_batch` is
    awaited with that batch's final outcomes (a load saves its checkpoint from there). A call
    that fails as a whole stops the pipeline: `add` or `finish` raise that error.
    """

    def __init__(
        self,
        client: OrdergrooveClient,
        ledger: SyncLedger,
        *,
        batch_size: int = 100,
        max_in_flight: int = 1,
        on_batch: OnBatch | None = None,
        outage: OutageTolerance | None = None,
        record_ledger: bool = True,
    ) -> None:
        self.client = client
        self.outage = outage
        self.record_ledger = record_ledger
        self.ledger = ledger
        self.batch_size = batch_size
        self.on_batch = on_batch
        self.calls: dict[Endpoint, int] = {"create": 0, "update": 0}
        self._queues: dict[Endpoint, list[_Item]] = {"create": [], "update": []}
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()
        self._error: BaseException | None = None

    async def add(self, product: Mapping[str, Any], *, tag: Any, known: bool) -> None:
        """Queues one product; sends a batch (waiting for a free slot) when one is full."""
        self._raise_if_failed()
        queue = self._queues["update" if known else "create"]
        queue.append(_Item(product, tag))
        if len(queue) >= self.batch_size:
            await self._send_full_batches()

    async def finish(self) -> None:
        """Sends what is left, including fallbacks, and waits until every item is resolved."""
        while True:
            self._raise_if_failed()
            if self._tasks:
                await asyncio.wait(set(self._tasks))
                continue
            await self._send_full_batches()
            dispatched = False
            for endpoint in ("create", "update"):
                queue = self._queues[endpoint]
                if queue and not self._tasks:
                    batch, queue[:] = queue[: self.batch_size], queue[self.batch_size :]
                    await self._dispatch(endpoint, batch)
                    dispatched = True
            if not dispatched and not self._tasks:
                self._raise_if_failed()
                return

    async def aclose(self) -> None:
        """Cancels calls still in flight (a cancelled job)."""
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    async def _send_full_batches(self) -> None:
        if max(len(queue) for queue in self._queues.values()) < self.batch_size:
            return
        for endpoint in ("create", "update"):
            queue = self._queues[endpoint]
            while len(queue) >= self.batch_size:
                batch, queue[:] = queue[: self.batch_size], queue[self.batch_size :]
                await self._dispatch(endpoint, batch)

    async def _dispatch(self, endpoint: Endpoint, batch: list[_Item]) -> None:
        await self._slots.acquire()
        if self._error is not None:
            self._slots.release()
            raise self._error
        task = asyncio.create_task(self._send(endpoint, batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, endpoint: Endpoint, batch: list[_Item]) -> None:
        try:
            call = (
                self.client.create_products if endpoint == "create" else self.client.update_products
            )
            self.calls[endpoint] += 1
            products = [item.product for item in batch]
            if self.outage is not None:
                results = await self.outage.call(lambda: call(products))
            else:
                results = await call(products)
            accepted: list[Mapping[str, Any]] = []
            resolutions: list[Resolution] = []
            for item, result in zip(batch, results, strict=True):
                if result.ok:
                    accepted.append(item.product)
                    resolutions.append(
                        Resolution(result.product_id, item.tag, "sent", product=item.product)
                    )
                    continue
                item.tried.append(f"{endpoint} {result.status}")
                fallback = _fallback(endpoint, result, item)
                if fallback is not None:
                    self._queues[fallback].append(item)
                else:
                    resolutions.append(
                        Resolution(result.product_id, item.tag, "failed", _reason(item, result))
                    )
            if self.record_ledger:
                await self.ledger.record_products(accepted)
            if self.on_batch is not None:
                await self.on_batch(resolutions)
        except BaseException as error:
            if self._error is None:
                self._error = error
            if not isinstance(error, Exception):
                raise
        finally:
            self._slots.release()


def _fallback(endpoint: Endpoint, result: ItemResult, item: _Item) -> Endpoint | None:
    """Where an item goes next, so that each endpoint gives it at most one verdict.

    A create's per-item 400 or whole-call 409 (it may exist already; the answer to a duplicate
    is undocumented) goes to update; an update's 404 goes to create, unless a create already
    judged the item itself (a 409 judged only the call, so the item is tried once more).
    """
    judged = {entry.split()[0] for entry in item.tried if not entry.endswith(f" {CONFLICT}")}
    tried = {entry.split()[0] for entry in item.tried}
    if endpoint == "create" and result.status in (400, CONFLICT) and "update" not in tried:
        return "update"
    if endpoint == "update" and result.status == 404 and "create" not in judged:
        return "create"
    return None


def _reason(item: _Item, result: ItemResult) -> str:
    text = f"Ordergroove rejected it ({', '.join(item.tried)})"
    return f"{text}: {result.detail}" if result.detail else text


async def upload_all(
    client: OrdergrooveClient,
    ledger: SyncLedger,
    products: Sequence[tuple[Mapping[str, Any], Any]],
    *,
    batch_size: int = 100,
) -> list[Resolution]:
    """Sends (product, tag) pairs and returns every product's outcome (for event flushes)."""
    outcomes: list[Resolution] = []

    async def collect(resolutions: list[Resolution]) -> None:
        outcomes.extend(resolutions)

    pipeline = UploadPipeline(client, ledger, batch_size=batch_size, on_batch=collect)
    known = await ledger.accepted(str(p["product_id"]) for p, _ in products)
    try:
        for product, tag in products:
            await pipeline.add(product, tag=tag, known=str(product["product_id"]) in known)
        await pipeline.finish()
    finally:
        await pipeline.aclose()
    return outcomes
