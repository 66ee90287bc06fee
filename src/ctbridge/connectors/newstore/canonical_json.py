"""Canonical JSON bytes for NewStore payloads: sorted keys, no whitespace, exact decimals.

The same payload always gives the same bytes, so a redelivered order is sent byte for byte as
before and NewStore's idempotency on `external_id` holds.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def dumps(value: Any) -> bytes:
    return "".join(_encode(value)).encode("utf-8")


def _encode(value: Any) -> list[str]:
    if value is None:
        return ["null"]
    if value is True:
        return ["true"]
    if value is False:
        return ["false"]
    if isinstance(value, str):
        return [json.dumps(value, ensure_ascii=False)]
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        return [format(value, "f")]
    if isinstance(value, float):
        # Rates arrive as JSON floats from commercetools; repr is their shortest exact spelling.
        return [format(Decimal(repr(value)), "f")]
    if isinstance(value, dict):
        out = ["{"]
        for index, key in enumerate(sorted(value)):
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, got {key!r}")
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            out.extend(_encode(value[key]))
        out.append("}")
        return out
    if isinstance(value, list | tuple):
        out = ["["]
        for index, item in enumerate(value):
            if index:
                out.append(",")
            out.extend(_encode(item))
        out.append("]")
        return out
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")
