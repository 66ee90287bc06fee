"""Products become a standard product (ref = key) and variants (ref = sku); skips say why."""

import hashlib
from decimal import Decimal

import pytest
from tests.connectors.fluent.ct_fixtures import projection

from ctbridge.connectors.fluent.to_fluent.catalog_event import Catalogue
from ctbridge.connectors.fluent.to_fluent.category_mapping import (
    VALID_REF,
    category_event,
    fluent_category_ref,
    parents_first,
)
from ctbridge.connectors.fluent.to_fluent.product_mapping import (
    ProductEvents,
    ProductRules,
    ProductSkipped,
    product_events,
)

CATALOGUE = Catalogue("1", "PC:MASTER:1", "en-US")
REFS = {"cat-1": "shirts"}


def test_standard_product_carries_key_name_summary_category_refs_and_gtin_from_the_attribute():
    events = product_events(projection(), CATALOGUE, category_refs=REFS)
    assert isinstance(events, ProductEvents)
    standard = events.standard
    assert standard["name"] == "UPSERT_PRODUCT"
    assert standard["entityRef"] == "PC:MASTER:1" and standard["entityType"] == "PRODUCT_CATALOGUE"
    assert standard["attributes"] == {
        "ref": "shirt",
        "type": "STANDARD",
        "status": "ACTIVE",
        "gtin": "4006381333931",
        "name": "Shirt",
        "summary": "A shirt",
        "categoryRefs": ["shirts"],
    }


def test_variants_reference_the_standard_product_with_prices_images_and_typed_attributes():
    events = product_events(projection(), CATALOGUE, category_refs=REFS)
    first, second = (v["attributes"] for v in events.variants)
    assert first["ref"] == "shirt-s" and first["standardProductRef"] == "shirt"
    assert first["prices"] == [{"type": "DEFAULT", "currency": "EUR", "value": Decimal("19.99")}]
    assert {"name": "imageUrl", "type": "STRING", "value": "https://img/1.png"} in first[
        "attributes"
    ]
    assert {"name": "size", "type": "STRING", "value": "S"} in first["attributes"]
    assert not any(a["name"] == "gtin" for a in first["attributes"])
    assert second["ref"] == "shirt-m" and second["gtin"] == "NOTFORSALE"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"key": None}, "product has no key"),
        ({"name": {"de-DE": "Hemd"}}, "product has no name in en-US"),
    ],
)
def test_products_are_skipped_with_the_reason(changes, reason):
    assert product_events(projection(**changes), CATALOGUE, category_refs=REFS) == ProductSkipped(
        reason
    )


def test_a_variant_without_sku_or_with_the_product_key_as_sku_is_left_out_with_the_reason():
    product = projection(
        variants=[{"id": 2, "attributes": []}, {"id": 3, "sku": "shirt", "attributes": []}]
    )
    events = product_events(product, CATALOGUE, category_refs=REFS)
    assert [v["attributes"]["ref"] for v in events.variants] == ["shirt-s"]
    assert events.skipped_variants == [
        ("shirt#2", "variant has no sku"),
        ("shirt", "variant sku equals the product key"),
    ]


def test_an_unpublished_product_is_sent_inactive():
    events = product_events(projection(), CATALOGUE, category_refs=REFS, status="INACTIVE")
    statuses = {
        events.standard["attributes"]["status"],
        *(v["attributes"]["status"] for v in events.variants),
    }
    assert statuses == {"INACTIVE"}


def test_gtin_attribute_name_is_configurable_and_the_summary_is_cut_at_255():
    product = projection(description={"en-US": "x" * 300})
    product["masterVariant"]["attributes"].append({"name": "ean", "value": "123"})
    events = product_events(
        product, CATALOGUE, category_refs=REFS, rules=ProductRules(gtin_attribute="ean")
    )
    assert events.standard["attributes"]["gtin"] == "123"
    assert len(events.standard["attributes"]["summary"]) == 255


def test_category_event_names_its_parent_and_categories_go_parents_first():
    root = {"id": "c-root", "key": "root", "name": {"en-US": "Root"}, "ancestors": []}
    child = {
        "id": "c-child",
        "name": {"en-US": "Child"},
        "parent": {"typeId": "category", "id": "c-root"},
        "ancestors": [{"typeId": "category", "id": "c-root"}],
    }
    event = category_event(child, CATALOGUE, {"c-root": "ROOT"})
    assert event["name"] == "UPSERT_CATEGORY"
    assert event["attributes"]["ref"] == fluent_category_ref("c-child")
    # Product Catalog workflow contract: the parent is `parentCategory`.
    assert event["attributes"]["parentCategory"] == "ROOT"
    assert "parentCategoryRef" not in event["attributes"]
    assert parents_first([child, root]) == [[root], [child]]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("GAMING_CHAIR", "GAMING_CHAIR"),
        ("SHIRTS2", "SHIRTS2"),
        ("shirts", "SHIRTS_" + hashlib.sha256(b"shirts").hexdigest()[:8].upper()),
        ("men-shoes", "MEN_SHOES_" + hashlib.sha256(b"men-shoes").hexdigest()[:8].upper()),
    ],
)
def test_category_refs_are_uppercase_alphanumeric_and_kept_when_they_already_are(key, expected):
    assert fluent_category_ref(key) == expected


def test_keys_that_differ_only_in_case_or_punctuation_stay_distinct_refs():
    refs = {fluent_category_ref(k) for k in ("men-shoes", "men_shoes", "MEN_SHOES", "Men-Shoes")}
    assert len(refs) == 4
    assert all(VALID_REF.match(ref) for ref in refs)


def test_a_long_key_or_an_id_fits_the_100_character_limit():
    long_ref = fluent_category_ref("k" * 256)
    uuid_ref = fluent_category_ref("3f2b1c9e-0d4a-4e21-9b7c-1a2b3c4d5e6f")
    assert len(long_ref) == 100 and VALID_REF.match(long_ref) and VALID_REF.match(uuid_ref)
    assert fluent_category_ref("k" * 256) == long_ref != fluent_category_ref("k" * 255)
