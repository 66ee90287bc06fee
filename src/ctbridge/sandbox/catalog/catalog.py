"""A whole generated sandbox catalog, reproducible from its seed, and the `generate` entry point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ctbridge.sandbox.catalog.attributes import product_type_draft
from ctbridge.sandbox.catalog.categories import category_drafts
from ctbridge.sandbox.catalog.channels import channel_drafts, supply_channel_keys
from ctbridge.sandbox.catalog.customers import customer_drafts, customer_group_drafts
from ctbridge.sandbox.catalog.inventory import (
    Reservation,
    available_quantities,
    iter_inventory_drafts,
)
from ctbridge.sandbox.catalog.markets import DEFAULT_COUNTRIES
from ctbridge.sandbox.catalog.orders import OrderSeed, cart_discount_drafts, order
from ctbridge.sandbox.catalog.products import AwkwardProduct, awkward_kind, iter_product_drafts
from ctbridge.sandbox.catalog.spec import DEFAULT_NOW, CatalogSpec
from ctbridge.sandbox.catalog.taxes import tax_category_drafts


@dataclass(frozen=True)
class Catalog:
    """Drafts for every resource of a sandbox project, in the order a loader creates them."""

    spec: CatalogSpec
    product_types: tuple[dict, ...]
    tax_categories: tuple[dict, ...]
    customer_groups: tuple[dict, ...]
    cart_discounts: tuple[dict, ...]
    channels: tuple[dict, ...]
    categories: tuple[dict, ...]
    products: tuple[dict, ...]
    inventory: tuple[dict, ...]
    customers: tuple[dict, ...]
    payments: tuple[dict, ...]
    orders: tuple[OrderSeed, ...]
    reservations: tuple[Reservation, ...]
    awkward: tuple[AwkwardProduct, ...]

    def available_quantities(self) -> dict[tuple[str, str | None], int]:
        """(sku, supply channel key) -> the availableQuantity once every order has reserved."""
        return available_quantities(self.inventory, self.reservations)


def generate(
    *,
    seed: int = 0,
    products: int = 20,
    variants_per_product: int = 3,
    categories: int = 8,
    channels: int = 4,
    customers: int = 10,
    orders: int = 20,
    currencies: Sequence[str] = ("EUR", "USD", "JPY", "KWD"),
    countries: Sequence[str] = DEFAULT_COUNTRIES,
    now: datetime = DEFAULT_NOW,
    awkward: bool = False,
) -> Catalog:
    """A catalog of the given sizes; the same arguments always give the same catalog."""
    if orders and not products:
        raise ValueError("orders need products to order")
    spec = CatalogSpec(
        seed=seed,
        products=products,
        variants_per_product=variants_per_product,
        categories=categories,
        channels=channels,
        customers=customers,
        orders=orders,
        currencies=tuple(currencies),
        countries=tuple(countries),
        now=now,
        awkward=awkward,
    )
    supply_channels = supply_channel_keys(spec)
    product_drafts = tuple(iter_product_drafts(spec))
    generated_orders = [order(spec, index, supply_channels) for index in range(orders)]
    return Catalog(
        spec=spec,
        product_types=(product_type_draft(),),
        tax_categories=tax_category_drafts(spec.markets),
        customer_groups=customer_group_drafts(),
        cart_discounts=cart_discount_drafts(),
        channels=channel_drafts(spec),
        categories=category_drafts(spec),
        products=product_drafts,
        inventory=tuple(iter_inventory_drafts(spec, product_drafts, supply_channels)),
        customers=customer_drafts(spec),
        payments=tuple(p for generated in generated_orders for p in generated.payments),
        orders=tuple(generated.order for generated in generated_orders),
        reservations=tuple(r for generated in generated_orders for r in generated.reservations),
        awkward=tuple(
            AwkwardProduct(index, kind, product_drafts[index]["slug"]["en"])
            for index in range(products)
            if (kind := awkward_kind(spec, index)) is not None
        ),
    )
