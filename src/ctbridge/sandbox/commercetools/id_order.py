"""One table's resources sorted by id, with additions and removals merged in only when read."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

Row = dict[str, Any]


class IdOrder:
    """Resources sorted by id for bisection; writes stay O(log n), reads after adds pay a merge.

    Changing an existing resource replaces it in place. A new id waits in `_added` and a removed
    one leaves a hole (None) until the next read merges them, so seeding n resources does not
    shift the sorted list n times.
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._rows: list[Row | None] = []
        self._added: dict[str, None] = {}
        self._holes = 0

    def add(self, resource: Row) -> None:
        position = self._position(resource["id"])
        if position is None:
            self._added[resource["id"]] = None
        else:  # an id removed since the last merge comes back
            self._rows[position] = resource
            self._holes -= 1

    def replace(self, resource: Row) -> None:
        position = self._position(resource["id"])
        if position is not None:
            self._rows[position] = resource
        # Otherwise the id is still waiting in `_added`; the merge reads it from the table.

    def remove(self, resource_id: str) -> None:
        position = self._position(resource_id)
        if position is not None and self._rows[position] is not None:
            self._rows[position] = None
            self._holes += 1
        else:
            self._added.pop(resource_id, None)

    def rows(self, table: Mapping[str, Row]) -> list[Row]:
        """The resources of `table` sorted by id (the live list: copy it before letting go)."""
        if self._added or self._holes:
            kept = [i for i, row in zip(self._ids, self._rows, strict=True) if row is not None]
            # Two sorted runs: the sort merges them in linear time.
            self._ids = sorted(kept + sorted(self._added))
            self._rows = [table[resource_id] for resource_id in self._ids]
            self._added = {}
            self._holes = 0
        return self._rows  # type: ignore[return-value]

    def _position(self, resource_id: str) -> int | None:
        position = bisect.bisect_left(self._ids, resource_id)
        if position < len(self._ids) and self._ids[position] == resource_id:
            return position
        return None
