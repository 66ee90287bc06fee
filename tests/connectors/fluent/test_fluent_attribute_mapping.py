"""Attributes reach Fluent typed by their commercetools type, labels in the catalog locale."""

from decimal import Decimal

import pytest
from tests.connectors.fluent.ct_fixtures import money

from ctbridge.connectors.fluent.to_fluent.attribute_mapping import map_attribute


@pytest.mark.parametrize(
    ("value", "ct_type", "expected_type", "expected_value"),
    [
        ("cotton", None, "STRING", "cotton"),
        ({"en-US": "Blue", "de-DE": "Blau"}, None, "STRING", "Blue"),
        (3, None, "INTEGER", 3),
        (2.5, None, "FLOAT", Decimal("2.5")),
        (True, None, "BOOLEAN", True),
        ({"key": "red", "label": "Red"}, None, "STRING", "Red"),
        ({"key": "red", "label": {"en-US": "Red", "de-DE": "Rot"}}, None, "STRING", "Red"),
        (money(1999), None, "JSON", {"currency": "EUR", "value": Decimal("19.99")}),
        ("2024-05-01", "date", "DATE", "2024-05-01"),
        ("2024-05-01T10:00:00.000Z", "datetime", "TIMESTAMP", "2024-05-01T10:00:00.000Z"),
        ("2024-05-01", "text", "STRING", "2024-05-01"),
        (["a", "b"], None, "JSON", ["a", "b"]),
        ([{"key": "s", "label": {"en-US": "Small"}}], "set", "JSON", ["Small"]),
        ({"typeId": "product", "id": "p-1", "obj": {"key": "bundle"}}, None, "STRING", "bundle"),
        ({"typeId": "category", "id": "c-1"}, "reference", "STRING", "c-1"),
    ],
)
def test_attribute_type_follows_the_commercetools_type(
    value, ct_type, expected_type, expected_value
):
    mapped = map_attribute({"name": "a", "value": value}, "en-US", ct_type)
    assert mapped == {"name": "a", "type": expected_type, "value": expected_value}


def test_an_attribute_without_value_is_left_out():
    assert map_attribute({"name": "a", "value": None}, "en-US") is None
