"""commercetools customers (or a guest order's addresses) as Fluent customer inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ctbridge.connectors.fluent.to_fluent.address_mapping import phone

LIMITS = {
    "username": 250,
    "primaryEmail": 250,
    "title": 50,
    "firstName": 50,
    "lastName": 50,
    "country": 100,
    "primaryPhone": 20,
}


def username(email: str) -> str:
    """A Fluent customer's ref is its username: the email, as commercetools keeps it."""
    return email.strip()


def default_address(customer: dict[str, Any]) -> dict[str, Any] | None:
    """The default shipping address, else the default billing address, else the first one."""
    addresses = customer.get("addresses") or []
    for wanted in (
        customer.get("defaultShippingAddressId"),
        customer.get("defaultBillingAddressId"),
    ):
        for address in addresses:
            if wanted and address.get("id") == wanted:
                return address
    return addresses[0] if addresses else None


def customer_fields(
    email: str,
    customer: dict[str, Any] | None,
    fallback_addresses: Sequence[dict[str, Any] | None] = (),
) -> dict[str, Any]:
    """Names, title, phone and country from the customer, else from the first address that
    has them (a guest order's billing then shipping address)."""
    address = default_address(customer) if customer else None
    sources = [a for a in [address, *fallback_addresses] if a]
    person = customer or {}

    def first(field: str) -> Any:
        if person.get(field):
            return person[field]
        return next((a[field] for a in sources if a.get(field)), None)

    fields = {
        "username": username(email),
        "primaryEmail": email.strip(),
        "title": first("title"),
        "firstName": first("firstName"),
        "lastName": first("lastName"),
        "department": next((a["department"] for a in sources if a.get("department")), None),
        "country": next((a["country"] for a in sources if a.get("country")), None),
        "primaryPhone": next((phone(a) for a in sources if phone(a)), None),
    }
    if customer and customer.get("id"):
        fields["attributes"] = [
            {"name": "commercetoolsCustomerId", "type": "STRING", "value": customer["id"]}
        ]
    return {
        key: value[: LIMITS[key]] if isinstance(value, str) and key in LIMITS else value
        for key, value in fields.items()
        if value not in (None, "")
    }


def create_customer_input(
    email: str,
    retailer_id: str,
    customer: dict[str, Any] | None = None,
    fallback_addresses: Sequence[dict[str, Any] | None] = (),
) -> dict[str, Any]:
    return {
        **customer_fields(email, customer, fallback_addresses),
        "promotionOptIn": False,
        "retailer": {"id": int(retailer_id)},
    }


def update_customer_input(username_: str, customer: dict[str, Any]) -> dict[str, Any]:
    """`UpdateCustomerInput` keyed by the existing username; the email may have changed."""
    fields = customer_fields(customer.get("email") or username_, customer)
    fields["username"] = username_
    return fields
