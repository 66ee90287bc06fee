"""In-memory state of one emulated project: tables per type, ids, clock, message sequences, listeners.

Stored resource dicts are never changed in place: a change replaces the dict (copy on write), so a
reader may serialise what it fetched after releasing the lock. Each table is also kept in id order
(for keyset paging) and counts its changes (its generation), so values derived from tables can be
reused until one of them changes.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from ctbridge.sandbox.commercetools.id_order import IdOrder
from ctbridge.sandbox.commercetools.listing import Listing

Derived = TypeVar("Derived")
Listener = Callable[[str, dict[str, Any]], None]
Extractor = Callable[[dict[str, Any]], Iterable[Any]]


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ResourceStore:
    """Tables keyed by commercetools `typeId`, guarded by one re-entrant lock."""

    def __init__(
        self,
        project_key: str,
        *,
        id_seed: int | None = None,
        clock: Callable[[], str] = iso_now,
    ) -> None:
        self.lock = threading.RLock()
        self.project_key = project_key
        self.reserved: dict[str, int] = {}
        self._tables: dict[str, dict[str, dict[str, Any]]] = {}
        self._id_order: dict[str, IdOrder] = {}
        self._generations: dict[str, int] = {}
        self._derived: dict[Hashable, tuple[tuple[int, ...], Any]] = {}
        self._sequences: dict[str, int] = {}
        self._listeners: list[Listener] = []
        self._indexes: dict[tuple[str, str], tuple[Extractor, dict[Any, dict[str, None]]]] = {}
        self._random = random.Random(id_seed) if id_seed is not None else None
        self._clock = clock

    def new_id(self) -> str:
        if self._random is None:
            return str(uuid.uuid4())
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def now(self) -> str:
        return self._clock()

    def table(self, type_id: str) -> dict[str, dict[str, Any]]:
        return self._tables.setdefault(type_id, {})

    def get(self, type_id: str, resource_id: str) -> dict[str, Any] | None:
        return self.table(type_id).get(resource_id)

    def all(self, type_id: str) -> Listing:
        """Every resource of `type_id` in creation order (with the same in id order as `by_id`)."""
        with self.lock:
            table = self.table(type_id)
            return Listing(table.values(), list(self._ordered(type_id).rows(table)))

    def in_id_order(self, type_id: str) -> list[dict[str, Any]]:
        """Every resource of `type_id` sorted by id: the live list, to read under the lock."""
        with self.lock:
            return self._ordered(type_id).rows(self.table(type_id))

    def generation(self, type_id: str) -> int:
        """How many changes `type_id` has seen; equal generations mean an unchanged table."""
        with self.lock:
            return self._generations.get(type_id, 0)

    def derived(
        self, name: Hashable, depends_on: tuple[str, ...], build: Callable[[], Derived]
    ) -> Derived:
        """`build()`, reused until a table in `depends_on` changes. Callers must not mutate it."""
        with self.lock:
            stamp = tuple(self._generations.get(type_id, 0) for type_id in depends_on)
            cached = self._derived.get(name)
            if cached is not None and cached[0] == stamp:
                return cached[1]  # type: ignore[no-any-return]
            value = build()
            self._derived[name] = (stamp, value)
            return value

    def _ordered(self, type_id: str) -> IdOrder:
        order = self._id_order.get(type_id)
        if order is None:
            order = self._id_order[type_id] = IdOrder()
        return order

    def define_index(self, type_id: str, name: str, extractor: Extractor) -> None:
        """Keep the ids of `type_id` resources by each value `extractor` yields for them."""
        with self.lock:
            entries: dict[Any, dict[str, None]] = {}
            self._indexes[(type_id, name)] = (extractor, entries)
            for resource in self.table(type_id).values():
                for value in extractor(resource):
                    entries.setdefault(value, {})[resource["id"]] = None

    def lookup(self, type_id: str, name: str, value: Any) -> list[dict[str, Any]]:
        """Resources whose index `name` holds `value`, in insertion order."""
        with self.lock:
            ids = self._indexes[(type_id, name)][1].get(value, {})
            table = self.table(type_id)
            return [table[resource_id] for resource_id in ids]

    def find(self, type_id: str, field: str, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        with self.lock:
            if (type_id, field) in self._indexes:
                found = self.lookup(type_id, field, value)
                return found[0] if found else None
            for resource in self.table(type_id).values():
                if resource.get(field) == value:
                    return resource
            return None

    def put(self, type_id: str, resource: dict[str, Any]) -> None:
        with self.lock:
            table = self.table(type_id)
            previous = table.get(resource["id"])
            self._unindex(type_id, previous)
            table[resource["id"]] = resource
            if previous is None:
                self._ordered(type_id).add(resource)
            else:
                self._ordered(type_id).replace(resource)
            self._generations[type_id] = self._generations.get(type_id, 0) + 1
            for (indexed_type, _), (extractor, entries) in self._indexes.items():
                if indexed_type == type_id:
                    for value in extractor(resource):
                        entries.setdefault(value, {})[resource["id"]] = None

    def remove(self, type_id: str, resource_id: str) -> None:
        with self.lock:
            removed = self.table(type_id).pop(resource_id, None)
            if removed is None:
                return
            self._unindex(type_id, removed)
            self._ordered(type_id).remove(resource_id)
            self._generations[type_id] = self._generations.get(type_id, 0) + 1

    def _unindex(self, type_id: str, resource: dict[str, Any] | None) -> None:
        if resource is None:
            return
        for (indexed_type, _), (extractor, entries) in self._indexes.items():
            if indexed_type == type_id:
                for value in extractor(resource):
                    ids = entries.get(value)
                    if ids is not None:
                        ids.pop(resource["id"], None)
                        if not ids:
                            del entries[value]

    def next_sequence(self, resource_id: str) -> int:
        with self.lock:
            number = self._sequences.get(resource_id, 0) + 1
            self._sequences[resource_id] = number
            return number

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {type_id: len(rows) for type_id, rows in self._tables.items()}

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def notify(self, kind: str, payload: dict[str, Any]) -> None:
        """Tell listeners (subscription delivery) about a new message or resource change."""
        for listener in self._listeners:
            listener(kind, payload)
