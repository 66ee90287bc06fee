"""Deterministic generator of realistic commercetools catalogs for the sandbox, and loaders for them."""

from ctbridge.sandbox.catalog.catalog import Catalog, generate
from ctbridge.sandbox.catalog.inventory import Reservation
from ctbridge.sandbox.catalog.orders import OrderSeed
from ctbridge.sandbox.catalog.products import AWKWARD_KINDS, AwkwardProduct, iter_products
from ctbridge.sandbox.catalog.seeding import (
    SeedingFailed,
    SeedResult,
    seed_commercetools,
    seed_emulator,
)
from ctbridge.sandbox.catalog.spec import CatalogSpec

__all__ = [
    "AWKWARD_KINDS",
    "AwkwardProduct",
    "Catalog",
    "CatalogSpec",
    "OrderSeed",
    "Reservation",
    "SeedResult",
    "SeedingFailed",
    "generate",
    "iter_products",
    "seed_commercetools",
    "seed_emulator",
]
