"""commercetools categories as Fluent UPSERT_CATEGORY events, parents before children."""

from __future__ import annotations

from typing import Any

from ctbridge.connectors.fluent.attribute_mapping import localized
from ctbridge.connectors.fluent.catalog_event import Catalogue, catalogue_event

SUMMARY_LIMIT = 255


def category_ref(category: dict[str, Any]) -> str:
    """The category's key; its id when it has none (ct keys are optional)."""
    return str(category.get("key") or category["id"])


def category_event(
    category: dict[str, Any],
    catalogue: Catalogue,
    refs_by_id: dict[str, str],
    *,
    status: str = "ACTIVE",
) -> dict[str, Any]:
    """`refs_by_id` maps category ids to refs, to name the parent."""
    name = localized(category.get("name"), catalogue.locale) or category_ref(category)
    attributes: dict[str, Any] = {
        "ref": category_ref(category),
        "type": "STANDARD",
        "status": status,
        "name": name,
        "summary": (localized(category.get("description"), catalogue.locale) or "")[:SUMMARY_LIMIT],
    }
    parent = category.get("parent")
    if parent:
        attributes["parentCategoryRef"] = refs_by_id.get(parent["id"]) or parent["id"]
    return catalogue_event("UPSERT_CATEGORY", catalogue, attributes)


def parents_first(categories: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Categories in waves by depth (roots first); each wave can be sent concurrently."""
    waves: dict[int, list[dict[str, Any]]] = {}
    for category in categories:
        waves.setdefault(len(category.get("ancestors") or []), []).append(category)
    return [waves[depth] for depth in sorted(waves)]
