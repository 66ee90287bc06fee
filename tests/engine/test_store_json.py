"""Stored JSON (task payloads, key-value values) reads back as the standard library reads it."""

from __future__ import annotations

import json

import pytest

from ctbridge.engine.store import dumps, loads

TEXTS = [
    '{"a": 123456789012345678901234, "b": 1.5}',
    '{"n": -9999999999999999999, "m": 18446744073709551615}',
    '{"id": "order-12345678901234567890", "v": [1, 2.25, -3e5]}',
    "[NaN, Infinity, -Infinity]",
    '"\\ud800 lone surrogate"',
    '{"x": "é ✓ \\u00e9", "nested": {"k": [true, false, null]}}',
    "1e400",
]


@pytest.mark.parametrize("text", TEXTS)
def test_loads_reads_what_the_standard_library_reads(text: str) -> None:
    assert repr(loads(text)) == repr(json.loads(text))


def test_a_stored_payload_round_trips() -> None:
    payload = {"big": 2**70, "price": 12.5, "name": {"en": "é"}, "lone": "\ud800"}
    assert loads(dumps(payload)) == payload
    assert loads(None) is None
