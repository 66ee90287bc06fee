"""The knobs of a generated catalog, shared by every part of the generator."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ctbridge.sandbox.catalog.markets import DEFAULT_COUNTRIES, Market, markets_for
from ctbridge.sandbox.catalog.money import fraction_digits

# A fixed default instant: generated dates never depend on when the generator runs.
DEFAULT_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
LOCALES: tuple[str, ...] = ("en", "de")


@dataclass(frozen=True)
class CatalogSpec:
    """Sizes, currencies, countries and the fixed `now` a catalog is generated from."""

    seed: int = 0
    products: int = 20
    variants_per_product: int = 3
    categories: int = 8
    channels: int = 4
    customers: int = 10
    orders: int = 20
    currencies: tuple[str, ...] = ("EUR", "USD", "JPY", "KWD")
    countries: tuple[str, ...] = DEFAULT_COUNTRIES
    now: datetime = DEFAULT_NOW
    awkward: bool = False
    markets: tuple[Market, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for currency in self.currencies:
            fraction_digits(currency)
        if self.variants_per_product < 1:
            raise ValueError("variants_per_product must be at least 1")
        for name in ("products", "categories", "channels", "customers", "orders"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        markets = markets_for(tuple(self.countries), tuple(self.currencies))
        if not markets:
            raise ValueError("no country sells in any of the catalog's currencies")
        object.__setattr__(self, "markets", markets)

    def rng(self, kind: str, index: int | str) -> random.Random:
        """An independent, reproducible random stream for one entity (stable whatever the sizes)."""
        return random.Random(f"{self.seed}/{kind}/{index}")


def timestamp(moment: datetime) -> str:
    """A commercetools DateTime: UTC, milliseconds, `Z` suffix."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
