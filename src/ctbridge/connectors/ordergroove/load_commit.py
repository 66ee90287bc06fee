"""Persists a load's progress in the background: ledger entries, skus and checkpoint together."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Mapping
from functools import partial
from typing import Any

from ctbridge.connectors.ordergroove.frontier import ResolutionFrontier
from ctbridge.connectors.ordergroove.ledger import SyncLedger
from ctbridge.engine.connector import JobContext, Progress


class LoadCommitter:
    """Writes what Ordergroove accepted: the accepted payloads (ledger), the skus of the
    products now fully answered for and the resume point past them, in one transaction.

    Batches finish faster than the store can take one write per batch, so requests coalesce:
    `request()` returns at once and one background writer catches up with everything accepted
    so far, at most once per `interval_seconds` (a 10k load made dozens of writes when each
    batch wrote its own); `flush()` writes at once. A crash can lose the latest ledger entries
    or leave the checkpoint behind; both are safe (an unknown sku goes through create, whose
    duplicate answer routes it to update; a resumed load re-sends a few batches through
    update), never the other way round.
    """

    def __init__(
        self,
        ctx: JobContext,
        ledger: SyncLedger,
        frontier: ResolutionFrontier,
        *,
        after_id: str | None,
        earlier: Counter[str],
        products_before: int,
        total: int | None,
        interval_seconds: float = 0.1,
    ) -> None:
        self.interval = interval_seconds
        self._hurry = asyncio.Event()
        self.ctx = ctx
        self.ledger = ledger
        self.frontier = frontier
        self.earlier = earlier
        self.products_before = products_before
        self.total = total
        self._saved = after_id
        self._accepted: dict[str, Mapping[str, Any]] = {}
        self._dirty = False
        self._writer: asyncio.Task[None] | None = None

    def set_total(self, total: int | None) -> None:
        self.total = total

    def accepted(self, products: list[Mapping[str, Any]]) -> None:
        self._accepted.update(self.ledger.entries(products))

    def request(self) -> None:
        """Asks for everything known now to be written soon (never waits)."""
        self._dirty = True
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_until_clean())

    async def flush(self) -> None:
        """Writes everything known now and waits for it (end of the load, or its failure)."""
        self._hurry.set()
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        self._dirty = True
        await self._write_until_clean()

    async def _write_until_clean(self) -> None:
        while self._dirty:
            self._dirty = False
            await self._write()
            if self._dirty and not self._hurry.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), self.interval)

    async def _write(self) -> None:
        self.frontier.advance()
        accepted, self._accepted = self._accepted, {}
        skus = self.frontier.take_committed_skus()
        try:
            if self.frontier.last_committed == self._saved:
                await self.ledger.record_entries(accepted, skus)
                return
            done = self.products_before + self.frontier.committed_products
            sent = self.ctx.report.counts.get("sent", 0)
            # One transaction: the ledger entries, the skus and the resume point past them.
            await self.ctx.save_checkpoint(
                {
                    "after_id": self.frontier.last_committed,
                    "counts": dict(self.earlier + self.frontier.committed),
                    "products": done,
                },
                progress=Progress(done, self.total, f"{sent} sent"),
                along=partial(self.ledger.write_entries, entries=accepted, skus_by_product=skus),
            )
        except BaseException:
            self._accepted = {**accepted, **self._accepted}
            self.frontier.restore_committed_skus(skus)
            raise
        self._saved = self.frontier.last_committed
