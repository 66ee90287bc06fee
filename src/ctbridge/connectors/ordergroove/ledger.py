"""What Ordergroove last accepted per sku, and which skus each product had, kept in the store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ctbridge.connectors.ordergroove.product_mapping import (
    catalogue_fingerprint,
    fingerprint_matches,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from ctbridge.engine.state import KeyValueStore

ACCEPTED = "ordergroove.ledger"
PRODUCT_SKUS = "ordergroove.product-skus"


@dataclass(frozen=True, slots=True)
class Accepted:
    """The last payload Ordergroove accepted for a sku: its catalogue fingerprint and `live`."""

    fingerprint: str | None
    live: bool | None

    def matches(self, product: Mapping[str, Any]) -> bool:
        return self.live == product.get("live") and fingerprint_matches(self.fingerprint, product)


class SyncLedger:
    """A ledger in `runtime.state`: sku → last accepted fingerprint/live, product → its skus.

    It decides create versus update (a sku Ordergroove accepted before is updated first), lets
    reconciliation send only what changed, and remembers a deleted product's skus, whose
    projection commercetools no longer returns.
    """

    def __init__(self, state: KeyValueStore) -> None:
        self.state = state

    async def is_empty(self) -> bool:
        """True before Ordergroove ever accepted anything (a first load needs no lookups)."""
        return not await self.state.holds_any(ACCEPTED)

    async def accepted(self, skus: Iterable[str]) -> dict[str, Accepted]:
        found = await self.state.get_many(ACCEPTED, skus)
        return {
            sku: Accepted(value.get("fingerprint"), value.get("live"))
            for sku, value in found.items()
        }

    @staticmethod
    def entries(products: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """The ledger entries of full payloads Ordergroove accepted (computed ahead of the
        write by a load, so its last write has only rows left to store)."""
        return {
            str(p["product_id"]): {"fingerprint": catalogue_fingerprint(p), "live": p.get("live")}
            for p in products
        }

    async def record_products(self, products: Iterable[Mapping[str, Any]]) -> None:
        """Full payloads Ordergroove accepted."""
        await self.record_entries(self.entries(products))

    async def record_entries(
        self,
        entries: Mapping[str, Mapping[str, Any]],
        skus_by_product: Mapping[str, list[str]] | None = None,
    ) -> None:
        """Ledger entries and (in the same transaction) the skus of products now wholly
        answered for."""
        if not entries and not skus_by_product:
            return
        async with self.state.transaction() as conn:
            await self.write_entries(conn, entries, skus_by_product or {})

    async def write_entries(
        self,
        conn: AsyncConnection,
        entries: Mapping[str, Mapping[str, Any]],
        skus_by_product: Mapping[str, list[str]],
    ) -> None:
        """`record_entries` inside the caller's transaction (a load's checkpoint write). The
        skus are added to what each product lists: a load never takes one out."""
        await self.state.write_namespaces(conn, {ACCEPTED: entries})
        await self.list_skus(conn, skus_by_product)

    async def record_stock(self, live_by_sku: Mapping[str, bool]) -> None:
        """Partial `live` updates Ordergroove accepted; the catalogue fingerprint is kept."""
        if not live_by_sku:
            return

        def combine(sku: str, current: dict[str, Any] | None) -> dict[str, Any]:
            return {"fingerprint": (current or {}).get("fingerprint"), "live": live_by_sku[sku]}

        async with self.state.transaction() as conn:
            await self.state.merge(conn, ACCEPTED, live_by_sku, combine)

    async def skus_of(self, product_ids: Iterable[str]) -> dict[str, list[str]]:
        return {
            product_id: list(skus)
            for product_id, skus in (await self.state.get_many(PRODUCT_SKUS, product_ids)).items()
        }

    async def record_skus(
        self, listed: Mapping[str, list[str]], dropped: Mapping[str, list[str]]
    ) -> None:
        async with self.state.transaction() as conn:
            await self.list_skus(conn, listed, dropped)

    async def list_skus(
        self,
        conn: AsyncConnection,
        listed: Mapping[str, list[str]],
        dropped: Mapping[str, list[str]] | None = None,
    ) -> None:
        """Adds `listed` to each product's skus and takes out `dropped` (skus whose not-live
        update Ordergroove took), in one read-and-write no other writer of the lists can come
        between. A product's list holds every sku that may be live in Ordergroove for it: a
        load and a product event write it concurrently, and neither may drop a sku the other
        sent live, or it would stay live after the product is withdrawn (nothing would list
        it). So a load only adds, and a dropped sku stays listed when the ledger holds it live
        again: a load sent it after the not-live update and recorded that first."""
        dropped = dropped or {}
        await self.state.lock(conn, PRODUCT_SKUS)
        live_again = {
            sku
            for sku, entry in (
                await self.state.read(
                    conn, ACCEPTED, [s for skus in dropped.values() for s in skus]
                )
            ).items()
            if (entry or {}).get("live") is True
        }

        def combine(product_id: str, current: list[str] | None) -> list[str]:
            gone = set(dropped.get(product_id, ())) - live_again
            skus = dict.fromkeys([*(current or ()), *listed.get(product_id, ())])
            return [sku for sku in skus if sku not in gone]

        await self.state.merge(conn, PRODUCT_SKUS, [*listed, *dropped], combine)
