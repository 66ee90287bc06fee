"""Stored JSON (task payloads, key-value values) reads back as the standard library reads it."""

from __future__ import annotations

from ctbridge.engine.store import dumps, loads


def test_a_stored_payload_round_trips() -> None:
    payload = {"big": 2**70, "price": 12.5, "name": {"en": "é"}, "lone": "\ud800"}
    assert loads(dumps(payload)) == payload
    assert loads(None) is None
