"""JSON text read with orjson, through the stdlib wherever orjson would read it differently."""

import json

import pytest

from ctbridge import json_text

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
def test_text_and_bodies_read_as_the_standard_library_reads_them(text: str) -> None:
    assert repr(json_text.loads(text)) == repr(json.loads(text))
    assert repr(json_text.loads(text.encode())) == repr(json.loads(text))


def test_what_is_not_json_raises_value_error():
    with pytest.raises(ValueError):
        json_text.loads(b"<html>busy</html>")
    with pytest.raises(ValueError):
        json_text.loads(b"\xff\xfe")
