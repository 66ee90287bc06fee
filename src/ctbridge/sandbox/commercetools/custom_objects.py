"""Custom objects: JSON values addressed by container and key, upserted with optional versions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ctbridge.sandbox.commercetools.errors import (
    concurrent_modification,
    invalid_json,
    missing_field,
    not_found,
)
from ctbridge.sandbox.commercetools.querying import parse_query, run_query
from ctbridge.sandbox.commercetools.store import ResourceStore

TYPE_ID = "key-value-document"


class CustomObjects:
    def __init__(self, store: ResourceStore) -> None:
        self.store = store

    def _find(self, container: str, key: str) -> dict[str, Any] | None:
        for document in self.store.table(TYPE_ID).values():
            if document["container"] == container and document["key"] == key:
                return document
        return None

    def upsert(self, draft: Any) -> tuple[dict[str, Any], bool]:
        """Create or replace the value; returns the object and whether it was created."""
        if not isinstance(draft, dict):
            raise invalid_json("Request body does not contain a valid JSON object.")
        for name in ("container", "key"):
            if not draft.get(name):
                raise missing_field(name)
        if "value" not in draft:
            raise missing_field("value")
        with self.store.lock:
            existing = self._find(draft["container"], draft["key"])
            expected = draft.get("version")
            if expected is not None and (existing is None or existing["version"] != expected):
                current = existing["version"] if existing else 0
                identifier = existing["id"] if existing else f"{draft['container']}/{draft['key']}"
                raise concurrent_modification(identifier, expected, current)
            now = self.store.now()
            if existing is None:
                document = {
                    "id": self.store.new_id(),
                    "version": 1,
                    "createdAt": now,
                    "lastModifiedAt": now,
                    "container": draft["container"],
                    "key": draft["key"],
                    "value": draft["value"],
                }
            else:
                document = {
                    **existing,
                    "version": existing["version"] + 1,
                    "lastModifiedAt": now,
                    "value": draft["value"],
                }
            self.store.put(TYPE_ID, document)
            return document, existing is None

    def get(self, container: str, key: str) -> dict[str, Any]:
        with self.store.lock:
            document = self._find(container, key)
        if document is None:
            raise not_found(TYPE_ID, f"{container}/{key}")
        return document

    def get_by_id(self, document_id: str) -> dict[str, Any]:
        document = self.store.get(TYPE_ID, document_id)
        if document is None:
            raise not_found(TYPE_ID, document_id)
        return document

    def delete(self, container: str, key: str, version: str | None) -> dict[str, Any]:
        with self.store.lock:
            document = self.get(container, key)
            if version is not None:
                if not version.isdigit():
                    raise invalid_json("version: Missing required value")
                if int(version) != document["version"]:
                    raise concurrent_modification(document["id"], int(version), document["version"])
            self.store.remove(TYPE_ID, document["id"])
            return document

    def query(
        self, params: Mapping[str, Sequence[str]], container: str | None = None
    ) -> dict[str, Any]:
        query = parse_query(params)
        documents = self.store.all(TYPE_ID)
        if container is not None:
            documents = [d for d in documents if d["container"] == container]
        return run_query(query, documents)
