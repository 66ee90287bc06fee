"""The resume point of a bulk load: the last product before which everything is resolved."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field


@dataclass
class _Entry:
    product_id: str
    pending: int
    counts: Counter[str] = field(default_factory=Counter)
    skus: list[str] = field(default_factory=list)


class ResolutionFrontier:
    """Products enter in id order with the number of Ordergroove items still unresolved.

    Batches complete out of order (several are in flight, and fallbacks are sent later), so the
    checkpoint may only move past a product once it and every product before it are resolved;
    their outcome counts are committed together with it, so a resumed load counts nothing twice.
    """

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._order: deque[int] = deque()
        self._next = 0
        self.committed: Counter[str] = Counter()
        self.committed_products = 0
        self.last_committed: str | None = None
        self._committed_skus: dict[str, list[str]] = {}

    def add(
        self,
        product_id: str,
        pending: int,
        counts: Counter[str] | None = None,
        skus: list[str] | None = None,
    ) -> int:
        ordinal = self._next
        self._next += 1
        self._entries[ordinal] = _Entry(product_id, pending, counts or Counter(), skus or [])
        self._order.append(ordinal)
        return ordinal

    def resolve(self, ordinal: int, outcome: str) -> None:
        entry = self._entries[ordinal]
        entry.pending -= 1
        entry.counts[outcome] += 1

    def advance(self) -> bool:
        """Commits the resolved prefix; True when the resume point moved."""
        moved = False
        while self._order and self._entries[self._order[0]].pending <= 0:
            entry = self._entries.pop(self._order.popleft())
            self.committed.update(entry.counts)
            self.committed_products += 1
            self.last_committed = entry.product_id
            self._committed_skus[entry.product_id] = entry.skus
            moved = True
        return moved

    def restore_committed_skus(self, skus: dict[str, list[str]]) -> None:
        """Puts back skus whose write failed, so the next write retries them."""
        self._committed_skus = {**skus, **self._committed_skus}

    def take_committed_skus(self) -> dict[str, list[str]]:
        """The skus of the products committed since the last call (for the sku ledger)."""
        taken, self._committed_skus = self._committed_skus, {}
        return taken

    @property
    def open_products(self) -> int:
        return len(self._order)
