"""The catalog load: every category, then every published product, resumable page by page."""

from __future__ import annotations

import asyncio
from typing import Any

from ctbridge.connectors.fluent.client.errors import FluentError
from ctbridge.connectors.fluent.client.outage import FluentOutage
from ctbridge.connectors.fluent.to_fluent.catalog_sync import CatalogSync
from ctbridge.connectors.fluent.to_fluent.category_mapping import category_ref
from ctbridge.connectors.fluent.to_fluent.product_mapping import ProductSkipped
from ctbridge.engine.connector import JobContext
from ctbridge.errors import Permanent, Retryable

LOAD_PRODUCTS = "load-products"


class CatalogLoad:
    """`fluent.load-products`: categories (parents first), then product projections by keyset
    pages; each page's products go concurrently (the client bounds calls in flight) and the
    checkpoint is saved after every page, so a crashed run resumes after the last full page."""

    def __init__(self, catalog: CatalogSync, *, page_size: int, concurrency: int) -> None:
        self.catalog = catalog
        self.page_size = page_size
        self.concurrency = concurrency

    async def run(self, ctx: JobContext) -> None:
        commercetools = ctx.runtime.commercetools
        checkpoint: dict[str, Any] = await ctx.checkpoint() or {}
        categories = [c async for page in commercetools.pages("categories") for c in page]
        if not checkpoint.get("categories_sent"):
            await self.catalog.send_all(categories)
            ctx.report.count("categories_sent", len(categories))
            checkpoint = {"categories_sent": True, "after_id": None, "done": 0}
            await ctx.save_checkpoint(checkpoint)
        refs = {c["id"]: category_ref(c) for c in categories}
        total = await _total(commercetools)
        done = int(checkpoint.get("done", 0))
        await ctx.progress(done, total, "products")
        slots = asyncio.Semaphore(self.concurrency)
        pages = commercetools.pages(
            "product-projections",
            params={"staged": "false"},
            page_size=self.page_size,
            after_id=checkpoint.get("after_id"),
        )
        async for page in pages:
            await asyncio.gather(*(self._one(ctx, slots, product, refs) for product in page))
            done += len(page)
            checkpoint = {**checkpoint, "after_id": page[-1]["id"], "done": done}
            await ctx.save_checkpoint(checkpoint)
            await ctx.progress(done, total, "products")

    async def _one(
        self,
        ctx: JobContext,
        slots: asyncio.Semaphore,
        product: dict[str, Any],
        refs: dict[str, str],
    ) -> None:
        name = product.get("key") or product["id"]
        async with slots:
            try:
                result = await self.catalog.publish(product, category_refs=refs)
            except FluentOutage:
                raise  # the run fails; the checkpoint stays at the last full page
            except (FluentError, Retryable, Permanent) as error:
                ctx.report.item("failed", name, str(error))
                return
        if isinstance(result, ProductSkipped):
            ctx.report.item("skipped", product["id"], result.reason)
            return
        ctx.report.count("products_sent")
        ctx.report.count("variants_sent", len(result.variants))
        ctx.report.count("fluent_calls", result.calls)
        for ref, reason in result.skipped_variants:
            ctx.report.item("variant_skipped", ref, reason)


async def _total(commercetools: Any) -> int | None:
    page = await commercetools.query(
        "product-projections", limit=1, params={"staged": "false", "withTotal": "true"}
    )
    total = page.get("total")
    return int(total) if total is not None else None
