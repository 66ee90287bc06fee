"""A category tree: a few roots, the rest children of earlier categories, parents always first."""

from __future__ import annotations

from ctbridge.sandbox.catalog.identifiers import category_key
from ctbridge.sandbox.catalog.references import key_ref
from ctbridge.sandbox.catalog.spec import CatalogSpec
from ctbridge.sandbox.catalog.vocabulary import CATEGORY_NAMES, slugify

_ROOTS = 3


def category_draft(spec: CatalogSpec, index: int) -> dict:
    rng = spec.rng("category", index)
    en, de = CATEGORY_NAMES[index % len(CATEGORY_NAMES)]
    draft: dict = {
        "key": category_key(index),
        "name": {"en": en, "de": de},
        # Names repeat once the word list is used up; the index keeps slugs unique per locale.
        "slug": {"en": f"{slugify(en)}-{index + 1}", "de": f"{slugify(de)}-{index + 1}"},
        "description": {"en": f"Everything in {en}", "de": f"Alles in {de}"},
        "orderHint": f"0.{index + 1:04d}",
    }
    if index >= _ROOTS:
        draft["parent"] = key_ref("category", category_key(rng.randrange(index)))
    return draft


def category_drafts(spec: CatalogSpec) -> tuple[dict, ...]:
    return tuple(category_draft(spec, index) for index in range(spec.categories))
