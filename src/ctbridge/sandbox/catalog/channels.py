"""Channels of the sandbox project: warehouses that supply inventory and stores that distribute prices."""

from __future__ import annotations

from ctbridge.sandbox.catalog.spec import CatalogSpec
from ctbridge.sandbox.catalog.vocabulary import CITIES, slugify

SUPPLY = "InventorySupply"
DISTRIBUTION = "ProductDistribution"


def channel_roles(index: int) -> list[str]:
    """Cycles warehouse, store, warehouse-with-store so every role shows up from three channels on."""
    return ([SUPPLY], [DISTRIBUTION], [SUPPLY, DISTRIBUTION])[index % 3]


def channel_key(spec: CatalogSpec, index: int) -> str:
    market = spec.markets[index % len(spec.markets)]
    city = CITIES[market.country][index // len(spec.markets) % len(CITIES[market.country])]
    kind = "wh" if channel_roles(index) == [SUPPLY] else "store"
    return f"{kind}-{slugify(city)}-{index + 1}"


def channel_draft(spec: CatalogSpec, index: int) -> dict:
    rng = spec.rng("channel", index)
    market = spec.markets[index % len(spec.markets)]
    city = CITIES[market.country][index // len(spec.markets) % len(CITIES[market.country])]
    roles = channel_roles(index)
    kind_en, kind_de = ("Warehouse", "Lager") if roles == [SUPPLY] else ("Store", "Filiale")
    return {
        "key": channel_key(spec, index),
        "roles": roles,
        "name": {"en": f"{kind_en} {city}", "de": f"{kind_de} {city}"},
        "address": {
            "country": market.country,
            "city": city,
            "postalCode": f"{rng.randint(1000, 99999)}",
        },
        "geoLocation": {
            "type": "Point",
            "coordinates": [round(rng.uniform(-170, 170), 4), round(rng.uniform(-60, 70), 4)],
        },
    }


def channel_drafts(spec: CatalogSpec) -> tuple[dict, ...]:
    return tuple(channel_draft(spec, index) for index in range(spec.channels))


def supply_channel_keys(spec: CatalogSpec) -> tuple[str, ...]:
    return tuple(channel_key(spec, i) for i in range(spec.channels) if SUPPLY in channel_roles(i))


def distribution_channel_keys(spec: CatalogSpec) -> tuple[str, ...]:
    return tuple(
        channel_key(spec, i) for i in range(spec.channels) if DISTRIBUTION in channel_roles(i)
    )
