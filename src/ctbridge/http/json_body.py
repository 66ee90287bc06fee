"""JSON bodies for every client: decoded and encoded with orjson, Decimal amounts kept exact.

The targets' pages and bulk payloads are the largest things ctbridge parses and writes; the
standard library's encoder and decoder cost several times more CPU for them. What orjson does
not read (`NaN`, `Infinity`) falls back to the standard library, so nothing a client accepted
before is refused now. orjson reads an integer beyond 64 bits as a float: no target documents
one (commercetools' `centAmount` is a 64-bit Long).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson


def decode(content: bytes | str) -> Any:
    """The JSON value of a body; raises ValueError (as `json.loads` does) when it is not JSON."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        text = content.decode("utf-8", errors="strict") if isinstance(content, bytes) else content
        return json.loads(text)


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"{value} cannot be written as a JSON number")
        return orjson.Fragment(format(value, "f"))
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact UTF-8 JSON; a Decimal is written as its exact digits, never through a float."""
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        return orjson.dumps(value, default=_exact, option=option)
    except orjson.JSONEncodeError as error:
        raise TypeError(str(error.__cause__ or error)) from error
