"""The Order Injection API's documented payload constraints, as the emulator enforces them.

Source: NewStore's Order Injection OpenAPI (docs.newstore.net api/integration/order-management/
order_injection_api, "Download OpenAPI specification"; a copy is public in api-evangelist/newstore
openapi/_original/newstore-api-openapi-original.json): InjectedOrderRequest and the definitions
it uses. Where a rule comes from elsewhere, the comment beside it says so.

Unknown fields are refused at every level. The OpenAPI does not declare
`additionalProperties: false`, so whether NewStore itself refuses them is not documented; the
emulator refuses them so that a misspelt or invented field fails a test instead of being
silently ignored by the real API.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

ZERO_DIGIT_CURRENCIES = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
THREE_DIGIT_CURRENCIES = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
CHANNEL_TYPES = {"web", "mobile", "store"}
PRICE_METHODS = {"tax_included", "tax_excluded"}
PAYMENT_TYPES = {"authorized", "captured"}
MAX_SHIPMENTS = 5
MAX_ITEMS = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# InjectedOrderAddress: no `province` or `second_name` (the reference connector sent them).
ADDRESS_LIMITS = {
    "address_line_1": 128,
    "address_line_2": 256,
    "city": 64,
    "first_name": 64,
    "last_name": 64,
    "zip_code": 32,
    "state": 32,
    "title": 32,
    "salutation": 32,
    "suffix": 32,
    "phone": 128,
}
ORDER_FIELDS = frozenset(
    {
        "associate_id",
        "billing_address",
        "channel_name",
        "channel_type",
        "currency",
        "customer_email",
        "customer_language",
        "customer_name",
        "extended_attributes",
        "external_customer_id",
        "external_id",
        "ip_address",
        "is_fulfilled",
        "is_historical",
        "is_offline",
        "is_preconfirmed",
        "notification_blacklist",
        "payments",
        "placed_at",
        "price_method",
        "shipments",
        "shipping_address",
        "shop",
        "shop_locale",
        "store_id",
    }
)
SHIPMENT_FIELDS = frozenset({"items", "shipping_option"})
ITEM_FIELDS = frozenset(
    {
        "addon_parent_external_item_id",
        "extended_attributes",
        "external_item_id",
        "gift_wrapping",
        "price",
        "product_id",
    }
)
PRICE_FIELDS = frozenset(
    {
        "group_ref",
        "item_discount_info",
        "item_list_price",
        "item_order_discount_info",
        "item_price",
        "item_tax_lines",
        "pricebook",
    }
)
TAX_LINE_FIELDS = frozenset({"amount", "country_code", "name", "rate"})
DISCOUNT_FIELDS = frozenset(
    {"coupon_code", "description", "discount_ref", "original_value", "price_adjustment", "type"}
)
SHIPPING_OPTION_FIELDS = frozenset(
    {
        "discount_info",
        "price",
        "routing_strategy",
        "service_level_identifier",
        "shipping_offer_token",
        "tax",
    }
)
PAYMENT_FIELDS = frozenset(
    {
        "amount",
        "correlation_ref",
        "metadata",
        "method",
        "processed_at",
        "processor",
        "type",
        "wallet",
    }
)
ATTRIBUTE_FIELDS = frozenset({"name", "value"})
# `item_discount_info`, `item_order_discount_info` and `discount_info`: maxItems 1.
MAX_DISCOUNT_ENTRIES = 1
MAX_PAYMENTS = 40


def currency_digits(currency: str) -> int:
    if currency in ZERO_DIGIT_CURRENCIES:
        return 0
    if currency in THREE_DIGIT_CURRENCIES:
        return 3
    return 2


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.digits = 2

    def fail(self, where: str, problem: str) -> None:
        self.errors.append(f"{where}: {problem}")

    def known(self, data: dict[str, Any], fields: frozenset[str], where: str) -> None:
        for key in sorted(set(data) - fields):
            self.fail(f"{where}.{key}", "is not a field of this object")

    def text(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        *,
        low: int,
        high: int,
        required: bool = False,
    ) -> None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{where}.{key}", "is required")
            return
        if not isinstance(value, str):
            self.fail(f"{where}.{key}", "must be a string")
        elif not low <= len(value) <= high:
            self.fail(f"{where}.{key}", f"length must be between {low} and {high}")

    def number(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        *,
        minimum: Decimal,
        money: bool = True,
        maximum: Decimal | None = None,
        required: bool = True,
    ) -> None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{where}.{key}", "is required")
            return
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.fail(f"{where}.{key}", "must be a number")
            return
        if value < minimum or (maximum is not None and value > maximum):
            self.fail(f"{where}.{key}", "is out of range")
        if money and isinstance(value, Decimal):
            exponent = value.normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > self.digits:
                self.fail(f"{where}.{key}", f"has more than {self.digits} decimal places")

    def listing(
        self, data: dict[str, Any], key: str, where: str, *, most: int | None = None
    ) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"{where}.{key}", "must be a list")
            return []
        if most is not None and len(value) > most:
            self.fail(f"{where}.{key}", f"at most {most} entries are allowed")
        return value


def validate_order(payload: Any) -> list[str]:
    """Every constraint the payload breaks; an empty list means NewStore would accept it."""
    check = _Checker()
    if not isinstance(payload, dict):
        return ["body: must be a JSON object"]
    check.known(payload, ORDER_FIELDS, "order")
    currency = payload.get("currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        check.fail("currency", "must be an ISO 4217 code")
    else:
        check.digits = currency_digits(currency)
    check.text(payload, "external_id", "order", low=1, high=64, required=True)
    check.text(payload, "shop", "order", low=1, high=128, required=True)
    check.text(payload, "channel_name", "order", low=1, high=64, required=True)
    check.text(payload, "shop_locale", "order", low=1, high=128, required=True)
    check.text(payload, "customer_name", "order", low=0, high=128)
    check.text(payload, "customer_language", "order", low=0, high=2)
    check.text(payload, "external_customer_id", "order", low=0, high=64)
    check.text(payload, "store_id", "order", low=0, high=256)
    if payload.get("channel_type") not in CHANNEL_TYPES:
        check.fail("order.channel_type", "must be one of web, mobile, store")
    if "price_method" in payload and payload["price_method"] not in PRICE_METHODS:
        check.fail("order.price_method", "must be tax_included or tax_excluded")
    email = payload.get("customer_email")
    if email is not None and (
        not isinstance(email, str) or len(email) > 64 or not EMAIL.match(email)
    ):
        check.fail("order.customer_email", "must be an email address of at most 64 characters")
    placed_at = payload.get("placed_at")
    if placed_at is not None:
        try:
            datetime.fromisoformat(str(placed_at).replace("Z", "+00:00"))
        except ValueError:
            check.fail("order.placed_at", "must be an RFC 3339 date-time")
    for key in ("shipping_address", "billing_address"):
        if payload.get(key) is not None:
            _address(check, payload[key], f"order.{key}")
    shipments = check.listing(payload, "shipments", "order")
    if not shipments:
        check.fail("order.shipments", "at least one shipment is required")
    if len(shipments) > MAX_SHIPMENTS:
        check.fail("order.shipments", f"at most {MAX_SHIPMENTS} shipments are allowed")
    for index, shipment in enumerate(shipments):
        _shipment(check, shipment, f"shipments[{index}]", several=len(shipments) > 1)
    payments = check.listing(payload, "payments", "order", most=MAX_PAYMENTS)
    for index, payment in enumerate(payments):
        _payment(check, payment, f"payments[{index}]")
    attributes = check.listing(payload, "extended_attributes", "order")
    if len(attributes) > 100:
        check.fail("order.extended_attributes", "at most 100 are allowed")
    for index, attribute in enumerate(attributes):
        where = f"extended_attributes[{index}]"
        if not isinstance(attribute, dict):
            check.fail(where, "must be an object")
            continue
        check.known(attribute, ATTRIBUTE_FIELDS, where)
        check.text(attribute, "name", where, low=1, high=100, required=True)
        check.text(attribute, "value", where, low=0, high=8192, required=True)
    if not check.errors and payments:
        _payments_cover_the_order(check, payload, payments)
    return check.errors


def _adjustment(entries: Any) -> Decimal:
    return sum((Decimal(e.get("price_adjustment") or 0) for e in entries or []), Decimal(0))


def _payments_cover_the_order(check: _Checker, payload: dict[str, Any], payments: list) -> None:
    """createInjectedOrder answers 400 when "the order's total payment amount is different from
    the sum of each item and shipping amount. For example, if the incorrect price_method is sent
    or if the item_discount_info or item_order_discount_info are missing." So an item counts its
    price less both discount levels, a shipping option its price ("before discounts") less its
    discount_info, and taxes are added when prices exclude them. The docs are silent on an order
    without payments; it is accepted."""
    excluded = payload.get("price_method") == "tax_excluded"
    total = Decimal(0)
    for shipment in payload["shipments"]:
        for item in shipment["items"]:
            price = item["price"]
            total += Decimal(price["item_price"])
            total -= _adjustment(price.get("item_discount_info"))
            total -= _adjustment(price.get("item_order_discount_info"))
            if excluded:
                total += sum((Decimal(t["amount"]) for t in price["item_tax_lines"]), Decimal(0))
        option = shipment["shipping_option"]
        total += Decimal(option["price"]) - _adjustment(option.get("discount_info"))
        if excluded:
            total += Decimal(option["tax"])
    paid = sum((Decimal(p["amount"]) for p in payments), Decimal(0))
    if paid != total:
        check.fail(
            "order.payments",
            f"the payments total {paid} differs from the sum of the items and shipping ({total})",
        )


def _address(check: _Checker, address: Any, where: str) -> None:
    if not isinstance(address, dict):
        check.fail(where, "must be an object")
        return
    check.known(address, frozenset({"country", *ADDRESS_LIMITS}), where)
    country = address.get("country")
    if not isinstance(country, str) or len(country) != 2:
        check.fail(f"{where}.country", "must be a 2-letter country code")
    check.text(address, "address_line_1", where, low=1, high=128, required=True)
    for key, limit in ADDRESS_LIMITS.items():
        if key != "address_line_1":
            check.text(address, key, where, low=0, high=limit)


def _shipment(check: _Checker, shipment: Any, where: str, *, several: bool) -> None:
    if not isinstance(shipment, dict):
        check.fail(where, "must be an object")
        return
    check.known(shipment, SHIPMENT_FIELDS, where)
    option = shipment.get("shipping_option")
    if not isinstance(option, dict):
        check.fail(f"{where}.shipping_option", "is required")
    else:
        check.known(option, SHIPPING_OPTION_FIELDS, f"{where}.shipping_option")
        if "shipping_offer_token" in option:
            check.text(option, "shipping_offer_token", f"{where}.shipping_option", low=1, high=8192)
        else:
            check.text(
                option,
                "service_level_identifier",
                f"{where}.shipping_option",
                low=1,
                high=64,
                required=True,
            )
            if several:
                check.fail(
                    f"{where}.shipping_option",
                    "only one shipment is allowed when the shipping option is given as a "
                    "service_level_identifier",
                )
        # InjectedOrderShippingOption(1): price, tax and the identifier (or token) are required.
        check.number(option, "price", f"{where}.shipping_option", minimum=Decimal(0))
        check.number(option, "tax", f"{where}.shipping_option", minimum=Decimal(0))
        for index, info in enumerate(
            check.listing(
                option, "discount_info", f"{where}.shipping_option", most=MAX_DISCOUNT_ENTRIES
            )
        ):
            _discount(check, info, f"{where}.shipping_option.discount_info[{index}]")
    items = check.listing(shipment, "items", where)
    if not items:
        check.fail(f"{where}.items", "at least one item is required")
    if len(items) > MAX_ITEMS:
        check.fail(f"{where}.items", f"at most {MAX_ITEMS} items are allowed per shipment")
    for index, item in enumerate(items):
        _item(check, item, f"{where}.items[{index}]")


def _item(check: _Checker, item: Any, where: str) -> None:
    if not isinstance(item, dict):
        check.fail(where, "must be an object")
        return
    check.known(item, ITEM_FIELDS, where)
    check.text(item, "external_item_id", where, low=1, high=64, required=True)
    check.text(item, "product_id", where, low=1, high=64, required=True)
    price = item.get("price")
    if not isinstance(price, dict):
        check.fail(f"{where}.price", "is required")
        return
    check.known(price, PRICE_FIELDS, f"{where}.price")
    check.number(price, "item_price", f"{where}.price", minimum=Decimal(0))
    check.number(price, "item_list_price", f"{where}.price", minimum=Decimal(0))
    tax_lines = price.get("item_tax_lines")
    if not isinstance(tax_lines, list):
        check.fail(f"{where}.price.item_tax_lines", "is required")
        tax_lines = []
    for index, tax_line in enumerate(tax_lines):
        at = f"{where}.price.item_tax_lines[{index}]"
        if not isinstance(tax_line, dict):
            check.fail(at, "must be an object")
            continue
        check.known(tax_line, TAX_LINE_FIELDS, at)
        check.number(tax_line, "amount", at, minimum=Decimal(0))
        check.number(tax_line, "rate", at, minimum=Decimal(0), maximum=Decimal(1), money=False)
        # `name` is a required string; the OpenAPI gives it no length limit.
        check.text(tax_line, "name", at, low=1, high=10_000, required=True)
        check.text(tax_line, "country_code", at, low=0, high=2)
    for key in ("item_discount_info", "item_order_discount_info"):
        entries = check.listing(price, key, f"{where}.price", most=MAX_DISCOUNT_ENTRIES)
        for index, info in enumerate(entries):
            _discount(check, info, f"{where}.price.{key}[{index}]")


def _discount(check: _Checker, info: Any, where: str) -> None:
    if not isinstance(info, dict):
        check.fail(where, "must be an object")
        return
    # InjectedOrderDiscountInfo (type fixed) / InjectedOrderDiscountInfo1 (type percentage, its
    # original_value a percentage ≤ 100): discount_ref, original_value, price_adjustment and type
    # are required.
    check.known(info, DISCOUNT_FIELDS, where)
    check.text(info, "discount_ref", where, low=1, high=256, required=True)
    check.text(info, "coupon_code", where, low=0, high=64)
    check.text(info, "description", where, low=0, high=1024)
    check.text(info, "type", where, low=1, high=64, required=True)
    most = Decimal(100) if info.get("type") == "percentage" else None
    check.number(info, "original_value", where, minimum=Decimal(0), maximum=most, money=False)
    check.number(info, "price_adjustment", where, minimum=Decimal(0))


def _payment(check: _Checker, payment: Any, where: str) -> None:
    if not isinstance(payment, dict):
        check.fail(where, "must be an object")
        return
    check.known(payment, PAYMENT_FIELDS, where)
    if payment.get("type") not in PAYMENT_TYPES:
        check.fail(f"{where}.type", "must be authorized or captured")
    check.number(payment, "amount", where, minimum=Decimal(1).scaleb(-check.digits))
    check.text(payment, "method", where, low=1, high=64, required=True)
    check.text(payment, "processor", where, low=1, high=32, required=True)
    check.text(payment, "correlation_ref", where, low=1, high=128, required=True)
    check.text(payment, "wallet", where, low=1, high=64)
    check.text(payment, "processed_at", where, low=1, high=64, required=True)
    metadata = payment.get("metadata")
    if metadata is not None and (not isinstance(metadata, dict) or len(metadata) > 100):
        check.fail(f"{where}.metadata", "must be an object of at most 100 keys")
