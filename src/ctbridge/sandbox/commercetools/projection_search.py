"""A subset of Product Projection Search (GET/POST /{projectKey}/product-projections/search): term
filters, paging and price selection with `scopedPrice`; whatever else it is asked is refused.

Sources (commercetools-api-reference, api-specs/api):
- resources/product-projections-search.raml: GET with query parameters, POST with the same
  parameters form-encoded; `filter` and `filter.query` (string[]); the priceSelecting trait.
- types/product/ProductProjectionPagedSearchResponse.raml: limit, count, total, offset, results,
  facets.
- types/product/ProductVariant.raml: `scopedPrice` and `scopedPriceDiscounted` are "only available
  in response to a Product Projection Search request with Product price selection".
- types/common/ScopedPrice.raml: the Price's fields plus `currentValue`, "either the original
  price `value` or `discounted` value".
Not the real search: no full text, facets, sort or fuzzy matching, and only the term filters in
`_FIELDS` (`field:"a"` or `field:"a","b"`). A request using anything else is answered 400 naming
what the sandbox lacks, so a test never passes on a silently ignored parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ctbridge.sandbox.commercetools.errors import invalid_input
from ctbridge.sandbox.commercetools.price_selection import (
    PriceSelector,
    price_selector,
    select_price,
)
from ctbridge.sandbox.commercetools.querying import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET

Projection = dict[str, Any]

_KNOWN = {
    "staged",
    "limit",
    "offset",
    "withTotal",
    "filter",
    "filter.query",
    "markMatchingVariants",
    "priceCurrency",
    "priceCountry",
    "priceChannel",
    "priceCustomerGroup",
    "expand",
}
_TERM = re.compile(r'^(?P<field>[A-Za-z.]+):(?P<values>"[^"]*"(?:\s*,\s*"[^"]*")*)$')


def _variants(projection: Projection) -> list[dict[str, Any]]:
    return [projection["masterVariant"], *projection.get("variants", [])]


_FIELDS: dict[str, Callable[[Projection], Iterable[Any]]] = {
    "id": lambda p: [p["id"]],
    "key": lambda p: [p.get("key")],
    "productType.id": lambda p: [p["productType"]["id"]],
    "categories.id": lambda p: [c["id"] for c in p.get("categories", [])],
    "variants.sku": lambda p: [v.get("sku") for v in _variants(p)],
    "variants.key": lambda p: [v.get("key") for v in _variants(p)],
}


def search(
    projections: Sequence[Projection], params: Mapping[str, Sequence[str]], now: str
) -> dict[str, Any]:
    """The ProductProjectionPagedSearchResponse for `params` over `projections`."""
    unknown = sorted(name for name in params if name not in _KNOWN)
    if unknown:
        raise invalid_input(
            f"The sandbox's product projection search does not implement: {', '.join(unknown)}."
        )
    matchers = [_term(text) for name in ("filter", "filter.query") for text in params.get(name, [])]
    limit = _bounded(params, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    offset = _bounded(params, "offset", 0, MAX_OFFSET)
    selector = price_selector(params)
    found = [p for p in projections if all(match(p) for match in matchers)]
    page = [_scoped(p, selector, now) for p in found[offset : offset + limit]]
    return {
        "limit": limit,
        "offset": offset,
        "count": len(page),
        "total": len(found),
        "results": page,
        "facets": {},
    }


def _term(text: str) -> Callable[[Projection], bool]:
    match = _TERM.match(text.strip())
    if match is None or match["field"] not in _FIELDS:
        raise invalid_input(
            f"The sandbox's product projection search does not implement the filter {text!r}; "
            f"it knows term filters on {', '.join(sorted(_FIELDS))}."
        )
    wanted = set(re.findall(r'"([^"]*)"', match["values"]))
    values = _FIELDS[match["field"]]
    return lambda projection: any(value in wanted for value in values(projection))


def _bounded(params: Mapping[str, Sequence[str]], name: str, default: int, maximum: int) -> int:
    values = params.get(name)
    try:
        value = int(values[-1]) if values else default
    except ValueError:
        raise invalid_input(f"Malformed parameter: {name}: {values[-1]!r}") from None
    if not 0 <= value <= maximum:
        raise invalid_input(f"The {name} must be between 0 and {maximum} (was {value}).")
    return value


def _scoped(projection: Projection, selector: PriceSelector | None, now: str) -> Projection:
    if selector is None:
        return projection

    def variant(v: dict[str, Any]) -> dict[str, Any]:
        chosen = select_price(v.get("prices") or [], selector, now)
        if chosen is None:
            return v
        discounted = chosen.get("discounted")
        current = discounted["value"] if discounted else chosen["value"]
        return {
            **v,
            "price": chosen,
            "scopedPrice": {**chosen, "currentValue": current},
            "scopedPriceDiscounted": bool(discounted),
        }

    return {
        **projection,
        "masterVariant": variant(projection["masterVariant"]),
        "variants": [variant(v) for v in projection.get("variants", [])],
    }
