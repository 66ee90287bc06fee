"""Pricing resources: tax categories, customer groups, zones, shipping methods, cart discounts,
product discounts and discount codes (create, get by id/key, query; a few update actions).

Each draft's required fields and unique values follow its RAML type in
commercetools-api-reference (api-specs/api/types/<resource>/<Type>Draft.raml), named per rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ctbridge.sandbox.commercetools.actions.custom import CUSTOM_ACTIONS, custom_from_draft
from ctbridge.sandbox.commercetools.errors import duplicate_field, invalid_field
from ctbridge.sandbox.commercetools.kinds import Mutation, ResourceKind, required, set_field
from ctbridge.sandbox.commercetools.money import typed_money

Create = Callable[[Mutation, dict[str, Any]], None]

# "Decimal value between 0 and 1 (passed as String literal)" (ProductDiscountDraft.sortOrder,
# CartDiscountDraft.sortOrder). The docs say no more; a trailing zero is allowed here.
_SORT_ORDER = re.compile(r"^0\.\d*[1-9]\d*$")
CART_DISCOUNT_VALUES = {"relative", "absolute", "fixed", "giftLineItem"}  # CartDiscountValue*Draft
PRODUCT_DISCOUNT_VALUES = {"relative", "absolute", "external"}  # ProductDiscountValue*Draft


def _unique(m: Mutation, field: str, value: Any) -> None:
    if value is not None and m.store.find(m.kind.type_id, field, value) is not None:
        raise duplicate_field(field, value)


def _copy(m: Mutation, draft: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if draft.get(name) is not None:
            m.resource[name] = draft[name]


def _keyed(m: Mutation, draft: dict[str, Any]) -> None:
    _unique(m, "key", draft.get("key"))
    _copy(m, draft, ("key",))
    if draft.get("custom"):
        m.resource["custom"] = custom_from_draft(m, draft["custom"])


def _sort_order(m: Mutation, value: Any) -> str:
    if not isinstance(value, str) or not _SORT_ORDER.match(value):
        raise invalid_field("sortOrder", value, "sortOrder must be a decimal between 0 and 1.")
    _unique(m, "sortOrder", value)
    return value


def _value(draft: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    value = required(draft, "value")
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in allowed:
        raise invalid_field("value.type", kind, f"value.type must be one of {sorted(allowed)}.")
    if kind == "relative":
        permyriad = value.get("permyriad")
        if not isinstance(permyriad, int) or isinstance(permyriad, bool):
            raise invalid_field("value.permyriad", permyriad, "permyriad must be an integer.")
    if kind in ("absolute", "fixed"):
        monies = value.get("money")
        if not isinstance(monies, list):
            raise invalid_field("value.money", monies, "money must be a list of Money.")
        value = {**value, "money": [typed_money(m, "value.money") for m in monies]}
    return value


def _tax_category(m: Mutation, draft: dict[str, Any]) -> None:
    # TaxCategoryDraft: name required; key, description, rates optional.
    m.resource["name"] = required(draft, "name")
    _keyed(m, draft)
    _copy(m, draft, ("description",))
    m.resource["rates"] = [
        {"id": rate.get("id") or m.new_id(), **rate} for rate in draft.get("rates") or []
    ]


def _customer_group(m: Mutation, draft: dict[str, Any]) -> None:
    # CustomerGroupDraft: groupName required; key, custom optional.
    m.resource["name"] = required(draft, "groupName")
    _keyed(m, draft)


def _zone(m: Mutation, draft: dict[str, Any]) -> None:
    # ZoneDraft: name required; key, description, locations optional.
    m.resource["name"] = required(draft, "name")
    _keyed(m, draft)
    _copy(m, draft, ("description",))
    m.resource["locations"] = list(draft.get("locations") or [])


def _shipping_method(m: Mutation, draft: dict[str, Any]) -> None:
    # ShippingMethodDraft: name, taxCategory, zoneRates and isDefault required; active defaults
    # to true; each ZoneRateDraft names a zone (ZoneResourceIdentifier).
    m.resource["name"] = required(draft, "name")
    _keyed(m, draft)
    m.resource["taxCategory"] = m.reference("tax-category", required(draft, "taxCategory"))
    rates = draft.get("zoneRates")
    if not isinstance(rates, list):
        raise invalid_field("zoneRates", rates, "zoneRates must be a list.")
    m.resource["zoneRates"] = [
        {
            "zone": m.reference("zone", required(rate, "zone")),
            "shippingRates": [
                {**r, "price": typed_money(r.get("price"), "price")}
                for r in rate.get("shippingRates") or []
            ],
        }
        for rate in rates
    ]
    is_default = draft.get("isDefault")
    if not isinstance(is_default, bool):
        raise invalid_field("isDefault", is_default, "isDefault is required (a boolean).")
    m.resource["isDefault"] = is_default
    m.resource["active"] = draft.get("active", True)
    _copy(
        m,
        draft,
        ("localizedName", "description", "localizedDescription", "predicate", "carrier"),
    )


def _cart_discount(m: Mutation, draft: dict[str, Any]) -> None:
    # CartDiscountDraft: name, value, cartPredicate required; sortOrder unique; isActive defaults
    # to true, requiresDiscountCode to false, stackingMode to Stacking.
    m.resource["name"] = required(draft, "name")
    _keyed(m, draft)
    m.resource["value"] = _value(draft, CART_DISCOUNT_VALUES)
    m.resource["cartPredicate"] = required(draft, "cartPredicate")
    if draft.get("sortOrder") is not None:
        m.resource["sortOrder"] = _sort_order(m, draft["sortOrder"])
    m.resource["isActive"] = draft.get("isActive", True)
    m.resource["requiresDiscountCode"] = draft.get("requiresDiscountCode", False)
    m.resource["stackingMode"] = draft.get("stackingMode", "Stacking")
    m.resource["references"] = []
    m.resource["stores"] = list(draft.get("stores") or [])
    _copy(m, draft, ("description", "target", "validFrom", "validUntil"))


def _product_discount(m: Mutation, draft: dict[str, Any]) -> None:
    # ProductDiscountDraft: name, value, predicate, sortOrder and isActive all required.
    m.resource["name"] = required(draft, "name")
    _keyed(m, draft)
    m.resource["value"] = _value(draft, PRODUCT_DISCOUNT_VALUES)
    m.resource["predicate"] = required(draft, "predicate")
    m.resource["sortOrder"] = _sort_order(m, required(draft, "sortOrder"))
    is_active = draft.get("isActive")
    if not isinstance(is_active, bool):
        raise invalid_field("isActive", is_active, "isActive is required (a boolean).")
    m.resource["isActive"] = is_active
    m.resource["references"] = []
    _copy(m, draft, ("description", "validFrom", "validUntil"))


def _discount_code(m: Mutation, draft: dict[str, Any]) -> None:
    # DiscountCodeDraft: code (unique, DuplicateField) and cartDiscounts required; isActive
    # defaults to true.
    code = required(draft, "code")
    _unique(m, "code", code)
    m.resource["code"] = code
    _keyed(m, draft)
    discounts = draft.get("cartDiscounts")
    if not isinstance(discounts, list) or not discounts:
        raise invalid_field("cartDiscounts", discounts, "cartDiscounts must name a CartDiscount.")
    m.resource["cartDiscounts"] = [m.reference("cart-discount", d) for d in discounts]
    m.resource["isActive"] = draft.get("isActive", True)
    m.resource["references"] = []
    m.resource["groups"] = list(draft.get("groups") or [])
    _copy(
        m,
        draft,
        (
            "name",
            "description",
            "cartPredicate",
            "maxApplications",
            "maxApplicationsPerCustomer",
            "validFrom",
            "validUntil",
        ),
    )


def _change_is_active(m: Mutation, action: dict[str, Any]) -> None:
    value = action.get("isActive")
    if not isinstance(value, bool):
        raise invalid_field("isActive", value, "isActive must be a boolean.")
    m.resource["isActive"] = value


def _set_key(m: Mutation, action: dict[str, Any]) -> None:
    if action.get("key") is not None:
        other = m.store.find(m.kind.type_id, "key", action["key"])
        if other is not None and other["id"] != m.resource["id"]:
            raise duplicate_field("key", action["key"])
    set_field("key")(m, action)


def _kind(url: str, type_id: str, create: Create, **extra: Any) -> ResourceKind:
    actions = {"setKey": _set_key, **CUSTOM_ACTIONS, **extra.pop("actions", {})}
    return ResourceKind(url=url, type_id=type_id, create=create, actions=actions, **extra)


TAX_CATEGORY = _kind("tax-categories", "tax-category", _tax_category)
CUSTOMER_GROUP = _kind("customer-groups", "customer-group", _customer_group)
ZONE = _kind("zones", "zone", _zone)
SHIPPING_METHOD = _kind("shipping-methods", "shipping-method", _shipping_method)
CART_DISCOUNT = _kind(
    "cart-discounts",
    "cart-discount",
    _cart_discount,
    actions={"changeIsActive": _change_is_active},
    indexes={"sortOrder": lambda r: [r["sortOrder"]] if r.get("sortOrder") else []},
)
PRODUCT_DISCOUNT = _kind(
    "product-discounts",
    "product-discount",
    _product_discount,
    actions={"changeIsActive": _change_is_active},
    indexes={"sortOrder": lambda r: [r["sortOrder"]]},
)
DISCOUNT_CODE = _kind(
    "discount-codes",
    "discount-code",
    _discount_code,
    actions={"changeIsActive": _change_is_active},
    indexes={"code": lambda r: [r["code"]]},
)
KINDS = (
    TAX_CATEGORY,
    CUSTOMER_GROUP,
    ZONE,
    SHIPPING_METHOD,
    CART_DISCOUNT,
    PRODUCT_DISCOUNT,
    DISCOUNT_CODE,
)
