"""The catalogue jobs: the initial product load and the reconciliation of what changed."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ctbridge.connectors.ordergroove.client import OrdergrooveClient
from ctbridge.connectors.ordergroove.frontier import ResolutionFrontier
from ctbridge.connectors.ordergroove.ledger import Accepted, SyncLedger
from ctbridge.connectors.ordergroove.load_commit import LoadCommitter
from ctbridge.connectors.ordergroove.outage import OutageTolerance
from ctbridge.connectors.ordergroove.product_mapping import MappingRules, ProductMapping
from ctbridge.connectors.ordergroove.upload import Resolution, UploadPipeline
from ctbridge.engine.connector import JobContext
from ctbridge.engine.read_ahead import ReadAhead

if TYPE_CHECKING:
    from ctbridge.commercetools.client import CommercetoolsClient

ProductMapper = Callable[[Mapping[str, Any], MappingRules, datetime], ProductMapping]
PAGE_SIZE = 100  # small first page: the first bulk call leaves sooner
PAGES_AHEAD = 2


class CatalogSync:
    """Streams every published product projection to Ordergroove in exact batches.

    Pages come by keyset (`id > last`, never offsets) and are fetched ahead while batches are
    sent, so the rate limiter, not commercetools, sets the pace. The checkpoint (the last product
    id whose variants Ordergroove has all answered for, with the counts so far) is saved only
    after Ordergroove accepted the batches up to it, so a crashed load resumes without losing
    or re-counting products. A call Ordergroove cannot serve is retried with backoff for up to
    `outage_tolerance_seconds` of unavailability (the report says for how long); past that the
    run fails with `OrdergrooveOutage` and its checkpoint intact. With `only_changed`, variants whose payload matches the ledger's
    last accepted one are not sent (reconciliation).
    """

    def __init__(
        self,
        commercetools: CommercetoolsClient,
        client: OrdergrooveClient,
        ledger: SyncLedger,
        rules: MappingRules,
        mapper: ProductMapper,
        *,
        batch_size: int = 100,
        max_in_flight: int = 1,
        page_size: int = PAGE_SIZE,
        outage_tolerance_seconds: float = 900.0,
    ) -> None:
        self.outage_tolerance = outage_tolerance_seconds
        self.commercetools = commercetools
        self.client = client
        self.ledger = ledger
        self.rules = rules
        self.mapper = mapper
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.page_size = page_size

    async def run(self, ctx: JobContext, *, only_changed: bool = False) -> None:
        checkpoint = await ctx.checkpoint() or {}
        after_id: str | None = checkpoint.get("after_id")
        earlier = Counter({k: int(v) for k, v in (checkpoint.get("counts") or {}).items()})
        products_before = int(checkpoint.get("products", 0))
        for outcome, n in earlier.items():
            ctx.report.count(outcome, n)
        # Into an empty ledger every product is new: no per-page lookups. Events landing during
        # the load are still right: a create Ordergroove refuses as a duplicate goes to update.
        first_load = not only_changed and await self.ledger.is_empty()
        counting = asyncio.create_task(self._total_products())  # progress only: not awaited first
        frontier = ResolutionFrontier()
        committer = LoadCommitter(
            ctx,
            self.ledger,
            frontier,
            after_id=after_id,
            earlier=earlier,
            products_before=products_before,
            total=None,
        )
        counting.add_done_callback(
            lambda task: None if task.cancelled() else committer.set_total(task.result())
        )

        async def on_batch(resolutions: list[Resolution]) -> None:
            accepted = []
            for resolution in resolutions:
                if resolution.outcome == "sent":
                    accepted.append(resolution.product)
                else:
                    ctx.report.item("failed", resolution.sku, resolution.reason)
                frontier.resolve(resolution.tag, resolution.outcome)
            if accepted:
                ctx.report.count("sent", len(accepted))
            committer.accepted(accepted)
            committer.request()

        outage = OutageTolerance(self.outage_tolerance)
        pipeline = UploadPipeline(
            self.client,
            self.ledger,
            batch_size=self.batch_size,
            max_in_flight=self.max_in_flight,
            on_batch=on_batch,
            outage=outage,
            record_ledger=False,  # the committer writes it, before the checkpoint moves
        )
        try:
            async with contextlib.aclosing(self._pages_ahead(after_id)) as pages:
                async for page in pages:
                    await self._send_page(
                        ctx, page, pipeline, frontier, only_changed, lookups=not first_load
                    )
                    committer.request()
            await pipeline.finish()
        except BaseException:
            counting.cancel()
            raise
        finally:
            await pipeline.aclose()
            await committer.flush()
            if outage.failed_calls:
                ctx.report.item("ordergroove_unavailable", "ordergroove", outage.summary())
                ctx.report.count(
                    "ordergroove_unavailable_seconds",
                    round(outage.unavailable_seconds + outage.ongoing_seconds),
                )
        total = await counting
        await ctx.progress(products_before + frontier.committed_products, total, "finished")
        if only_changed:
            await ctx.save_checkpoint(None)

    async def _send_page(
        self,
        ctx: JobContext,
        page: list[dict[str, Any]],
        pipeline: UploadPipeline,
        frontier: ResolutionFrontier,
        only_changed: bool,
        *,
        lookups: bool = True,
    ) -> None:
        now = datetime.now(UTC)
        mappings = [self.mapper(projection, self.rules, now) for projection in page]
        accepted: dict[str, Accepted] = {}
        if lookups:
            accepted = await self.ledger.accepted(
                str(p["product_id"]) for m in mappings for p in m.products
            )
        for mapping in mappings:
            counts: Counter[str] = Counter()
            for skipped in mapping.skipped:
                ctx.report.item("skipped", skipped.item_id, skipped.reason)
                counts["skipped"] += 1
            to_send = mapping.products
            if only_changed:
                to_send = [
                    p
                    for p in mapping.products
                    if not (p["product_id"] in accepted and accepted[p["product_id"]].matches(p))
                ]
                unchanged = len(mapping.products) - len(to_send)
                if unchanged:
                    ctx.report.count("unchanged", unchanged)
                    counts["unchanged"] += unchanged
            # Added to what the ledger lists (`SyncLedger.list_skus`): a sku the product no
            # longer has stays listed, as only the product event that makes it not live may
            # drop it.
            ordinal = frontier.add(mapping.product_id, len(to_send), counts, mapping.skus)
            for product in to_send:
                await pipeline.add(product, tag=ordinal, known=product["product_id"] in accepted)

    def _pages_ahead(self, after_id: str | None) -> ReadAhead[list[dict[str, Any]]]:
        """Keyset pages, read up to PAGES_AHEAD pages ahead of the sender (bounded memory)."""
        pages = self.commercetools.pages(
            "product-projections", after_id=after_id, page_size=self.page_size
        )
        return ReadAhead(pages, ahead=PAGES_AHEAD)

    async def _total_products(self) -> int | None:
        """How many published products there are, for progress only (one cheap query)."""
        try:
            page = await self.commercetools.query(
                "product-projections", limit=1, params={"withTotal": "true"}
            )
        except Exception:  # progress without a total is still progress
            return None
        total = page.get("total")
        return int(total) if total is not None else None
