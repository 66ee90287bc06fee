"""Selects the one embedded price Ordergroove gets for a variant, the way commercetools would."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ctbridge.commercetools.money import amount as money_amount


@dataclass(frozen=True, slots=True)
class PriceScope:
    """The configured price selection: currency always, country and channel when set."""

    currency: str
    country: str = ""
    channel_id: str = ""
    use_discounted: bool = False
    recurrence_policy_id: str = ""

    def describe(self) -> str:
        parts = [self.currency]
        if self.country:
            parts.append(f"country {self.country}")
        if self.channel_id:
            parts.append(f"channel {self.channel_id}")
        if self.recurrence_policy_id:
            parts.append(f"recurrence policy {self.recurrence_policy_id}")
        return ", ".join(parts)


def _parse_instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _valid_at(price: Mapping[str, Any], now: datetime) -> bool:
    valid_from = price.get("validFrom")
    valid_until = price.get("validUntil")
    if valid_from and _parse_instant(valid_from) > now:
        return False
    return not (valid_until and _parse_instant(valid_until) <= now)


def _scope_rank(price: Mapping[str, Any], scope: PriceScope) -> int | None:
    """0 = country+channel, 1 = channel, 2 = country, 3 = neither; None = not eligible.

    A price scoped to a country or channel is eligible only when that same one is configured.
    """
    country = price.get("country")
    channel = (price.get("channel") or {}).get("id")
    if country and country != scope.country:
        return None
    if channel and channel != scope.channel_id:
        return None
    if country and channel:
        return 0
    if channel:
        return 1
    if country:
        return 2
    return 3


def _recurrence_rank(price: Mapping[str, Any], scope: PriceScope) -> int | None:
    """0 = the configured recurrence policy, 1 = none; None = another policy (not eligible).

    commercetools Price.recurrencePolicy (Reference to a RecurrencePolicy) marks a price for
    recurring orders only; price selection takes it into account only when asked for that
    policy (`priceRecurrencePolicy`). Sources: docs.commercetools.com release note
    "2025-07-08 introduced Recurring Orders" (recurrencePolicy on Price, priceRecurrencePolicy
    price selection parameter) and the Recurring Orders overview ("You define Recurrence
    Policies on ... individual prices"). Whether a matching recurring price outranks a more
    specific one-time price is not documented; here scope specificity decides first.
    """
    policy = (price.get("recurrencePolicy") or {}).get("id")
    if not policy:
        return 1
    if scope.recurrence_policy_id and policy == scope.recurrence_policy_id:
        return 0
    return None


def select_price(
    prices: Iterable[Mapping[str, Any]], scope: PriceScope, now: datetime
) -> Mapping[str, Any] | None:
    """The embedded price commercetools price selection would pick, or None.

    Currency must match and customer-group prices never qualify. A price that carries a
    recurrence policy qualifies only when that policy is configured (OG_PRICE_RECURRENCE_POLICY_ID).
    Among prices valid at `now`, the most specific scope wins; within a scope the configured
    recurrence policy beats no policy, and a dated price (validFrom/validUntil) an undated one.
    """
    best: tuple[int, int, int] | None = None
    chosen: Mapping[str, Any] | None = None
    for price in prices:
        value = price.get("value") or {}
        if value.get("currencyCode") != scope.currency or price.get("customerGroup"):
            continue
        if not _valid_at(price, now):
            continue
        rank = _scope_rank(price, scope)
        recurrence = _recurrence_rank(price, scope)
        if rank is None or recurrence is None:
            continue
        dated = 0 if (price.get("validFrom") or price.get("validUntil")) else 1
        if best is None or (rank, recurrence, dated) < best:
            best, chosen = (rank, recurrence, dated), price
    return chosen


def price_amount(price: Mapping[str, Any], scope: PriceScope) -> Decimal:
    """The amount to send: quantity-1 value (tiers ignored), discounted only when configured."""
    discounted = price.get("discounted")
    if scope.use_discounted and discounted and discounted.get("value"):
        return money_amount(discounted["value"])
    return money_amount(price["value"])
