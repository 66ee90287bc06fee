"""NewStore stock rows → one ATP per identifier (and supply channel), purely."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

StockKey = tuple[str, str | None]  # (sku or product id, supply channel key or None)


@dataclass
class StockAggregate:
    """Sums ATP per identifier across fulfillment nodes.

    A node's negative ATP (oversold there) counts as 0: it does not take stock away from the
    other nodes. Rows without an identifier, rows of nodes outside `node_channels` (per-channel
    mode) and repeats of a product × node already seen are ignored, and counted.
    """

    identifier: str = "sku"
    atp_field: str = "atp"
    node_channels: Mapping[str, str] | None = None
    # ATP per node of each key: a small dict per key, node ids interned (few distinct nodes).
    _per_key: dict[StockKey, dict[str, int]] = field(default_factory=dict)
    ignored: int = 0
    rows: int = 0

    def add(self, row: Mapping[str, Any]) -> bool:
        self.rows += 1
        identifier = row.get(self.identifier)
        node = str(row.get("fulfillment_node_id") or "")
        if not isinstance(identifier, str) or not identifier.strip():
            self.ignored += 1
            return False
        channel: str | None = None
        if self.node_channels:
            channel = self.node_channels.get(node)
            if channel is None:
                self.ignored += 1
                return False
        nodes = self._per_key.setdefault((identifier, channel), {})
        if node in nodes:
            self.ignored += 1
            return False
        nodes[sys.intern(node)] = max(0, int(row.get(self.atp_field) or 0))
        return True

    def extend(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def totals(self) -> dict[StockKey, int]:
        return {key: sum(nodes.values()) for key, nodes in self._per_key.items()}


def export_totals(rows: Iterable[Mapping[str, Any]], identifier: str) -> dict[StockKey, int]:
    """ATP export rows (already combined over all nodes) → ATP per identifier, clamped at 0."""
    totals: dict[StockKey, int] = {}
    for row in rows:
        if identifier == "product_id":
            value = row.get("product_id")
        else:
            value = (row.get("external_identifiers") or {}).get(identifier)
        if isinstance(value, str) and value.strip():
            totals[(value, None)] = max(0, int(row.get("atp") or 0))
    return totals
