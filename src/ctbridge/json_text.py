"""JSON text read with orjson wherever orjson reads exactly what the standard library reads.

Pages, bulk answers and stored task payloads are the largest things ctbridge parses, and the
standard library costs several times more CPU for them. orjson reads differently in two cases,
which go through the standard library instead: an integer beyond 64 bits (orjson reads a float;
any run of 19 digits is sent there) and NaN/Infinity (the standard library writes and reads
them, orjson refuses them).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGIT_RUN = b"0" * 19


def loads(text: str | bytes) -> Any:
    """The JSON value of `text`; raises ValueError (as `json.loads` does) when it is not JSON."""
    encoded = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    # Every digit made "0", so one substring search finds a long run (a regex costs more here
    # than the whole parse).
    if _LONG_DIGIT_RUN in encoded.translate(_DIGITS_AS_ZERO):
        return json.loads(text)
    try:
        return orjson.loads(encoded)
    except orjson.JSONDecodeError:
        return json.loads(text)
