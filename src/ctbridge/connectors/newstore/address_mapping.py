"""commercetools Address → NewStore address: locale-aware line 1, line 2, state, limits."""

from __future__ import annotations

from typing import Any

# Countries whose addresses put the house number before the street name.
NUMBER_FIRST = frozenset(
    {"US", "CA", "GB", "IE", "AU", "NZ", "FR", "LU", "ZA", "IN", "SG", "MY", "PH", "IL", "TH"}
)

# Fields and lengths of InjectedOrderAddress in NewStore's Order Injection OpenAPI (docs.newstore.net
# api/integration/order-management/order_injection_api, "Download OpenAPI specification"; mirrored
# in api-evangelist/newstore openapi/_original). It has no `province`, which the reference sent.
LIMITS = {
    "address_line_1": 128,
    "address_line_2": 256,
    "city": 64,
    "first_name": 64,
    "last_name": 64,
    "zip_code": 32,
    "state": 32,
    "salutation": 32,
    "title": 32,
    "phone": 128,
}


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def street_line(address: dict[str, Any]) -> str:
    """Street name and number in the order the address's country writes them."""
    name = _clean(address.get("streetName"))
    number = _clean(address.get("streetNumber"))
    country = str(address.get("country") or "").upper()
    parts = [number, name] if country in NUMBER_FIRST else [name, number]
    return " ".join(part for part in parts if part)


def map_address(address: dict[str, Any] | None) -> dict[str, str] | None:
    """The NewStore address, or None when there is no usable street line or country."""
    if not address:
        return None
    extra = [
        _clean(address.get(key))
        for key in ("apartment", "building", "additionalStreetInfo", "additionalAddressInfo")
    ]
    extra = [part for part in extra if part]
    line_1 = street_line(address)
    if not line_1 and extra:
        line_1 = extra.pop(0)
    country = _clean(address.get("country")).upper()
    if not line_1 or len(country) != 2:
        return None
    fields = {
        "country": country,
        "address_line_1": line_1,
        "address_line_2": ", ".join(extra),
        "city": _clean(address.get("city")),
        "zip_code": _clean(address.get("postalCode")),
        "state": _clean(address.get("state") or address.get("region")),
        "first_name": _clean(address.get("firstName")),
        "last_name": _clean(address.get("lastName")),
        "phone": _clean(address.get("phone") or address.get("mobile")),
        "salutation": _clean(address.get("salutation")),
        "title": _clean(address.get("title")),
    }
    return {
        key: value[: LIMITS[key]] if key in LIMITS else value
        for key, value in fields.items()
        if value
    }


def full_name(address: dict[str, Any] | None) -> str:
    if not address:
        return ""
    parts = [_clean(address.get("firstName")), _clean(address.get("lastName"))]
    return " ".join(part for part in parts if part)
