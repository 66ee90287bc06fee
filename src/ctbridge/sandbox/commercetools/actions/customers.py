"""Customers: drafts with unique email, key and customer number; `CustomerCreated` messages."""

from __future__ import annotations

import hashlib
from typing import Any

from ctbridge.sandbox.commercetools.actions.custom import CUSTOM_ACTIONS, custom_from_draft
from ctbridge.sandbox.commercetools.documents import clone
from ctbridge.sandbox.commercetools.errors import duplicate_field
from ctbridge.sandbox.commercetools.kinds import Mutation, Resource, ResourceKind, required

TYPE_ID = "customer"
_UNIQUE = ("email", "key", "customerNumber")


def _identifiers(customer: Resource) -> dict[str, Any]:
    return {
        name: customer[name]
        for name in ("key", "customerNumber", "externalId")
        if customer.get(name)
    }


def _check_unique(m: Mutation, name: str, value: Any) -> None:
    if value is None:
        return
    for other in m.store.all(TYPE_ID):
        if other["id"] != m.resource["id"] and _normal(name, other.get(name)) == _normal(
            name, value
        ):
            raise duplicate_field(name, value)


def _normal(name: str, value: Any) -> Any:
    return value.lower() if name == "email" and isinstance(value, str) else value


def _create(m: Mutation, draft: dict[str, Any]) -> None:
    customer = m.resource
    customer["email"] = required(draft, "email")
    for name in _UNIQUE:
        _check_unique(m, name, draft.get(name))
    for name in (
        "key",
        "customerNumber",
        "externalId",
        "firstName",
        "lastName",
        "middleName",
        "title",
        "salutation",
        "dateOfBirth",
        "companyName",
        "vatId",
        "locale",
        "customerGroup",
    ):
        if draft.get(name) is not None:
            customer[name] = draft[name]
    if draft.get("password"):
        digest = hashlib.sha256(draft["password"].encode()).hexdigest()
        customer["password"] = f"****{digest[:8]}"
    addresses = []
    for address in draft.get("addresses") or []:
        addresses.append({"id": address.get("id") or m.new_id()[:8], **address})
    customer.update(
        {
            "addresses": addresses,
            "shippingAddressIds": [],
            "billingAddressIds": [],
            "isEmailVerified": bool(draft.get("isEmailVerified")),
            "stores": list(draft.get("stores") or []),
            "authenticationMode": draft.get("authenticationMode", "Password"),
        }
    )
    if draft.get("custom"):
        customer["custom"] = custom_from_draft(m, draft["custom"])
    m.emit("CustomerCreated", customer=clone(customer))


def _set(name: str, *, unique: bool = False) -> Any:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        value = action.get(name)
        if unique:
            _check_unique(m, name, value)
        if value is None:
            m.resource.pop(name, None)
        else:
            m.resource[name] = value

    return handler


def _change_email(m: Mutation, action: dict[str, Any]) -> None:
    email = required(action, "email")
    _check_unique(m, "email", email)
    m.resource["email"] = email
    m.emit("CustomerEmailChanged", email=email)


def _add_address(m: Mutation, action: dict[str, Any]) -> None:
    address = required(action, "address")
    m.resource["addresses"].append({"id": address.get("id") or m.new_id()[:8], **address})


def _on_delete(m: Mutation) -> None:
    m.emit("CustomerDeleted")


KIND = ResourceKind(
    url="customers",
    type_id=TYPE_ID,
    create=_create,
    identifiers=_identifiers,
    creation_response=lambda customer: {"customer": customer},
    on_delete=_on_delete,
    actions={
        "changeEmail": _change_email,
        "setFirstName": _set("firstName"),
        "setLastName": _set("lastName"),
        "setKey": _set("key", unique=True),
        "setCustomerNumber": _set("customerNumber", unique=True),
        "setExternalId": _set("externalId"),
        "setCompanyName": _set("companyName"),
        "setLocale": _set("locale"),
        "addAddress": _add_address,
        **CUSTOM_ACTIONS,
    },
)
