"""ProductDrafts with several variants, generated one at a time so any catalog size streams."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ctbridge.sandbox.catalog.attributes import product_traits, variant_attributes
from ctbridge.sandbox.catalog.channels import distribution_channel_keys
from ctbridge.sandbox.catalog.identifiers import (
    PRODUCT_TYPE_KEY,
    REDUCED_TAX_KEY,
    STANDARD_TAX_KEY,
    category_key,
    product_key,
    sku,
)
from ctbridge.sandbox.catalog.money import percentage_of
from ctbridge.sandbox.catalog.prices import price_drafts
from ctbridge.sandbox.catalog.references import key_ref
from ctbridge.sandbox.catalog.spec import CatalogSpec
from ctbridge.sandbox.catalog.vocabulary import ADJECTIVES, MATERIALS, NOUNS, slugify

VARIANT_WITHOUT_SKU = "variant-without-sku"
NAME_MISSING_LOCALE = "name-missing-locale"
SKU_EQUALS_PRODUCT_KEY = "sku-equals-product-key"
NO_PRICE_IN_CURRENCY = "no-price-in-currency"
PRODUCT_WITHOUT_KEY = "product-without-key"
AWKWARD_KINDS: tuple[str, ...] = (
    VARIANT_WITHOUT_SKU,
    NAME_MISSING_LOCALE,
    SKU_EQUALS_PRODUCT_KEY,
    NO_PRICE_IN_CURRENCY,
    PRODUCT_WITHOUT_KEY,
)
# One product in seven is awkward, cycling through the kinds: 35 products show every kind.
_AWKWARD_EVERY = 7
_AWKWARD_OFFSET = 3


@dataclass(frozen=True)
class AwkwardProduct:
    """A product built to trip a connector's skip rule, and which rule."""

    index: int
    kind: str
    slug_en: str


def awkward_kind(spec: CatalogSpec, index: int) -> str | None:
    """Which skip rule product `index` is built to trip, or None for a well-formed product."""
    if not spec.awkward or index % _AWKWARD_EVERY != _AWKWARD_OFFSET:
        return None
    return AWKWARD_KINDS[(index // _AWKWARD_EVERY) % len(AWKWARD_KINDS)]


def reference_price(spec: CatalogSpec, product_index: int, variant_number: int) -> int:
    """The euro-cent price a variant's prices derive from (orders reuse it without the product)."""
    base = spec.rng("product-price", product_index).randint(5, 300) * 100 - 1
    return base + percentage_of(base, (variant_number - 1) * 3)


def _article(word: str) -> str:
    return "An" if word[0] in "AEIOU" else "A"


def _images(rng: random.Random, variant_sku: str) -> list[dict]:
    return [
        {
            "url": f"https://images.example.com/sandbox/{variant_sku}/{view}.jpg",
            "dimensions": {"w": 1200, "h": 1600},
            "label": view,
        }
        for view in ("front", "back", "detail")[: rng.randint(1, 3)]
    ]


def _variant(
    rng: random.Random,
    spec: CatalogSpec,
    index: int,
    variant_number: int,
    traits: dict,
    *,
    variant_sku: str | None,
    without_currency: str | None,
    distribution_channels: tuple[str, ...],
) -> dict:
    cents = reference_price(spec, index, variant_number)
    variant: dict[str, Any] = {}
    if variant_sku is not None:
        variant["sku"] = variant_sku
        variant["key"] = variant_sku
    variant["prices"] = price_drafts(
        rng, spec, cents, distribution_channels, without_currency=without_currency
    )
    variant["images"] = _images(rng, variant_sku or f"{product_key(index)}-nosku-{variant_number}")
    variant["attributes"] = variant_attributes(
        rng, spec, traits, variant_number, cents + percentage_of(cents, 20)
    )
    return variant


def product_draft(
    spec: CatalogSpec, index: int, *, distribution_channels: tuple[str, ...] | None = None
) -> dict:
    """The ProductDraft of product `index`: the same for the same seed whatever the catalog size."""
    rng = spec.rng("product", index)
    adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
    material_en, material_de = MATERIALS[rng.randrange(len(MATERIALS))]
    traits = product_traits(rng, spec) | {"material": material_en}
    kind = awkward_kind(spec, index)
    if distribution_channels is None:
        distribution_channels = distribution_channel_keys(spec)

    key = product_key(index)
    name = {
        "en": f"{adjective.en} {material_en} {noun.en}",
        "de": f"{adjective.de(noun.gender)} {noun.de} aus {material_de}",
    }
    description = {
        "en": f"{_article(adjective.en)} {adjective.en.lower()} {noun.en.lower()} made of "
        f"{material_en.lower()}.",
        "de": f"{noun.de} aus {material_de}, {adjective.de_stem.lower()} geschnitten.",
    }
    if kind == NAME_MISSING_LOCALE:
        del name["de"], description["de"]

    variants = []
    for number in range(1, spec.variants_per_product + 1):
        variant_sku: str | None = sku(index, number)
        if kind == SKU_EQUALS_PRODUCT_KEY and number == 1:
            variant_sku = key
        if kind == VARIANT_WITHOUT_SKU and number == spec.variants_per_product:
            variant_sku = None
        variants.append(
            _variant(
                rng,
                spec,
                index,
                number,
                traits,
                variant_sku=variant_sku,
                without_currency=spec.currencies[-1] if kind == NO_PRICE_IN_CURRENCY else None,
                distribution_channels=distribution_channels,
            )
        )

    draft: dict[str, Any] = {}
    if kind != PRODUCT_WITHOUT_KEY:
        draft["key"] = key
    draft |= {
        "productType": key_ref("product-type", PRODUCT_TYPE_KEY),
        "name": name,
        "slug": {
            "en": f"{slugify(adjective.en)}-{slugify(noun.en)}-{index + 1}",
            "de": f"{slugify(adjective.de(noun.gender))}-{slugify(noun.de)}-{index + 1}",
        },
        "description": description,
        "metaTitle": dict(name),
        "categories": [
            key_ref("category", category_key(c))
            for c in sorted(
                rng.sample(range(spec.categories), min(spec.categories, rng.randint(1, 2)))
            )
        ],
        "taxCategory": key_ref(
            "tax-category", REDUCED_TAX_KEY if rng.random() < 0.2 else STANDARD_TAX_KEY
        ),
        "priceMode": "Embedded",
        "masterVariant": variants[0],
        "variants": variants[1:],
        "publish": True,
    }
    return draft


def iter_product_drafts(
    spec: CatalogSpec, start: int = 0, stop: int | None = None
) -> Iterator[dict]:
    """ProductDrafts `start`..`stop` (default: all of `spec.products`), one at a time."""
    channels = distribution_channel_keys(spec)
    for index in range(start, spec.products if stop is None else stop):
        yield product_draft(spec, index, distribution_channels=channels)


def iter_products(seed: int, n: int, **options: Any) -> Iterator[dict]:
    """Stream `n` ProductDrafts for `seed` without holding them; options as for `generate`."""
    return iter_product_drafts(CatalogSpec(seed=seed, products=n, **options))
