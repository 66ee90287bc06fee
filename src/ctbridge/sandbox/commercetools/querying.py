"""Query parameters of commercetools list endpoints: where, sort, limit, offset, withTotal → a page."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ctbridge.sandbox.commercetools.errors import invalid_input
from ctbridge.sandbox.commercetools.predicates import Predicate, PredicateError, parse

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
    """Filter, sort and slice `resources` into a PagedQueryResponse."""
    selected = [r for r in resources if all(predicate(r) for predicate in query.predicates)]
    if query.sort:
        selected.sort(key=functools.cmp_to_key(lambda a, b: _compare(a, b, query.sort)))
    page = selected[query.offset : query.offset + query.limit]
    response: dict[str, Any] = {
        "limit": query.limit,
        "offset": query.offset,
        "count": len(page),
    }
    if query.with_total:
        response["total"] = len(selected)
    response["results"] = page
    return response


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
