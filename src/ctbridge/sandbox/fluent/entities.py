"""The emulator's entity store: Fluent entities by type with numeric ids and unique refs."""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


class EntityStore:
    """Thread-safe storage shared by the GraphQL schema, the Event API and the tests.

    Entities are dicts with `id` (a string of digits, as Fluent's GraphQL `ID`), `ref`,
    `createdOn` and `updatedOn`. A ref is unique per entity type and scope (e.g. a product ref
    per catalogue), which is what Fluent's duplicate checks enforce.
    """

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self.lock = threading.RLock()
        self._now = now or (lambda: datetime.now(UTC))
        self._next_id = 1000
        self._by_type: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self._refs: dict[tuple[str, str, str], str] = {}

    def timestamp(self) -> str:
        return self._now().isoformat().replace("+00:00", "Z")

    def create(
        self, entity_type: str, fields: dict[str, Any], *, scope: str = ""
    ) -> dict[str, Any]:
        with self.lock:
            ref = fields.get("ref")
            if ref is not None and (entity_type, scope, ref) in self._refs:
                raise KeyError(ref)
            self._next_id += 1
            entity_id = str(self._next_id)
            now = self.timestamp()
            entity = {**fields, "id": entity_id, "createdOn": now, "updatedOn": now}
            self._by_type[entity_type][entity_id] = entity
            if ref is not None:
                self._refs[(entity_type, scope, ref)] = entity_id
            return entity

    def update(self, entity_type: str, entity_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            entity = self._by_type[entity_type][entity_id]
            entity.update(fields)
            entity["updatedOn"] = self.timestamp()
            return entity

    def get(self, entity_type: str, entity_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self._by_type[entity_type].get(str(entity_id))

    def by_ref(self, entity_type: str, ref: str, *, scope: str = "") -> dict[str, Any] | None:
        with self.lock:
            entity_id = self._refs.get((entity_type, scope, ref))
            return None if entity_id is None else self._by_type[entity_type][entity_id]

    def all(self, entity_type: str) -> list[dict[str, Any]]:
        """Deep copies in creation order, safe to read from another thread."""
        with self.lock:
            entities = sorted(self._by_type[entity_type].values(), key=lambda e: int(e["id"]))
            return copy.deepcopy(entities)

    def live(self, entity_type: str) -> list[dict[str, Any]]:
        """The stored dicts themselves, for resolvers that hold the lock."""
        with self.lock:
            return sorted(self._by_type[entity_type].values(), key=lambda e: int(e["id"]))

    def count(self, entity_type: str) -> int:
        with self.lock:
            return len(self._by_type[entity_type])
