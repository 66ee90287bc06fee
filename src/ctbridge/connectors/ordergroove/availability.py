"""Decides whether a variant is live in Ordergroove from its commercetools stock availability."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StockRule:
    """Which inventory counts: the configured supply channel, as a preference or a strict filter."""

    supply_channel_id: str = ""
    strict: bool = False


def is_live(availability: Mapping[str, Any] | None, rule: StockRule) -> bool:
    """`live` as the reference decides it, with an optional strict supply channel.

    No availability means the variant is not tracked by inventory, so it stays live. Without
    channels the channel-less entry decides. The configured channel decides when present;
    otherwise any channel in stock (or the channel-less entry) makes it live, unless the rule
    is strict, in which case only the configured channel counts.
    """
    if not availability:
        return True
    channels: Mapping[str, Any] = availability.get("channels") or {}
    configured = rule.supply_channel_id
    if configured and configured in channels:
        return channels[configured].get("isOnStock", True) is not False
    if configured and rule.strict:
        return False
    if not channels:
        return availability.get("isOnStock", True) is not False
    any_channel = any(entry.get("isOnStock") is True for entry in channels.values())
    return any_channel or availability.get("isOnStock") is True
