"""A snapshot of one table for queries: resources in creation order, also held in id order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Listing(list[dict[str, Any]]):
    """A plain list in creation order whose `by_id` holds the same resources sorted by id.

    Queries sorted by id page through `by_id` by bisection instead of sorting the whole list.
    Anything that builds a new list from a Listing (a filter, a view) gets a plain list back,
    so a stale `by_id` cannot outlive the rows it describes.
    """

    def __init__(self, rows: Iterable[dict[str, Any]], by_id: list[dict[str, Any]]) -> None:
        super().__init__(rows)
        self.by_id = by_id

    def snapshot(self) -> Listing:
        """A copy that shares no list with this one (the resources themselves are immutable)."""
        return Listing(self, list(self.by_id))
