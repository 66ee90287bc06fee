"""Finds the commercetools order a Fluent order stands for: its attribute, else its ref's format."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ctbridge.commercetools.errors import NotFound
from ctbridge.connectors.fluent.to_commercetools.fluent_attributes import attribute

ORDER_ID_ATTRIBUTE = "commercetoolsOrderId"


@dataclass(frozen=True, slots=True)
class OrderKey:
    order_id: str | None = None
    order_number: str | None = None


def ref_pattern(template: str) -> re.Pattern[str]:
    """`HD_{id}` → a regex capturing `id`; `{orderNumber}` captures `orderNumber`."""
    pattern = re.escape(template)
    pattern = pattern.replace(re.escape("{id}"), r"(?P<id>.+)")
    pattern = pattern.replace(re.escape("{orderNumber}"), r"(?P<orderNumber>.+)")
    return re.compile(f"^{pattern}$")


def order_key(fluent_order: Mapping[str, Any], ref_formats: Iterable[str]) -> OrderKey | None:
    """The `commercetoolsOrderId` attribute ctbridge puts on every order it creates, else the
    id or order number read back out of the ref with the formats orders are created with."""
    order_id = attribute(fluent_order.get("attributes"), ORDER_ID_ATTRIBUTE)
    if order_id:
        return OrderKey(order_id=str(order_id))
    ref = str(fluent_order.get("ref") or "")
    for template in ref_formats:
        match = ref_pattern(template).match(ref)
        if match:
            found = match.groupdict()
            return OrderKey(order_id=found.get("id"), order_number=found.get("orderNumber"))
    return None


async def find_ct_order(commercetools: Any, key: OrderKey) -> dict[str, Any] | None:
    try:
        if key.order_id:
            return await commercetools.get_by_id("orders", key.order_id)
        if key.order_number:
            return await commercetools.get(
                f"orders/order-number={quote(key.order_number, safe='')}"
            )
    except NotFound:
        return None
    return None
