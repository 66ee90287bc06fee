"""A connector of a user's own, loaded by module path, with a job that reports and one that fails."""

from __future__ import annotations

import asyncio
import os

from ctbridge.engine.connector import Connector, JobContext, JobSpec

PAGES = 400


class JobConnector(Connector):
    name = "jobs"

    def jobs(self):
        return [
            JobSpec("count", self.count, description="counts to three"),
            JobSpec("broken", self.broken),
            JobSpec("load-products", self.load_products, resumable=True),
        ]

    async def count(self, ctx: JobContext) -> None:
        for i in range(3):
            ctx.report.item("sent", f"item-{i}")
            await ctx.progress(i + 1, 3, "counting")
        ctx.report.item("skipped", "item-x", "no price in EUR")

    async def broken(self, ctx: JobContext) -> None:
        raise ConnectionError("target unreachable")

    async def load_products(self, ctx: JobContext) -> None:
        """A resumable load of PAGES pages, `pause` seconds each, checkpointed after each page."""
        start = (await ctx.checkpoint() or {}).get("next", 0)
        pause = float(ctx.params.get("pause", os.environ.get("JOBS_PAGE_PAUSE", "0.05")))
        for page in range(start, PAGES):
            await asyncio.sleep(pause)
            ctx.report.item("sent", f"page-{page}")
            await ctx.save_checkpoint({"next": page + 1})
