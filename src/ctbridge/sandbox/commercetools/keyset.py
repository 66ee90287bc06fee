"""Keyset paging: the stretch of an id-ordered table that a query's top-level `id` bounds allow."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from ctbridge.sandbox.commercetools.predicates import (
    Comparison,
    Membership,
    Predicate,
    conjuncts,
    is_plain_text,
)

ID_PATH = ("id",)


def _resource_id(resource: dict[str, Any]) -> str:
    return resource["id"]  # type: ignore[no-any-return]


def id_range(predicates: Sequence[Predicate], by_id: Sequence[dict[str, Any]]) -> range:
    """Indexes into `by_id` (sorted by id) outside of which no resource can match `predicates`.

    Only `id <op> "text"` comparisons ANDed at the top level narrow the range; everything else
    (or, not, nested paths, dates, numbers) leaves it whole, so the range is always a superset of
    the matches and the predicates still have to be checked on what lies inside it.
    """
    low, high = 0, len(by_id)
    for predicate in predicates:
        for part in conjuncts(predicate):
            if not isinstance(part, Comparison) or part.path != ID_PATH:
                continue
            if not is_plain_text(part.operand):
                continue
            bound, op = part.operand, part.op
            if op in (">", ">=", "="):
                find = bisect.bisect_right if op == ">" else bisect.bisect_left
                low = max(low, find(by_id, bound, key=_resource_id))
            if op in ("<", "<=", "="):
                find = bisect.bisect_left if op == "<" else bisect.bisect_right
                high = min(high, find(by_id, bound, key=_resource_id))
    return range(low, max(low, high))


def named_ids(predicates: Sequence[Predicate]) -> frozenset[str] | None:
    """The only ids a resource matching `predicates` can have, when top-level ANDed
    `id = "text"` or `id in ("text", ...)` name them; None when nothing does."""
    named: frozenset[str] | None = None
    for predicate in predicates:
        for part in conjuncts(predicate):
            if isinstance(part, Comparison) and part.path == ID_PATH and part.op == "=":
                values: tuple[Any, ...] = (part.operand,)
            elif isinstance(part, Membership) and part.path == ID_PATH:
                values = part.values
            else:
                continue
            if not all(is_plain_text(value) for value in values):
                continue
            ids = frozenset(values)
            named = ids if named is None else named & ids
    return named
