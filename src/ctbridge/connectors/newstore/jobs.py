"""The `newstore.stock-sync` job: NewStore ATP → commercetools inventory, full or incremental."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import structlog

from ctbridge.connectors.newstore.outage import OutageWatch, riding_out
from ctbridge.connectors.newstore.stock_sync import (
    InventoryReconciler,
    StockSnapshot,
    read_export,
    read_stocked_products,
)
from ctbridge.engine.connector import JobContext

if TYPE_CHECKING:
    from ctbridge.connectors.newstore.connector import NewStoreConnector

log = structlog.get_logger("ctbridge.newstore")
PROGRESS_ROWS = 10_000  # smaller reads finish before anyone could watch their progress


class StockSync:
    """Chooses the read, reconciles, and keeps the export watermark in the job's checkpoint.

    By default every run is a full read of stocked products. With the ATP export opted in
    (`NEW_STORE_STOCK_SOURCE=export`), a run asks only for products changed after the saved
    watermark; every `NEW_STORE_FULL_SYNC_HOURS` (or with the run parameter `full=true`, or
    without a watermark) it reads everything, which alone may zero entries that left the feed.
    The watermark advances only when every write succeeded, so a failed sku is retried by the
    next run. When the export is refused (any 4xx but 429) the job warns once and reads stocked
    products from then on.
    """

    def __init__(self, connector: NewStoreConnector) -> None:
        self.connector = connector
        self.settings = connector.settings
        self.phase_seconds: dict[str, float] = {}
        self._export_refused = False

    async def _read(self, since: int | None) -> StockSnapshot:
        """The ATP export when usable (changes after `since`, or all), else stocked products."""
        client = self.connector.newstore
        snapshot = None
        if self.export_usable:
            snapshot = await read_export(client, self.settings, since)
            if snapshot is None:
                self._export_refused = True
                log.warning(
                    "newstore.export_unavailable",
                    detail="NewStore refused the ATP export; reading stocked products instead "
                    "(set NEW_STORE_STOCK_SOURCE=stocked_products to silence this)",
                )
        if snapshot is None:
            snapshot = await read_stocked_products(client, self.settings)
        return snapshot

    @property
    def export_usable(self) -> bool:
        s = self.settings
        return (
            s.stock_source == "export"
            and not self._export_refused
            and not s.per_channel
            and s.atp_field == "atp"
        )

    async def __call__(self, ctx: JobContext) -> None:
        """One run, riding out a NewStore outage up to NEW_STORE_OUTAGE_TOLERANCE_SECONDS; the
        report's `newstore_unavailable_ms` says how long NewStore was down, failed run or not."""
        watch = OutageWatch(self.settings.outage_tolerance_seconds)
        try:
            with riding_out(watch):
                await self._run(ctx)
        finally:
            ctx.report.count("newstore_unavailable_ms", round(watch.total_seconds() * 1000))

    async def _run(self, ctx: JobContext) -> None:
        # Only the export keeps a watermark; a read of stocked products is always full.
        checkpoint = (await ctx.checkpoint() if self.export_usable else None) or {}
        now = time.time()
        full_due = (
            str(ctx.params.get("full", "")).lower() in ("1", "true", "yes")
            or checkpoint.get("watermark") is None
            or now - float(checkpoint.get("full_at", 0)) > self.settings.full_sync_hours * 3600
        )
        reconciler = InventoryReconciler(
            self.connector.runtime.commercetools, self.settings, ctx.report, ctx.progress
        )
        since = None if full_due else int(checkpoint["watermark"])
        started = time.perf_counter()
        # commercetools is read while NewStore is: its first pages wait for the feed's ATP.
        reconciler.start(full_scan=since is None)
        try:
            snapshot = await self._read(since)
        except BaseException:
            await reconciler.close()
            raise
        mode = "full" if snapshot.complete or snapshot.watermark is None else "incremental"
        phases = {"read_newstore": time.perf_counter() - started}
        if snapshot.rows >= PROGRESS_ROWS:
            await ctx.progress(0, None, f"{mode}: {snapshot.rows} NewStore rows read")
        ctx.report.count("rows_read", snapshot.rows)
        ctx.report.count("rows_ignored", snapshot.ignored)
        if not snapshot.complete and mode == "full":
            ctx.report.item("incomplete_read", "stocked_products", "feed changed during the read")
        await reconciler.run(snapshot)
        ctx.report.count("written", reconciler.written)
        self.phase_seconds = {**phases, **reconciler.phase_seconds}
        log.info(
            "newstore.stock_sync",
            mode=mode,
            seconds={k: round(v, 3) for k, v in self.phase_seconds.items()},
            **dict(ctx.report.counts),
        )
        if snapshot.watermark is not None and not ctx.report.counts["failed"]:
            await ctx.save_checkpoint(
                {
                    "watermark": snapshot.watermark,
                    "full_at": now if mode == "full" else checkpoint.get("full_at", 0),
                }
            )
