"""Message handlers: products and stock follow commercetools into Ordergroove, coalesced."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ctbridge.connectors.ordergroove.availability import is_live
from ctbridge.connectors.ordergroove.client import OrdergrooveClient
from ctbridge.connectors.ordergroove.jobs import ProductMapper
from ctbridge.connectors.ordergroove.ledger import SyncLedger
from ctbridge.connectors.ordergroove.product_mapping import (
    MappingRules,
    skus_removed,
    stock_update,
    variants_of,
)
from ctbridge.connectors.ordergroove.upload import upload_all
from ctbridge.engine.connector import Outcome
from ctbridge.engine.message import Message
from ctbridge.errors import Permanent

if TYPE_CHECKING:
    from ctbridge.engine.runtime import Runtime

Result = Outcome | None
STOCK_TRACKING_MODES = {"ReserveOnOrder", "TrackOnly"}
MAX_BATCH = 100


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(json.dumps(v) for v in values)


async def _first_failure(calls: Iterable[Awaitable[Result]]) -> Result:
    """Awaits every call; re-raises the first failure so the message is retried or
    dead-lettered, else returns a summary of the skipped ones."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    skipped = [r.detail for r in results if isinstance(r, Outcome) and r.status == "skipped"]
    if skipped and len(skipped) == len(results):
        return Outcome("skipped", "; ".join(dict.fromkeys(skipped)))
    return None


