"""commercetools addresses as Fluent address inputs, first and last name kept apart."""

from __future__ import annotations

from typing import Any


def full_name(address: dict[str, Any] | None) -> str | None:
    if not address:
        return None
    parts = [address.get("firstName"), address.get("lastName")]
    name = " ".join(str(part).strip() for part in parts if part and str(part).strip())
    return name or None


def street(address: dict[str, Any]) -> str | None:
    line = " ".join(
        str(address[part]).strip() for part in ("streetName", "streetNumber") if address.get(part)
    )
    extra = [
        str(address[part]).strip()
        for part in ("building", "apartment", "additionalStreetInfo")
        if address.get(part)
    ]
    return ", ".join(part for part in [line, *extra] if part) or None


def address_input(address: dict[str, Any] | None) -> dict[str, Any] | None:
    """`CreateCustomerAddressInput` fields; None values are left out."""
    if not address:
        return None
    fields = {
        "ref": address.get("key") or address.get("id"),
        "name": full_name(address),
        "companyName": address.get("company"),
        "street": street(address),
        "city": address.get("city"),
        "state": address.get("state"),
        "postcode": address.get("postalCode"),
        "region": address.get("region"),
        "country": address.get("country"),
    }
    return {key: value for key, value in fields.items() if value not in (None, "")}


def phone(address: dict[str, Any] | None) -> str | None:
    if not address:
        return None
    return address.get("phone") or address.get("mobile")
