"""InventoryEntryDrafts per sku, some bound to a supply channel, and the reservations orders make."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ctbridge.sandbox.catalog.identifiers import inventory_key
from ctbridge.sandbox.catalog.references import key_ref
from ctbridge.sandbox.catalog.spec import CatalogSpec


@dataclass(frozen=True)
class Reservation:
    """Stock an order is meant to hold on one inventory entry (imported with inventoryMode TrackOnly)."""

    order_number: str
    sku: str
    supply_channel: str | None
    quantity: int


def inventory_drafts_for_sku(
    spec: CatalogSpec, variant_sku: str, supply_channels: tuple[str, ...]
) -> list[dict]:
    """Every sku gets at least one entry: one without a channel, per-warehouse ones, or both."""
    rng = spec.rng("inventory", variant_sku)
    channels = [c for c in supply_channels if rng.random() < 0.5]
    wants_channelless = not channels or rng.random() < 0.5
    drafts = []
    for channel in ([None] if wants_channelless else []) + channels:
        quantity = 0 if rng.random() < 0.1 else rng.randint(1, 500)
        draft: dict = {"key": inventory_key(variant_sku, channel), "sku": variant_sku}
        if channel is not None:
            draft["supplyChannel"] = key_ref("channel", channel)
        draft["quantityOnStock"] = quantity
        if quantity == 0:
            draft["restockableInDays"] = rng.randint(3, 21)
        drafts.append(draft)
    return drafts


def skus_of(product: dict) -> Iterator[str]:
    for variant in [product["masterVariant"], *product["variants"]]:
        if variant.get("sku"):
            yield variant["sku"]


def iter_inventory_drafts(
    spec: CatalogSpec, products: Iterable[dict], supply_channels: tuple[str, ...]
) -> Iterator[dict]:
    """Inventory entries for every sku of `products`, streamed in product order."""
    for product in products:
        for variant_sku in skus_of(product):
            yield from inventory_drafts_for_sku(spec, variant_sku, supply_channels)


def available_quantities(
    inventory: Iterable[dict], reservations: Iterable[Reservation]
) -> dict[tuple[str, str | None], int]:
    """(sku, supply channel key) -> quantityOnStock less what the reservations hold."""
    available = {
        (entry["sku"], entry.get("supplyChannel", {}).get("key")): entry["quantityOnStock"]
        for entry in inventory
    }
    for reservation in reservations:
        available[(reservation.sku, reservation.supply_channel)] -= reservation.quantity
    return available
