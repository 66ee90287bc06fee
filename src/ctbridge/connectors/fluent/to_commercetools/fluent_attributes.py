"""A value from a Fluent entity's attributes, by name, whichever shape Fluent sends them in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def attribute(attributes: Any, *names: str) -> Any:
    """A value from Fluent attributes, given as a list of {name, value} or a plain map."""
    wanted = {name.lower() for name in names}
    if isinstance(attributes, Mapping):
        return next((v for k, v in attributes.items() if k.lower() in wanted), None)
    for entry in attributes or []:
        if str(entry.get("name", "")).lower() in wanted:
            return entry.get("value")
    return None
