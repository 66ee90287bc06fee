"""Create, read, update (by actions), delete and query any registered resource kind, atomically."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ctbridge.sandbox.commercetools.documents import clone
from ctbridge.sandbox.commercetools.errors import (
    concurrent_modification,
    invalid_input,
    invalid_json,
    not_found,
)
from ctbridge.sandbox.commercetools.expansion import check_paths, expand
from ctbridge.sandbox.commercetools.kinds import Mutation, Resource, ResourceKind, same_views
from ctbridge.sandbox.commercetools.listing import Listing
from ctbridge.sandbox.commercetools.messages import change_notification, record_messages
from ctbridge.sandbox.commercetools.querying import parse_query, run_query, sorted_by_id_only
from ctbridge.sandbox.commercetools.store import ResourceStore

MAX_ACTIONS = 500


class Repository:
    """The operations behind both the HTTP routes and the emulator's direct seeding methods."""

    def __init__(self, store: ResourceStore, kinds: Mapping[str, ResourceKind]) -> None:
        self.store = store
        self.kinds = kinds
        for kind in kinds.values():
            for field in kind.lookups.values():
                store.define_index(kind.type_id, field, _field_values(field))
            for name, extractor in kind.indexes.items():
                store.define_index(kind.type_id, name, extractor)

    def kind(self, url: str) -> ResourceKind:
        kind = self.kinds.get(url)
        if kind is None:
            raise not_found("endpoint", url)
        return kind

    def find(self, url: str, identifier: str) -> Resource:
        """`identifier` is an id or `<lookup>=<value>` such as `key=abc` or `order-number=1`."""
        kind = self.kind(url)
        with self.store.lock:
            prefix, sep, value = identifier.partition("=")
            if sep and prefix in kind.lookups:
                found = self.store.find(kind.type_id, kind.lookups[prefix], value)
            else:
                found = self.store.get(kind.type_id, identifier)
            if found is None:
                raise not_found(kind.type_id, identifier)
            return found

    def get(self, url: str, identifier: str) -> Resource:
        kind = self.kind(url)
        with self.store.lock:
            return kind.views(self.store, [self.find(url, identifier)])[0]

    def query(self, url: str, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        kind = self.kind(url)
        query = parse_query(params)
        with self.store.lock:
            if kind.views is same_views and sorted_by_id_only(query.sort):
                # A keyset page is read from the live id order under the lock: copying the
                # whole table for each page would make a bulk read quadratic.
                return run_query(query, Listing((), self.store.in_id_order(kind.type_id)))
            resources = kind.views(self.store, self.store.all(kind.type_id))
        return run_query(query, resources)

    def resolve(self, type_id: str, resource_id: str) -> Resource | None:
        """The resource a reference names, as its endpoint would show it (None when gone)."""
        with self.store.lock:
            found = self.store.get(type_id, resource_id)
            if found is None:
                return None
            kind = next((k for k in self.kinds.values() if k.type_id == type_id), None)
            return kind.views(self.store, [found])[0] if kind is not None else found

    def expanded(self, document: Resource, paths: Sequence[str]) -> Resource:
        """`document` with the references named by `expand` paths embedded (see expansion.py)."""
        return expand(document, paths, self.resolve)

    def expanded_page(self, page: dict[str, Any], paths: Sequence[str]) -> dict[str, Any]:
        if not paths:
            return page
        check_paths(paths)
        return {**page, "results": [self.expanded(r, paths) for r in page["results"]]}

    def create(self, url: str, draft: Any) -> Resource:
        kind = self.kind(url)
        if kind.create is None:
            raise invalid_input(f"Resources of type '{kind.type_id}' cannot be created.")
        if not isinstance(draft, dict):
            raise invalid_json("Request body does not contain a valid JSON object.")
        with self.store.lock:
            now = self.store.now()
            resource: Resource = {
                "id": self.store.new_id(),
                "version": 1,
                "createdAt": now,
                "lastModifiedAt": now,
            }
            mutation = Mutation(self.store, kind, resource)
            kind.create(mutation, clone(draft))
            self._commit(mutation, "ResourceCreated")
            return kind.views(self.store, [mutation.resource])[0]

    def update(
        self, url: str, identifier: str, version: Any, actions: Any, *, check_version: bool = True
    ) -> Resource:
        kind = self.kind(url)
        if not isinstance(actions, list):
            raise invalid_json("actions: Missing required value")
        if len(actions) > MAX_ACTIONS:
            raise invalid_input(f"Too many update actions: at most {MAX_ACTIONS} are allowed.")
        with self.store.lock:
            current = self.find(url, identifier)
            if check_version:
                self._check_version(current, version)
            mutation = Mutation(self.store, kind, clone(current))
            for action in actions:
                name = action.get("action") if isinstance(action, dict) else None
                handler = kind.actions.get(name) if isinstance(name, str) else None
                if handler is None:
                    raise invalid_input(f"Invalid action '{name}' for resource '{kind.type_id}'.")
                mutation.resource["version"] += 1
                handler(mutation, action)
            if actions:
                mutation.resource["lastModifiedAt"] = self.store.now()
                self._commit(mutation, "ResourceUpdated", old_version=current["version"])
            return kind.views(self.store, [mutation.resource])[0]

    def delete(self, url: str, identifier: str, version: Any) -> Resource:
        kind = self.kind(url)
        if not kind.deletable:
            raise invalid_input(f"Resources of type '{kind.type_id}' cannot be deleted.")
        with self.store.lock:
            current = self.find(url, identifier)
            self._check_version(current, version)
            removed = kind.views(self.store, [current])[0]
            mutation = Mutation(self.store, kind, clone(current))
            mutation.resource["version"] += 1
            if kind.on_delete is not None:
                kind.on_delete(mutation)
            self.store.remove(kind.type_id, current["id"])
            for effect in mutation.after_commit:
                effect()
            self._announce(mutation, "ResourceDeleted")
            return removed

    def _check_version(self, current: Resource, version: Any) -> None:
        if isinstance(version, str) and version.isdigit():
            version = int(version)
        if not isinstance(version, int) or isinstance(version, bool):
            raise invalid_json("version: Missing required value")
        if version != current["version"]:
            raise concurrent_modification(current["id"], version, current["version"])

    def _commit(
        self, mutation: Mutation, notification: str, old_version: int | None = None
    ) -> None:
        self.store.put(mutation.kind.type_id, mutation.resource)
        for effect in mutation.after_commit:
            effect()
        self._announce(mutation, notification, old_version)

    def _announce(
        self, mutation: Mutation, notification: str, old_version: int | None = None
    ) -> None:
        kind = mutation.kind
        record_messages(self.store, kind.type_id, mutation.resource["id"], mutation.messages)
        payload = change_notification(
            self.store,
            notification,
            kind.type_id,
            mutation.resource,
            kind.identifiers(mutation.resource),
            old_version,
        )
        self.store.notify("change", payload)


def _field_values(field: str) -> Callable[[Resource], list[Any]]:
    return lambda resource: [resource[field]] if resource.get(field) is not None else []
