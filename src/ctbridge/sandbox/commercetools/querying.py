"""Query parameters of commercetools list endpoints: where, sort, limit, offset, withTotal → a page."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ctbridge.sandbox.commercetools.errors import invalid_input
from ctbridge.sandbox.commercetools.keyset import id_range, named_ids
from ctbridge.sandbox.commercetools.predicates import (
    Predicate,
    PredicateError,
    matches_all,
    parse,
)

MAX_LIMIT = 500
MAX_OFFSET = 10_000
DEFAULT_LIMIT = 20


@dataclass
class Query:
    predicates: list[Predicate] = field(default_factory=list)
    sort: list[tuple[list[str], bool]] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    with_total: bool = True


def parse_query(params: Mapping[str, Sequence[str]]) -> Query:
    """Read multi-valued query parameters (as from `request.query_params.multi_items()`)."""
    variables = {name[4:]: values for name, values in params.items() if name.startswith("var.")}
    query = Query()
    for text in params.get("where", []):
        try:
            query.predicates.append(parse(text, variables))
        except PredicateError as error:
            raise invalid_input(f"Malformed parameter: where: {error}") from error
    for text in params.get("sort", []):
        parts = text.split()
        if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1] not in ("asc", "desc")):
            raise invalid_input(f"Malformed parameter: sort: {text!r}")
        query.sort.append((parts[0].split("."), len(parts) == 2 and parts[1] == "desc"))
    query.limit = _integer(params, "limit", DEFAULT_LIMIT)
    query.offset = _integer(params, "offset", 0)
    if not 0 <= query.limit <= MAX_LIMIT:
        raise invalid_input(f"The limit must be between 0 and {MAX_LIMIT} (was {query.limit}).")
    if not 0 <= query.offset <= MAX_OFFSET:
        raise invalid_input(f"The offset must be between 0 and {MAX_OFFSET} (was {query.offset}).")
    with_total = params.get("withTotal", ["true"])[-1].lower()
    query.with_total = with_total != "false"
    return query


def _integer(params: Mapping[str, Sequence[str]], name: str, default: int) -> int:
    values = params.get(name)
    if not values:
        return default
    try:
        return int(values[-1])
    except ValueError as error:
        raise invalid_input(f"Malformed parameter: {name}: {values[-1]!r}") from error


def run_query(query: Query, resources: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Filter, sort and slice `resources` into a PagedQueryResponse.

    Sorted by id alone over a `Listing`, the page is read from its id order starting at the
    query's id bound, and predicates are checked only until the page is full (unless the total
    is asked for). Unsorted, rows are checked in the given order until the page is full.
    Otherwise every row is checked and the matches are sorted.
    """
    by_id = getattr(resources, "by_id", None)
    if sorted_by_id_only(query.sort) and by_id is not None:
        stretch = id_range(query.predicates, by_id)
        descending = query.sort[0][1]
        ordered: Iterable[dict[str, Any]] = (
            by_id[index] for index in (reversed(stretch) if descending else stretch)
        )
        return _page(query, ordered)
    ids = named_ids(query.predicates)
    if ids is not None:
        # Only the named ids can match: the rest are passed over without running predicates.
        resources = [r for r in resources if r.get("id") in ids]
    if not query.sort:
        return _page(query, resources)
    selected = [r for r in resources if matches_all(query.predicates, r)]
    return _page(replace(query, predicates=[]), _sorted(selected, query.sort))


def sorted_by_id_only(sort: list[tuple[list[str], bool]]) -> bool:
    """True when a page is read in id order alone (the keyset paging of bulk reads)."""
    return len(sort) == 1 and sort[0][0] == ["id"]


def _page(query: Query, ordered: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The page of `ordered` rows matching the query; stops early when no total is wanted."""
    wanted = query.offset + query.limit
    page: list[dict[str, Any]] = []
    matched = 0
    if query.with_total or query.limit > 0:
        for resource in ordered:
            if not matches_all(query.predicates, resource):
                continue
            matched += 1
            if query.offset < matched <= wanted:
                page.append(resource)
            if matched >= wanted and not query.with_total:
                break
    response: dict[str, Any] = {
        "limit": query.limit,
        "offset": query.offset,
        "count": len(page),
    }
    if query.with_total:
        response["total"] = matched
    response["results"] = page
    return response


def _sorted(rows: list[dict[str, Any]], sort: list[tuple[list[str], bool]]) -> list[dict[str, Any]]:
    """`rows` stably sorted by the sort terms, with plain keys where the values allow them."""
    terms = []
    for path, descending in sort:
        keys = _term_keys([_sort_value(row, path) for row in rows], descending)
        if keys is None:
            return sorted(rows, key=functools.cmp_to_key(lambda a, b: _compare(a, b, sort)))
        terms.append((keys, descending))
    order = list(range(len(rows)))
    # Stable sorts from the last term to the first give the lexicographic order of all terms.
    for keys, descending in reversed(terms):
        order.sort(key=keys.__getitem__, reverse=descending)
    return [rows[index] for index in order]


def _term_keys(values: list[Any], descending: bool) -> list[tuple[Any, ...]] | None:
    """Sort keys equivalent to `_compare` for one term, or None when only `_compare` will do.

    Missing values sort last in either direction; numbers compare as decimals and text as
    text. Mixed numbers and text (or booleans) keep the comparator's exact behaviour.
    """
    present = [value for value in values if value is not None]
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in present):
        convert: Any = lambda value: Decimal(str(value))  # noqa: E731
    elif all(isinstance(value, str) for value in present):
        convert = str
    else:
        return None
    missing, found = (0, 1) if descending else (1, 0)
    return [(missing,) if value is None else (found, convert(value)) for value in values]


def _compare(a: dict[str, Any], b: dict[str, Any], sort: list[tuple[list[str], bool]]) -> int:
    for path, descending in sort:
        left, right = _sort_value(a, path), _sort_value(b, path)
        if left == right:
            continue
        # Missing values sort last in either direction, like the platform.
        if left is None:
            return 1
        if right is None:
            return -1
        order = -1 if _less(left, right) else 1
        return -order if descending else order
    return 0


def _sort_value(resource: Any, path: list[str]) -> Any:
    current = resource
    for name in path:
        if isinstance(current, list):
            current = current[0] if current else None
        if not isinstance(current, dict):
            return None
        current = current.get(name)
    if isinstance(current, dict | list):
        return None
    return current


def _less(left: Any, right: Any) -> bool:
    if isinstance(left, int | float | Decimal) and isinstance(right, int | float | Decimal):
        return Decimal(str(left)) < Decimal(str(right))
    return str(left) < str(right)
