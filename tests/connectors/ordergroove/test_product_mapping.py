"""One Ordergroove product per variant, with the reference's fields, and skips with reasons."""

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ctbridge.connectors.ordergroove.availability import StockRule
from ctbridge.connectors.ordergroove.pricing import PriceScope
from ctbridge.connectors.ordergroove.product_mapping import (
    MappingRules,
    SkippedVariant,
    catalogue_fingerprint,
    fingerprint_matches,
    map_product,
    skus_removed,
    stock_update,
)

NOW = datetime(2024, 6, 1, tzinfo=UTC)
RULES = MappingRules(
    locale="en-US",
    prices=PriceScope("EUR"),
    stock=StockRule(),
    store_url="https://shop.example/p/[SLUG]?ref=[SLUG]",
)


def eur(cents: int) -> dict:
    return {"value": {"currencyCode": "EUR", "centAmount": cents, "fractionDigits": 2}}


def projection(**overrides) -> dict:
    base = {
        "id": "p1",
        "name": {"en-US": "Coffee beans", "de-DE": "Kaffeebohnen"},
        "slug": {"en-US": "coffee beans/dark"},
        "masterVariant": {
            "id": 1,
            "sku": "COF-1",
            "prices": [eur(1299)],
            "images": [{"url": "https://img/master.jpg"}],
        },
        "variants": [
            {"id": 2, "sku": "COF-2", "prices": [eur(2499)], "images": []},
            {
                "id": 3,
                "sku": "COF-3",
                "prices": [eur(999)],
                "images": [{"url": "https://img/v3.jpg"}],
                "availability": {"isOnStock": False},
            },
        ],
    }
    base.update(overrides)
    return base


def test_each_variant_becomes_one_product_with_the_reference_fields():
    mapping = map_product(projection(), RULES, NOW)
    assert mapping.skipped == []
    assert [p["product_id"] for p in mapping.products] == ["COF-1", "COF-2", "COF-3"]
    first = mapping.products[0]
    assert first == {
        "product_id": "COF-1",
        "sku": "COF-1",
        "name": "Coffee beans",
        "price": Decimal("12.99"),
        "live": True,
        "image_url": "https://img/master.jpg",
        "detail_url": "https://shop.example/p/coffee%20beans%2Fdark?ref=[SLUG]",
    }


def test_variant_without_image_falls_back_to_the_master_image():
    products = map_product(projection(), RULES, NOW).products
    assert products[1]["image_url"] == "https://img/master.jpg"
    assert products[2]["image_url"] == "https://img/v3.jpg"


def test_live_comes_from_the_variant_availability():
    products = map_product(projection(), RULES, NOW).products
    assert [p["live"] for p in products] == [True, True, False]


@pytest.mark.parametrize(
    ("store_url", "slug", "expected"),
    [
        ("", {"en-US": "x"}, ""),
        ("https://s/[SLUG]", {}, ""),
        ("https://s/[SLUG]", {"en-US": "ä b"}, "https://s/%C3%A4%20b"),
    ],
)
def test_detail_url_replaces_the_first_slug_placeholder_url_encoded(store_url, slug, expected):
    rules = MappingRules(
        locale="en-US", prices=PriceScope("EUR"), stock=StockRule(), store_url=store_url
    )
    products = map_product(projection(slug=slug), rules, NOW).products
    assert products[0]["detail_url"] == expected


def test_variant_without_sku_is_skipped_with_reason_and_others_still_sent():
    data = projection()
    data["variants"][0]["sku"] = None
    mapping = map_product(data, RULES, NOW)
    assert [p["product_id"] for p in mapping.products] == ["COF-1", "COF-3"]
    assert mapping.skipped == [SkippedVariant("p1/2", "variant has no sku (Ordergroove needs one)")]
    assert "" not in [p["product_id"] for p in mapping.products]


def test_product_without_name_in_locale_skips_only_its_own_variants():
    mapping = map_product(projection(name={"de-DE": "Kaffee"}), RULES, NOW)
    assert mapping.products == []
    assert {s.item_id for s in mapping.skipped} == {"COF-1", "COF-2", "COF-3"}
    assert all("no name in locale en-US" in s.reason for s in mapping.skipped)


def test_variant_without_selected_price_is_skipped_with_reason():
    data = projection()
    data["variants"][0]["prices"] = [
        {"value": {"currencyCode": "USD", "centAmount": 1, "fractionDigits": 2}}
    ]
    mapping = map_product(data, RULES, NOW)
    assert [p["sku"] for p in mapping.products] == ["COF-1", "COF-3"]
    assert mapping.skipped == [SkippedVariant("COF-2", "no embedded price for EUR")]


def test_skus_lists_every_variant_with_a_sku_sent_or_not():
    data = projection()
    data["variants"][0]["prices"] = []
    assert map_product(data, RULES, NOW).skus == ["COF-1", "COF-2", "COF-3"]


def test_groups_and_extra_data_come_from_configured_attributes():
    data = projection()
    data["masterVariant"]["attributes"] = [
        {"name": "og-groups", "value": [{"key": "coffee", "label": "Coffee"}, "beans"]},
        {"name": "roast", "value": {"en-US": "dark", "de-DE": "dunkel"}},
        {"name": "weight", "value": 500},
    ]
    rules = MappingRules(
        locale="en-US",
        prices=PriceScope("EUR"),
        stock=StockRule(),
        groups_attribute="og-groups",
        group_type="custom",
        extra_data_attributes=("roast", "weight", "missing"),
    )
    product = map_product(data, rules, NOW).products[0]
    assert product["groups"] == [
        {"name": "coffee", "group_type": "custom"},
        {"name": "beans", "group_type": "custom"},
    ]
    assert isinstance(product["extra_data"], str)
    assert json.loads(product["extra_data"]) == {"roast": "dark", "weight": 500}


def test_groups_and_extra_data_are_not_sent_unless_configured():
    product = map_product(projection(), RULES, NOW).products[0]
    assert "groups" not in product and "extra_data" not in product


def test_fingerprint_ignores_live_but_sees_catalogue_changes():
    product = map_product(projection(), RULES, NOW).products[0]
    same = product | {"live": not product["live"]}
    cheaper = product | {"price": Decimal("9.99")}
    assert catalogue_fingerprint(product) == catalogue_fingerprint(same)
    assert catalogue_fingerprint(product) != catalogue_fingerprint(cheaper)


def test_a_fingerprint_written_by_an_earlier_release_still_matches():
    product = map_product(projection(), RULES, NOW).products[0]
    fields = {k: v for k, v in sorted(product.items()) if k != "live"}
    text = json.dumps(fields, sort_keys=True, default=lambda v: format(v, "f"))
    earlier = hashlib.sha256(text.encode()).hexdigest()[:32]
    assert fingerprint_matches(earlier, product)
    assert not fingerprint_matches(earlier, product | {"price": Decimal("9.99")})
    assert fingerprint_matches(catalogue_fingerprint(product), product | {"live": False})
    assert not fingerprint_matches(None, product)


def test_stock_update_is_a_partial_object():
    assert stock_update("COF-1", False) == {"product_id": "COF-1", "live": False}


def test_removed_skus_are_those_no_longer_on_the_product():
    assert skus_removed(["A", "B", "C"], ["A", "C", "D"]) == ["B"]
