"""Canonical JSON: sorted keys, no whitespace, exact decimals — the same payload, the same bytes."""

from decimal import Decimal

import pytest

from ctbridge.connectors.newstore.canonical_json import dumps


def test_keys_are_sorted_and_there_is_no_whitespace():
    assert dumps({"b": 1, "a": [True, None, "x"]}) == b'{"a":[true,null,"x"],"b":1}'


def test_decimals_are_written_exactly_with_their_places():
    assert dumps({"p": Decimal("10.50"), "y": Decimal("1200"), "k": Decimal("1.005")}) == (
        b'{"k":1.005,"p":10.50,"y":1200}'
    )


def test_float_rates_from_commercetools_keep_their_shortest_spelling():
    assert dumps([0.19, 0.075]) == b"[0.19,0.075]"


def test_non_ascii_text_is_kept_as_utf8():
    assert dumps("Straße") == '"Straße"'.encode()


def test_unknown_types_are_refused():
    with pytest.raises(TypeError):
        dumps({"x": object()})
