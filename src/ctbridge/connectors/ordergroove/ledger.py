"""What Ordergroove last accepted per sku, and which skus each product had, kept in the store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ctbridge.connectors.ordergroove.product_mapping import (
    catalogue_fingerprint,
    fingerprint_matches,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

ACCEPTED = "ordergroove.ledger"
PRODUCT_SKUS = "ordergroove.product-skus"


class StateStore(Protocol):
    async def get_many(self, namespace: str, keys: Iterable[str]) -> dict[str, Any]: ...

    async def put_many(self, namespace: str, items: Mapping[str, Any]) -> None: ...

    async def holds_any(self, namespace: str) -> bool: ...

    async def put_in_namespaces(self, items: Mapping[str, Mapping[str, Any]]) -> None: ...

    async def write_namespaces(
        self, conn: AsyncConnection, items: Mapping[str, Mapping[str, Any]]
    ) -> None: ...


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

    def __init__(self, state: StateStore) -> None:
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
        await self.state.put_in_namespaces(_rows(entries, skus_by_product))

    async def write_entries(
        self,
        conn: AsyncConnection,
        entries: Mapping[str, Mapping[str, Any]],
        skus_by_product: Mapping[str, list[str]],
    ) -> None:
        """`record_entries` inside the caller's transaction (a load's checkpoint write)."""
        await self.state.write_namespaces(conn, _rows(entries, skus_by_product))

    async def record_stock(self, live_by_sku: Mapping[str, bool]) -> None:
        """Partial `live` updates Ordergroove accepted; the catalogue fingerprint is kept."""
        if not live_by_sku:
            return
        current = await self.state.get_many(ACCEPTED, live_by_sku)
        entries = {
            sku: {"fingerprint": (current.get(sku) or {}).get("fingerprint"), "live": live}
            for sku, live in live_by_sku.items()
        }
        await self.state.put_many(ACCEPTED, entries)

    async def skus_of(self, product_ids: Iterable[str]) -> dict[str, list[str]]:
        return {
            product_id: list(skus)
            for product_id, skus in (await self.state.get_many(PRODUCT_SKUS, product_ids)).items()
        }

    async def record_skus(self, skus_by_product: Mapping[str, list[str]]) -> None:
        await self.state.put_many(PRODUCT_SKUS, dict(skus_by_product))


def _rows(
    entries: Mapping[str, Mapping[str, Any]], skus_by_product: Mapping[str, list[str]] | None
) -> dict[str, Mapping[str, Any]]:
    return {ACCEPTED: entries, PRODUCT_SKUS: dict(skus_by_product or {})}
