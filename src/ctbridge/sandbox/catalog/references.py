"""Drafts point at each other by key; a loader swaps those keys for the ids the project assigned."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

ResourceIds = Mapping[tuple[str, str], str]  # (typeId, key) -> id


class UnresolvedReference(LookupError):
    """A draft refers by key to a resource that was not created (yet)."""


def key_ref(type_id: str, key: str) -> dict:
    """A ResourceIdentifier by key, e.g. `{"typeId": "channel", "key": "wh-berlin"}`."""
    return {"typeId": type_id, "key": key}


def is_key_ref(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.keys() == {"typeId", "key"}
        and isinstance(value["typeId"], str)
        and isinstance(value["key"], str)
    )


def resolve_references(draft: Any, ids: ResourceIds, *, keep_unknown: Collection[str] = ()) -> Any:
    """A copy of `draft` in which every key reference is an id reference `{"typeId", "id"}`.

    Id references are what the API takes everywhere, including reference-typed attribute values,
    which it does not accept by key. Raises UnresolvedReference for a key it does not know, unless
    its typeId is in `keep_unknown`: those stay by key (valid for ResourceIdentifiers).
    """
    if is_key_ref(draft):
        found = ids.get((draft["typeId"], draft["key"]))
        if found is not None:
            return {"typeId": draft["typeId"], "id": found}
        if draft["typeId"] in keep_unknown:
            return dict(draft)
        raise UnresolvedReference(f"{draft['typeId']} with key {draft['key']!r} was not created")
    if isinstance(draft, dict):
        return {
            name: resolve_references(v, ids, keep_unknown=keep_unknown) for name, v in draft.items()
        }
    if isinstance(draft, list):
        return [resolve_references(v, ids, keep_unknown=keep_unknown) for v in draft]
    return draft
