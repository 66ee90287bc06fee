"""A connector of a user's own, loaded by module path, with a job that reports and one that fails."""

from __future__ import annotations

from ctbridge.engine.connector import Connector, JobContext, JobSpec


class JobConnector(Connector):
    name = "jobs"

    def jobs(self):
        return [
            JobSpec("count", self.count, description="counts to three"),
            JobSpec("broken", self.broken),
        ]

    async def count(self, ctx: JobContext) -> None:
        for i in range(3):
            ctx.report.item("sent", f"item-{i}")
            await ctx.progress(i + 1, 3, "counting")
        ctx.report.item("skipped", "item-x", "no price in EUR")

    async def broken(self, ctx: JobContext) -> None:
        raise ConnectionError("target unreachable")
