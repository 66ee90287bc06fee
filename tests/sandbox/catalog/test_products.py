"""Generated ProductDrafts: unique identifiers at scale, every attribute type, real price shapes."""

import inspect
import itertools
import tracemalloc
from collections import Counter

import pytest

from ctbridge.sandbox.catalog import AWKWARD_KINDS, generate, iter_products
from ctbridge.sandbox.catalog.attributes import ATTRIBUTES, product_type_draft
from ctbridge.sandbox.catalog.products import (
    NAME_MISSING_LOCALE,
    NO_PRICE_IN_CURRENCY,
    PRODUCT_WITHOUT_KEY,
    SKU_EQUALS_PRODUCT_KEY,
    VARIANT_WITHOUT_SKU,
)

FRACTION_DIGITS = {"EUR": 2, "USD": 2, "JPY": 0, "KWD": 3}


def _variants(product):
    return [product["masterVariant"], *product["variants"]]


def test_keys_skus_and_slugs_are_unique_across_10000_products():
    keys, skus, slugs = set(), set(), {"en": set(), "de": set()}
    count = 0
    for product in iter_products(11, 10_000):
        count += 1
        keys.add(product["key"])
        for variant in _variants(product):
            skus.add(variant["sku"])
        for locale, slug in product["slug"].items():
            slugs[locale].add(slug)
    assert count == 10_000
    assert len(keys) == 10_000
    assert len(skus) == 30_000
    assert len(slugs["en"]) == len(slugs["de"]) == 10_000


def test_keys_and_skus_have_stable_formats():
    product = next(iter_products(0, 1))
    assert product["key"] == "P-000001"
    assert [v["sku"] for v in _variants(product)] == ["P-000001-1", "P-000001-2", "P-000001-3"]


def test_slugs_are_valid_commercetools_slugs():
    for product in iter_products(3, 200):
        for slug in product["slug"].values():
            assert 2 <= len(slug) <= 256
            assert all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in slug)


def test_iter_products_is_a_lazy_generator():
    products = iter_products(0, 10**9)
    assert inspect.isgenerator(products)
    assert next(products)["key"] == "P-000001"  # a billion drafts were not built first


def test_iter_products_memory_stays_flat_with_the_count():
    def peak(count: int) -> int:
        tracemalloc.start()
        try:
            for _ in iter_products(1, count):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(50), peak(1_000)
    assert large < small * 2


def test_every_attribute_type_is_defined_and_given_a_value():
    definitions = {a["name"]: a["type"] for a in product_type_draft()["attributes"]}
    type_names = {t["name"] for t in definitions.values()}
    assert type_names >= {
        "text",
        "ltext",
        "number",
        "boolean",
        "enum",
        "lenum",
        "money",
        "date",
        "datetime",
        "time",
        "set",
        "reference",
    }
    for product in iter_products(2, 30):
        for variant in _variants(product):
            assert {a["name"] for a in variant["attributes"]} == set(ATTRIBUTES)


_VALUE_CHECKS = {
    "text": lambda v: isinstance(v, str),
    "ltext": lambda v: set(v) == {"en", "de"},
    "number": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "enum": lambda v: set(v) == {"key", "label"} and isinstance(v["label"], str),
    "lenum": lambda v: set(v) == {"key", "label"} and set(v["label"]) == {"en", "de"},
    "money": lambda v: (
        set(v) == {"currencyCode", "centAmount"} and isinstance(v["centAmount"], int)
    ),
    "date": lambda v: len(v) == 10 and v[4] == "-" and v[7] == "-",
    "datetime": lambda v: v.endswith("Z") and "T" in v,
    "time": lambda v: len(v) == 12 and v[2] == ":" and v[5] == ":",
    "set": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "reference": lambda v: v["typeId"] == "category" and "key" in v,
}


def test_attribute_values_take_the_shape_drafts_expect_for_their_type():
    definitions = {a["name"]: a["type"] for a in product_type_draft()["attributes"]}
    for product in iter_products(4, 20):
        for variant in _variants(product):
            for attribute in variant["attributes"]:
                kind = definitions[attribute["name"]]
                assert _VALUE_CHECKS[kind["name"]](attribute["value"]), attribute
                if kind["name"] in ("enum", "lenum"):
                    assert attribute["value"]["key"] in {v["key"] for v in kind["values"]}


