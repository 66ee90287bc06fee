"""JSON bodies every client writes: orjson, Decimal amounts written exactly (bodies are read
with `ctbridge.json_text`).

The targets' bulk payloads are the largest things ctbridge writes; the standard library's
encoder costs several times more CPU for them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson


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
