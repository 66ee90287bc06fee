"""A generated catalog is reproducible from its seed and independent of the clock."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from ctbridge.sandbox.catalog import generate
from ctbridge.sandbox.catalog.products import product_draft
from ctbridge.sandbox.catalog.spec import CatalogSpec


def _dump(catalog) -> str:
    return json.dumps(
        {
            "products": catalog.products,
            "inventory": catalog.inventory,
            "categories": catalog.categories,
            "channels": catalog.channels,
            "customers": catalog.customers,
            "payments": catalog.payments,
            "orders": [(o.draft, o.customer_key, o.payment_keys) for o in catalog.orders],
            "reservations": [vars(r) for r in catalog.reservations],
        },
        sort_keys=True,
    )


def test_the_same_seed_gives_an_identical_catalog():
    assert _dump(generate(seed=7, awkward=True)) == _dump(generate(seed=7, awkward=True))


def test_a_different_seed_gives_a_different_catalog():
    first, second = generate(seed=7), generate(seed=8)
    assert first.products != second.products
    assert first.orders != second.orders
    assert first.customers != second.customers


def test_keys_do_not_depend_on_the_seed():
    first, second = generate(seed=1), generate(seed=2)
    assert [p["key"] for p in first.products] == [p["key"] for p in second.products]


def test_a_product_is_the_same_whatever_the_catalog_size():
    small, large = generate(seed=3, products=5), generate(seed=3, products=50)
    assert small.products == large.products[:5]


def test_dates_derive_from_the_given_now_not_the_clock():
    earlier = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)
    catalog = generate(seed=1, now=earlier)
    completed = [o.draft["completedAt"] for o in catalog.orders]
    assert all("2020-" in stamp for stamp in completed)
    assert _dump(catalog) == _dump(generate(seed=1, now=earlier))


def test_every_resource_kind_is_generated_in_the_requested_numbers():
    catalog = generate(seed=5, products=12, categories=6, channels=5, customers=7, orders=9)
    assert len(catalog.products) == 12
    assert len(catalog.categories) == 6
    assert len(catalog.channels) == 5
    assert len(catalog.customers) == 7
    assert len(catalog.orders) == 9
    assert len(catalog.product_types) == 1
    assert {t["key"] for t in catalog.tax_categories} == {"standard", "reduced"}
    assert catalog.inventory and catalog.payments


def test_categories_name_their_parent_before_they_are_used_as_one():
    catalog = generate(seed=2, categories=30)
    seen = set()
    for category in catalog.categories:
        if "parent" in category:
            assert category["parent"]["key"] in seen
        seen.add(category["key"])


def test_channels_cover_both_roles():
    roles = {role for c in generate(seed=1, channels=3).channels for role in c["roles"]}
    assert roles == {"InventorySupply", "ProductDistribution"}


@pytest.mark.parametrize(
    "arguments",
    [
        {"currencies": ("XXX",)},
        {"countries": ("ZZ",)},
        {"currencies": ("EUR",), "countries": ("US",)},
        {"variants_per_product": 0},
        {"products": 0, "orders": 1},
        {"now": datetime(2026, 1, 1)},
    ],
)
def test_impossible_specs_are_refused(arguments):
    with pytest.raises(ValueError):
        generate(**arguments)


def test_products_of_one_catalog_are_not_copies_of_each_other():
    spec = CatalogSpec(seed=4)
    names = {product_draft(spec, index)["name"]["en"] for index in range(20)}
    assert len(names) >= 10


def test_output_does_not_depend_on_the_interpreter_hash_seed():
    script = (
        "import hashlib, json;"
        "from ctbridge.sandbox.catalog import generate;"
        "c = generate(seed=9, products=5, orders=5);"
        "print(hashlib.sha256(json.dumps([c.products, [o.draft for o in c.orders]],"
        " sort_keys=True).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1 and len(digests.pop()) == 64