def test_prices_state_fraction_digits_of_their_currency():
    for product in iter_products(5, 50):
        for variant in _variants(product):
            for price in variant["prices"]:
                amounts = [price["value"], *(t["value"] for t in price.get("tiers", []))]
                for value in amounts:
                    assert value["fractionDigits"] == FRACTION_DIGITS[value["currencyCode"]]
                    assert isinstance(value["centAmount"], int) and value["centAmount"] > 0


def test_prices_cover_currencies_countries_channels_groups_tiers_and_validity():
    prices = [
        price
        for product in iter_products(6, 40)
        for variant in _variants(product)
        for price in variant["prices"]
    ]
    assert {p["value"]["currencyCode"] for p in prices} == {"EUR", "USD", "JPY", "KWD"}
    assert {p.get("country") for p in prices} >= {None, "DE", "US", "JP", "KW"}
    assert any("channel" in p for p in prices)
    assert any("customerGroup" in p for p in prices)
    assert any("tiers" in p for p in prices)
    assert any("validFrom" in p and "validUntil" in p for p in prices)


def test_no_two_prices_of_a_variant_share_a_scope_and_validity():
    for product in iter_products(7, 200):
        for variant in _variants(product):
            scopes = Counter(
                (
                    p["value"]["currencyCode"],
                    p.get("country"),
                    str(p.get("channel")),
                    str(p.get("customerGroup")),
                    p.get("validFrom"),
                )
                for p in variant["prices"]
            )
            assert max(scopes.values()) == 1
            assert len({p["key"] for p in variant["prices"]}) == len(variant["prices"])


def test_tiers_start_above_one_and_get_cheaper():
    for product in iter_products(8, 100):
        for variant in _variants(product):
            for price in variant["prices"]:
                tiers = price.get("tiers", [])
                quantities = [t["minimumQuantity"] for t in tiers]
                assert all(q >= 2 for q in quantities)
                assert quantities == sorted(set(quantities))
                for tier in tiers:
                    assert tier["value"]["centAmount"] <= price["value"]["centAmount"]


def test_products_are_published_with_images_and_categories():
    for product in iter_products(9, 20):
        assert product["publish"] is True
        assert product["categories"]
        for variant in _variants(product):
            for image in variant["images"]:
                assert image["url"].startswith("https://")
                assert set(image["dimensions"]) == {"w", "h"}
                assert image["label"]


def test_no_awkward_product_is_generated_unless_asked():
    for product in iter_products(10, 200):
        assert product.get("key")
        assert set(product["name"]) == {"en", "de"}
        for variant in _variants(product):
            assert variant.get("sku") and variant["sku"] != product["key"]
            assert {p["value"]["currencyCode"] for p in variant["prices"]} == set(FRACTION_DIGITS)
    assert generate(seed=10, products=200, orders=0).awkward == ()


def test_awkward_catalogs_hold_every_kind_of_awkward_product():
    catalog = generate(seed=12, products=35, awkward=True)
    by_kind = {a.kind: catalog.products[a.index] for a in catalog.awkward}
    assert set(by_kind) == set(AWKWARD_KINDS)
    assert any("sku" not in v for v in _variants(by_kind[VARIANT_WITHOUT_SKU]))
    assert "de" not in by_kind[NAME_MISSING_LOCALE]["name"]
    awkward_sku = by_kind[SKU_EQUALS_PRODUCT_KEY]
    assert awkward_sku["masterVariant"]["sku"] == awkward_sku["key"]
    assert all(
        p["value"]["currencyCode"] != "KWD"
        for v in _variants(by_kind[NO_PRICE_IN_CURRENCY])
        for p in v["prices"]
    )
    assert "key" not in by_kind[PRODUCT_WITHOUT_KEY]
    assert len(catalog.awkward) < len(catalog.products) / 4


def test_awkward_products_never_reach_an_order():
    catalog = generate(seed=13, products=35, orders=60, awkward=True)
    awkward_names = {catalog.products[a.index]["slug"]["en"] for a in catalog.awkward}
    ordered = {line["variant"]["sku"] for o in catalog.orders for line in o.draft["lineItems"]}
    awkward_skus = {
        v.get("sku") for a in catalog.awkward for v in _variants(catalog.products[a.index])
    }
    assert awkward_names and not ordered & awkward_skus


@pytest.mark.parametrize("variants", [1, 2, 5])
def test_each_product_has_the_requested_number_of_variants(variants):
    for product in itertools.islice(iter_products(1, 10, variants_per_product=variants), 10):
        assert len(_variants(product)) == variants
