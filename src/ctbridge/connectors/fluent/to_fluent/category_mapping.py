"""commercetools categories as Fluent UPSERT_CATEGORY events, parents before children."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ctbridge.connectors.fluent.to_fluent.attribute_mapping import localized
from ctbridge.connectors.fluent.to_fluent.catalog_event import Catalogue, catalogue_event

# Product Catalog Workflow Interface Contracts, UPSERT_CATEGORY (docs.fluentcommerce.com/
# building-blocks/product-catalogue-workflow-interface-contracts): `ref` is "Uppercase
# Alphanumeric", at most 100 characters; the page's own example ref is `GAMING_CHAIR`, so `_`
# is allowed too. `name` ≤ 100, `summary` ≤ 255, `parentCategory` (not `parentCategoryRef`).
REF_LIMIT = 100
NAME_LIMIT = 100
SUMMARY_LIMIT = 255
VALID_REF = re.compile(r"^[A-Z0-9_]{1,100}$")
HASH_LENGTH = 8


def fluent_category_ref(text: str) -> str:
    """A ref that satisfies the contract, the same for the same key on every run.

    A key that already conforms is kept. Any other key (ct keys may hold lower case and `-`;
    ids are lower-case UUIDs) is upper-cased, every other character becomes `_`, and `_` plus
    the first 8 hex digits of the key's SHA-256 is appended, so `men-shoes`, `men_shoes` and
    `MEN_SHOES` stay three categories. The result is cut to fit 100 characters.
    """
    if VALID_REF.match(text):
        return text
    base = re.sub(r"[^A-Z0-9_]", "_", text.upper())
    digest = hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH].upper()
    return f"{base[: REF_LIMIT - HASH_LENGTH - 1]}_{digest}"


def category_ref(category: dict[str, Any]) -> str:
    """The Fluent ref of a ct category: its key, else its id (ct keys are optional), mapped."""
    return fluent_category_ref(str(category.get("key") or category["id"]))


def category_event(
    category: dict[str, Any],
    catalogue: Catalogue,
    refs_by_id: dict[str, str],
    *,
    status: str = "ACTIVE",
) -> dict[str, Any]:
    """`refs_by_id` maps category ids to refs, to name the parent.

    The tree is sent child → parent (`parentCategory` on each child, parents sent first);
    the contract's other form, `childCategories` on the parent, is typed String ≤ 255 with no
    word on how several children are separated, so ctbridge does not send it.
    """
    name = localized(category.get("name"), catalogue.locale) or category_ref(category)
    attributes: dict[str, Any] = {
        "ref": category_ref(category),
        "type": "STANDARD",
        "status": status,
        "name": name[:NAME_LIMIT],
        "summary": (localized(category.get("description"), catalogue.locale) or "")[:SUMMARY_LIMIT],
    }
    parent = category.get("parent")
    if parent:
        attributes["parentCategory"] = refs_by_id.get(parent["id"]) or fluent_category_ref(
            parent["id"]
        )
    return catalogue_event("UPSERT_CATEGORY", catalogue, attributes)


def parents_first(categories: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Categories in waves by depth (roots first); each wave can be sent concurrently."""
    waves: dict[int, list[dict[str, Any]]] = {}
    for category in categories:
        waves.setdefault(len(category.get("ancestors") or []), []).append(category)
    return [waves[depth] for depth in sorted(waves)]
