"""Where-predicates evaluate like the commercetools query language."""

from __future__ import annotations

import pytest

from ctbridge.sandbox.commercetools.predicates import PredicateError, parse

PRODUCT = {
    "id": "b0",
    "key": "shirt",
    "version": 3,
    "published": True,
    "name": {"en": "Blue Shirt", "de": "Blaues Hemd"},
    "createdAt": "2026-01-02T10:00:00.000Z",
    "masterVariant": {"id": 1, "sku": "SKU-1", "attributes": [{"name": "size", "value": "M"}]},
    "variants": [
        {"id": 2, "sku": "SKU-2", "attributes": [{"name": "size", "value": "L"}]},
        {"id": 3, "sku": "SKU-3", "prices": [{"value": {"centAmount": 1999}}]},
    ],
    "categories": [{"typeId": "category", "id": "c1"}, {"typeId": "category", "id": "c2"}],
    "tags": ["a", "b"],
    "empty": [],
}

CASES = [
    ('key = "shirt"', True),
    ('key = "hat"', False),
    ('key != "hat"', True),
    ('key <> "shirt"', False),
    ("version = 3", True),
    ("version > 2", True),
    ("version >= 3", True),
    ("version < 3", False),
    ("version <= 2", False),
    ('version = "3"', True),
    ("published = true", True),
    ("published = false", False),
    ('key in ("hat", "shirt")', True),
    ('key not in ("hat", "shirt")', False),
    ('key not in ("hat")', True),
    ("key is defined", True),
    ("missing is defined", False),
    ("missing is not defined", True),
    ("empty is empty", True),
    ("tags is not empty", True),
    ('name(en = "Blue Shirt")', True),
    ('name(de = "Blue Shirt")', False),
    ('name.en = "Blue Shirt"', True),
    ('masterVariant(sku = "SKU-1")', True),
    ('variants(sku = "SKU-3")', True),
    ('variants(sku = "SKU-1")', False),
    ('variants(attributes(name = "size" and value = "L"))', True),
    ('variants(attributes(name = "size" and value = "M"))', False),
    ("variants(prices(value(centAmount > 1000)))", True),
    ('categories(id = "c2")', True),
    ('categories(id in ("x", "c1"))', True),
    ('tags contains "b"', True),
    ('tags contains any ("z", "a")', True),
    ('tags contains all ("a", "z")', False),
    ('key = "shirt" and version = 3', True),
    ('key = "hat" or version = 3', True),
    ('key = "hat" or version = 4', False),
    ('not(key = "hat")', True),
    ('not(key = "shirt")', False),
    ('(key = "hat" or key = "shirt") and version > 1', True),
    ('key = "hat" or key = "shirt" and version > 5', False),
    ('createdAt > "2026-01-01T00:00:00.000Z"', True),
    ('createdAt < "2026-01-02T09:00:00Z"', False),
    ('createdAt >= "2026-01-02"', True),
    ('id > "a9"', True),
    ('id > "b0"', False),
    ('key = "sh\\"irt"', False),
]


@pytest.mark.parametrize(("predicate", "expected"), CASES)
def test_predicate_matches_like_the_platform(predicate: str, expected: bool) -> None:
    assert parse(predicate)(PRODUCT) is expected


@pytest.mark.parametrize(
    ("predicate", "variables", "expected"),
    [
        ("key = :key", {"key": ["shirt"]}, True),
        ("key in :keys", {"keys": ["hat", "shirt"]}, True),
        ("key in (:keys)", {"keys": ["hat", "cap"]}, False),
        ("version = :v", {"v": ["3"]}, True),
    ],
)
def test_variables_come_from_var_parameters(predicate, variables, expected) -> None:
    assert parse(predicate, variables)(PRODUCT) is expected


@pytest.mark.parametrize(
    "predicate",
    [
        "key = ",
        'key "shirt"',
        '(key = "a"',
        'key = "a" and',
        "not key = 1",
        "key = :unknown",
        'key ~ "a"',
        "= 1",
    ],
)
def test_malformed_predicates_are_rejected(predicate: str) -> None:
    with pytest.raises(PredicateError):
        parse(predicate)
