"""Customer groups and CustomerDrafts with addresses in the catalog's markets."""

from __future__ import annotations

import random

from ctbridge.sandbox.catalog.identifiers import customer_key
from ctbridge.sandbox.catalog.markets import Market
from ctbridge.sandbox.catalog.prices import CUSTOMER_GROUPS
from ctbridge.sandbox.catalog.references import key_ref
from ctbridge.sandbox.catalog.spec import CatalogSpec
from ctbridge.sandbox.catalog.vocabulary import CITIES, FIRST_NAMES, LAST_NAMES, STREETS, slugify


def customer_group_drafts() -> tuple[dict, ...]:
    return tuple({"key": key, "groupName": name} for key, name in CUSTOMER_GROUPS)


def address(
    rng: random.Random, market: Market, first: str, last: str, email: str, key: str
) -> dict:
    """A BaseAddress in `market`'s country."""
    return {
        "key": key,
        "firstName": first,
        "lastName": last,
        "streetName": rng.choice(STREETS),
        "streetNumber": str(rng.randint(1, 220)),
        "postalCode": f"{rng.randint(1000, 99999):05d}",
        "city": rng.choice(CITIES[market.country]),
        "country": market.country,
        "email": email,
        "phone": f"+{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}",
    }


def person(rng: random.Random, tag: str) -> tuple[str, str, str]:
    """First name, last name and a unique e-mail address (the tag keeps it unique)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return first, last, f"{slugify(first)}.{slugify(last)}.{tag}@example.com"


def customer_market(spec: CatalogSpec, index: int) -> Market:
    return spec.markets[spec.rng("customer-market", index).randrange(len(spec.markets))]


def customer_draft(spec: CatalogSpec, index: int) -> dict:
    """The CustomerDraft of customer `index`; its first address is the default for both uses."""
    rng = spec.rng("customer", index)
    market = customer_market(spec, index)
    key = customer_key(index)
    first, last, email = person(rng, key.lower())
    addresses = [address(rng, market, first, last, email, "home")]
    if rng.random() < 0.3:
        addresses.append(address(rng, market, first, last, email, "office"))
    draft: dict = {
        "key": key,
        "customerNumber": key,
        "email": email,
        "password": f"sandbox-{key}",
        "firstName": first,
        "lastName": last,
        "locale": market.locale,
        "addresses": addresses,
        "defaultShippingAddress": 0,
        "defaultBillingAddress": len(addresses) - 1,
        "isEmailVerified": rng.random() < 0.8,
    }
    if rng.random() < 0.3:
        group_key, _ = CUSTOMER_GROUPS[rng.randrange(len(CUSTOMER_GROUPS))]
        draft["customerGroup"] = key_ref("customer-group", group_key)
    return draft


def customer_drafts(spec: CatalogSpec) -> tuple[dict, ...]:
    return tuple(customer_draft(spec, index) for index in range(spec.customers))
