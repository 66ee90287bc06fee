"""`fluent.inventory-sync`: Fluent's aggregate virtual positions → commercetools inventory per channel."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ctbridge.commercetools.errors import InvalidInput, NotFound
from ctbridge.connectors.fluent.client import FluentClient, operations
from ctbridge.connectors.fluent.client.graphql_pages import connection_pages
from ctbridge.connectors.fluent.to_commercetools.sync_window import SyncWindow
from ctbridge.engine.connector import JobContext
from ctbridge.errors import Permanent, Retryable

INVENTORY_SYNC = "inventory-sync"
FLUENT_JOB = "batch-inventory-sync"


def quantities(positions: list[dict[str, Any]]) -> dict[str, int]:
    """sku → quantity; a position read twice counts once (the later one wins), negative stock
    (oversold in Fluent) is 0 in commercetools."""
    return {
        str(p["productRef"]): max(0, int(p.get("quantity") or 0))
        for p in positions
        if p.get("productRef")
    }


class InventorySync:
    def __init__(
        self,
        client: FluentClient,
        runtime: Any,
        *,
        channel_key: str | None,
        catalogue_ref: str | None,
        page_size: int,
        concurrency: int,
    ) -> None:
        self.client = client
        self.runtime = runtime
        self.channel_key = channel_key
        self.catalogue_ref = catalogue_ref
        self.page_size = page_size
        self.concurrency = concurrency

    async def run(self, ctx: JobContext, window: SyncWindow, props: dict[str, Any]) -> None:
        channel_key = self.channel_key or props.get("ctChannelKey")
        catalogue_ref = self.catalogue_ref or props.get("fluentAggregateVirtualCatalogueRef")
        if not channel_key or not catalogue_ref:
            raise Permanent(
                "set FLUENT_INVENTORY_CHANNEL_KEY and FLUENT_VIRTUAL_CATALOGUE_REF (or the props "
                "ctChannelKey / fluentAggregateVirtualCatalogueRef of Fluent's job setting)"
            )
        try:
            channel = await self.runtime.commercetools.get_by_key("channels", channel_key)
        except NotFound:
            raise Permanent(f"commercetools has no channel with key {channel_key}") from None
        slots = asyncio.Semaphore(self.concurrency)
        done = 0
        pages = connection_pages(
            self.client,
            operations.VIRTUAL_POSITIONS,
            "virtualPositions",
            {"catalogue": {"ref": catalogue_ref}, "updatedOn": window.date_range()},
            page_size=self.page_size,
        )
        async for page in pages:
            wanted = quantities(page)
            existing = await self._entries(list(wanted), channel["id"])
            await asyncio.gather(
                *(
                    self._apply(ctx, slots, sku, quantity, existing.get(sku), channel["id"])
                    for sku, quantity in wanted.items()
                )
            )
            done += len(page)
            await ctx.progress(done, None, "virtual positions")

    async def _entries(self, skus: list[str], channel_id: str) -> dict[str, dict[str, Any]]:
        page = await self.runtime.commercetools.query(
            "inventory",
            where=[
                f"sku in ({', '.join(json.dumps(s) for s in skus)})",
                f'supplyChannel(id="{channel_id}")',
            ],
            limit=500,
        )
        return {entry["sku"]: entry for entry in page.get("results") or []}

    async def _apply(
        self,
        ctx: JobContext,
        slots: asyncio.Semaphore,
        sku: str,
        quantity: int,
        entry: dict[str, Any] | None,
        channel_id: str,
    ) -> None:
        async with slots:
            try:
                if entry is None:
                    try:
                        await self.runtime.commercetools.create(
                            "inventory",
                            {
                                "sku": sku,
                                "quantityOnStock": quantity,
                                "supplyChannel": {"typeId": "channel", "id": channel_id},
                            },
                        )
                        ctx.report.count("created")
                        return
                    except InvalidInput:
                        # Created meanwhile (another run, or the project): update it instead.
                        found = await self._entries([sku], channel_id)
                        entry = found.get(sku)
                        if entry is None:
                            raise
                if entry.get("quantityOnStock") == quantity:
                    ctx.report.count("unchanged")
                    return
                await self.runtime.commercetools.update(
                    "inventory",
                    entry["id"],
                    lambda current: (
                        []
                        if current.get("quantityOnStock") == quantity
                        else [{"action": "changeQuantity", "quantity": quantity}]
                    ),
                )
                ctx.report.count("updated")
            except (Retryable, Permanent) as error:
                ctx.report.item("failed", sku, str(error)[:300])
