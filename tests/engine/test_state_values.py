"""Stored key-value JSON: what orjson writes reads back as the stdlib wrote it before."""

import json
from datetime import UTC, datetime
from decimal import Decimal

from ctbridge.engine.state import encode_value
from ctbridge.engine.store import loads


def test_values_read_back_unchanged_and_keys_sorted():
    value = {"b": [1, 2.5, None, True], "a": "grüße", "n": 9223372036854775807}
    text = encode_value(value)
    assert text.startswith('{"a":')
    assert loads(text) == value


def test_datetimes_and_decimals_are_written_as_str_gives_them_as_before():
    moment = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    assert loads(encode_value({"at": moment, "price": Decimal("1.10")})) == {
        "at": str(moment),
        "price": "1.10",
    }


def test_an_integer_beyond_64_bits_goes_through_the_stdlib_exactly():
    big = 2**70
    assert json.loads(encode_value({"n": big})) == {"n": big}
    assert loads(encode_value({"n": big, "m": -big})) == {"n": big, "m": -big}


def test_text_only_the_stdlib_reads_is_still_read():
    assert loads('{"x": 1, "y": "a"}') == {"x": 1, "y": "a"}
    assert loads('{"x": NaN}')["x"] != loads('{"x": NaN}')["x"]


async def test_a_big_write_reads_back_exactly_on_both_databases(database_url):
    from ctbridge.engine.state import KeyValueStore
    from ctbridge.engine.store import Store

    store = Store(database_url)
    await store.create_schema()
    try:
        state = KeyValueStore(store)
        items = {
            f'sku-{n}-"quoted"-grüße': {"fingerprint": f"v2:{n:032x}", "live": n % 2 == 0}
            for n in range(12_000)  # more than one chunk on either database
        }
        items["nested"] = {"list": [1, "two", None], "text": "line\nbreak\\"}
        await state.put_many("ns", items)
        await state.put_many("ns", {'sku-0-"quoted"-grüße': {"live": False}})
        found = await state.get_many("ns", items)
        assert found == {**items, 'sku-0-"quoted"-grüße': {"live": False}}
    finally:
        await store.engine.dispose()


async def test_keys_sqlites_json_reader_would_cut_short_are_written_intact(sqlite_url):
    from ctbridge.engine.state import KeyValueStore
    from ctbridge.engine.store import Store

    store = Store(sqlite_url)
    await store.create_schema()
    try:
        state = KeyValueStore(store)
        items = {"a\x00b": {"v": "x\x00y"}, "a": {"v": "plain"}, "e\u2028": "\U0001f600"}
        await state.put_many("ns", items)
        assert await state.get_many("ns", items) == items
    finally:
        await store.engine.dispose()