class CatalogEvents:
    """Turns commercetools messages into bulk Ordergroove calls.

    Handlers only submit a product id or a sku to a coalescer; the flush reads the *current*
    state from commercetools and sends it. Both flushes hold one lock from that read to the end
    of the send, so whichever flush runs later also read later: a duplicate, late or
    out-of-order message can only cause the current value to be sent again, never an older one.
    (Across several processes the engine's per-resource ordering still applies; two processes
    flushing the same sku at the same instant is the remaining, self-healing race.)
    """

    def __init__(
        self,
        runtime: Runtime,
        client: OrdergrooveClient,
        ledger: SyncLedger,
        rules: MappingRules,
        mapper: ProductMapper,
        *,
        batch_size: int = MAX_BATCH,
    ) -> None:
        self.runtime = runtime
        self.client = client
        self.ledger = ledger
        self.rules = rules
        self.mapper = mapper
        self.batch_size = batch_size
        self._send_lock = asyncio.Lock()
        self.products = runtime.coalescer(
            "ordergroove.products", self.flush_products, max_items=MAX_BATCH
        )
        self.stock = runtime.coalescer("ordergroove.stock", self.flush_stock, max_items=MAX_BATCH)

    # -- handlers -----------------------------------------------------------------------------
    def handlers(self) -> dict[str, Any]:
        return {
            "ProductPublished": self.on_product_published,
            "ProductUnpublished": self.on_product_withdrawn,
            "ProductDeleted": self.on_product_withdrawn,
            "InventoryEntryCreated": self.on_inventory_changed,
            "InventoryEntryQuantitySet": self.on_inventory_changed,
            "InventoryEntryDeleted": self.on_inventory_changed,
            "OrderCreated": self.on_order_created,
        }

    async def on_product_published(self, message: Message) -> Result:
        """The product's variants are created or updated; removed variants become not live."""
        product_id = message.resource_id or (message.payload.get("resource") or {}).get("id")
        if not product_id:
            raise Permanent("ProductPublished without a resource id")
        return await self.products.submit(product_id)

    async def on_product_withdrawn(self, message: Message) -> Result:
        """ProductUnpublished / ProductDeleted: every sku of the product becomes not live."""
        product_id = message.resource_id or (message.payload.get("resource") or {}).get("id")
        skus = list(
            (await self.ledger.skus_of([product_id] if product_id else [])).get(
                product_id or "", []
            )
        )
        projection = message.payload.get("currentProjection") or {}
        skus += [v["sku"] for v in variants_of(projection) if v.get("sku")]
        skus = list(dict.fromkeys(skus))
        if not skus:
            return Outcome("skipped", "no sku of this product was ever sent to Ordergroove")
        return await _first_failure(self.stock.submit(sku) for sku in skus)

    async def on_inventory_changed(self, message: Message) -> Result:
        """Stock of the entry's sku is recomputed from commercetools and sent if it changed."""
        payload = message.payload
        sku = (
            (payload.get("resourceUserProvidedIdentifiers") or {}).get("sku")
            or (payload.get("inventoryEntry") or {}).get("sku")
            or payload.get("sku")
        )
        if not sku and message.resource_id and message.type != "InventoryEntryDeleted":
            entry = await self.runtime.commercetools.get_by_id("inventory", message.resource_id)
            sku = entry.get("sku")
        if not sku:
            return Outcome("skipped", "inventory message without a sku")
        old, new = payload.get("oldAvailableQuantity"), payload.get("newAvailableQuantity")
        if (
            message.type == "InventoryEntryQuantitySet"
            and isinstance(old, int)
            and isinstance(new, int)
            and (old > 0) == (new > 0)
        ):
            # commercetools "InventoryEntryQuantitySet" carries old/newAvailableQuantity, and a
            # variant's availability isOnStock means availableQuantity > 0 (ProductVariant
            # Availability): an entry that stays on the same side of 0 changes no isOnStock,
            # so `live` cannot change and nothing is read or sent.
            return Outcome("skipped", f"available {old} → {new}: live is unchanged")
        return await self.stock.submit(sku)

    async def on_order_created(self, message: Message) -> Result:
        """Stock of the ordered skus is recomputed (only when the order tracks inventory)."""
        order = message.payload.get("order")
        if not order or not message.payload_included:
            order = await self.runtime.commercetools.get_by_id("orders", message.resource_id or "")
        mode = order.get("inventoryMode") or "None"
        if mode not in STOCK_TRACKING_MODES:
            return Outcome("skipped", f"order inventory mode {mode} does not change stock")
        skus = list(
            dict.fromkeys(
                item["variant"]["sku"]
                for item in order.get("lineItems") or ()
                if (item.get("variant") or {}).get("sku")
            )
        )
        if not skus:
            return Outcome("skipped", "order has no line item with a sku")
        return await _first_failure(self.stock.submit(sku) for sku in skus)

    # -- flushes ------------------------------------------------------------------------------
    async def flush_products(self, product_ids: list[str]) -> list[Result | BaseException]:
        async with self._send_lock:
            wanted = list(dict.fromkeys(product_ids))
            published = await self._published(f"id in ({_quoted(wanted)})")
            previous = await self.ledger.skus_of(wanted)
            now = datetime.now(UTC)
            results: dict[str, Result | BaseException] = {}
            pairs: list[tuple[Mapping[str, Any], str]] = []
            skipped: dict[str, list[str]] = {}
            removed: dict[str, str] = {}
            sku_sets: dict[str, list[str]] = {}
            for product_id in wanted:
                projection = published.get(product_id)
                if projection is None:
                    results[product_id] = Outcome("skipped", "product is not published")
                    continue
                mapping = self.mapper(projection, self.rules, now)
                pairs += [(product, product_id) for product in mapping.products]
                skipped[product_id] = [f"{s.item_id}: {s.reason}" for s in mapping.skipped]
                sku_sets[product_id] = mapping.skus
                for sku in skus_removed(previous.get(product_id, []), mapping.skus):
                    removed[sku] = product_id
            resolutions = await upload_all(
                self.client, self.ledger, pairs, batch_size=self.batch_size
            )
            removals = await self._send_stock(dict.fromkeys(removed, False))
            # The sku ledger is written only now that Ordergroove answered: a removed sku leaves
            # it once its not-live update landed (one that did not stays listed, so the next
            # publish retries it).
            dropped: dict[str, list[str]] = {}
            for sku, product_id in removed.items():
                if not isinstance(removals.get(sku), BaseException):
                    dropped.setdefault(product_id, []).append(sku)
            await self.ledger.record_skus(sku_sets, dropped)
            failed: dict[str, list[str]] = {}
            for resolution in resolutions:
                if resolution.outcome == "failed":
                    failed.setdefault(resolution.tag, []).append(
                        f"{resolution.sku}: {resolution.reason}"
                    )
            for product_id in sku_sets:
                if product_id in failed:
                    results[product_id] = Permanent("; ".join(failed[product_id]))
                elif skipped[product_id]:
                    sent = sum(1 for p, tag in pairs if tag == product_id)
                    status = "done" if sent else "skipped"
                    results[product_id] = Outcome(
                        status, f"sent {sent}, skipped " + "; ".join(skipped[product_id])
                    )
                else:
                    results[product_id] = None
            return [results[product_id] for product_id in product_ids]

    async def flush_stock(self, skus: list[str]) -> list[Result | BaseException]:
        async with self._send_lock:
            wanted = list(dict.fromkeys(skus))
            quoted = _quoted(wanted)
            published = await self._published(
                f"masterVariant(sku in ({quoted})) or variants(sku in ({quoted}))"
            )
            current: dict[str, bool] = {}
            for projection in published.values():
                for variant in variants_of(projection):
                    if variant.get("sku") in wanted:
                        current[variant["sku"]] = is_live(
                            variant.get("availability"), self.rules.stock
                        )
            accepted = await self.ledger.accepted(wanted)
            results: dict[str, Result | BaseException] = {}
            changes: dict[str, bool] = {}
            for sku in wanted:
                if sku in current:
                    live = current[sku]
                elif sku in accepted:
                    live = False  # its product was unpublished or deleted, or the variant removed
                else:
                    results[sku] = Outcome("skipped", "sku is in no published product")
                    continue
                if sku in accepted and accepted[sku].live == live:
                    results[sku] = Outcome("skipped", f"Ordergroove already has live={live}")
                    continue
                changes[sku] = live
            results.update(await self._send_stock(changes))
            return [results[sku] for sku in skus]

    async def _send_stock(self, changes: Mapping[str, bool]) -> dict[str, Result | BaseException]:
        """Partial `{product_id, live}` updates, never the catalogue fields (no create)."""
        results: dict[str, Result | BaseException] = {}
        items = list(changes.items())
        for start in range(0, len(items), self.batch_size):
            chunk = items[start : start + self.batch_size]
            answers = await self.client.update_products([stock_update(s, v) for s, v in chunk])
            applied = {}
            for (sku, live), answer in zip(chunk, answers, strict=True):
                if answer.ok:
                    applied[sku] = live
                    results[sku] = None
                elif answer.status == 404:
                    results[sku] = Outcome("skipped", "product is not in Ordergroove")
                else:
                    results[sku] = Permanent(
                        f"Ordergroove rejected live={live} for {sku} ({answer.status})"
                    )
            await self.ledger.record_stock(applied)
        return results

    async def _published(self, where: str) -> dict[str, dict[str, Any]]:
        page = await self.runtime.commercetools.query("product-projections", where=where, limit=500)
        return {p["id"]: p for p in page.get("results", [])}
