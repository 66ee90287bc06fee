"""Builders of commercetools order snapshots (Platform message shapes) for the NewStore tests."""

from __future__ import annotations

from typing import Any


def money(cents: int, currency: str = "EUR", digits: int = 2) -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": digits,
    }


def tax_rate(amount: float = 0.19, *, included: bool = True, sub_rates=None) -> dict[str, Any]:
    rate = {"name": f"VAT {amount}", "amount": amount, "includedInPrice": included, "country": "DE"}
    if sub_rates:
        rate["subRates"] = [{"name": n, "amount": a} for n, a in sub_rates]
    return rate


def line_item(
    id: str,
    sku: str | None,
    unit: int,
    quantity: int,
    *,
    currency: str = "EUR",
    digits: int = 2,
    tax: int = 0,
    rate: dict[str, Any] | None = None,
    product_discount: tuple[str, int] | None = None,
    cart_discounts: list[tuple[int, int, list[tuple[str, int]]]] | None = None,
    total: int | None = None,
    targets: list[tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """`cart_discounts`: (quantity, discounted unit price, [(cart discount id, amount per unit)])."""
    m = lambda cents: money(cents, currency, digits)  # noqa: E731
    price: dict[str, Any] = {"id": f"price-{id}", "value": m(unit)}
    base = unit
    if product_discount:
        ref, value = product_discount
        price["discounted"] = {
            "value": m(value),
            "discount": {"typeId": "product-discount", "id": ref},
        }
        base = value
    dppq = []
    covered = 0
    computed = 0
    for qty, value, discounts in cart_discounts or []:
        dppq.append(
            {
                "quantity": qty,
                "discountedPrice": {
                    "value": m(value),
                    "includedDiscounts": [
                        {"discount": {"typeId": "cart-discount", "id": d}, "discountedAmount": m(a)}
                        for d, a in discounts
                    ],
                },
            }
        )
        covered += qty
        computed += qty * value
    computed += (quantity - covered) * base
    line = {
        "id": id,
        "productId": f"product-{id}",
        "name": {"en": f"Item {id}"},
        "variant": {"id": 1, "sku": sku} if sku is not None else {"id": 1},
        "price": price,
        "quantity": quantity,
        "discountedPricePerQuantity": dppq,
        "totalPrice": m(computed if total is None else total),
        "taxRate": rate or tax_rate(),
        "taxedPrice": {"totalNet": m(0), "totalGross": m(0), "totalTax": m(tax)},
        "lineItemMode": "Standard",
        "priceMode": "Platform",
    }
    if targets is not None:
        line["shippingDetails"] = {
            "targets": [
                {"addressKey": "home", "quantity": q, "shippingMethodKey": k} for k, q in targets
            ],
            "valid": True,
        }
    return line


def shipping_info(
    price: int,
    *,
    method_id: str = "sm-standard",
    tax: int = 0,
    discounted: int | None = None,
    discount_id: str = "cd-free-shipping",
    currency: str = "EUR",
    digits: int = 2,
) -> dict[str, Any]:
    m = lambda cents: money(cents, currency, digits)  # noqa: E731
    info: dict[str, Any] = {
        "shippingMethodName": "Standard",
        "price": m(price),
        "shippingRate": {"price": m(price)},
        "taxRate": tax_rate(),
        "taxedPrice": {"totalNet": m(0), "totalGross": m(0), "totalTax": m(tax)},
        "shippingMethod": {"typeId": "shipping-method", "id": method_id},
        "shippingMethodState": "MatchesCart",
    }
    if discounted is not None:
        info["discountedPrice"] = {
            "value": m(discounted),
            "includedDiscounts": [
                {
                    "discount": {"typeId": "cart-discount", "id": discount_id},
                    "discountedAmount": m(price - discounted),
                }
            ],
        }
    return info


ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "streetName": "Main Street",
    "streetNumber": "12",
    "additionalStreetInfo": "Floor 3",
    "postalCode": "10115",
    "city": "Berlin",
    "state": "BE",
    "country": "DE",
    "phone": "+49 30 1234567",
}


def order(
    lines: list[dict[str, Any]],
    *,
    currency: str = "EUR",
    digits: int = 2,
    shipping: dict[str, Any] | None = None,
    total: int | None = None,
    total_tax: int | None = None,
    on_total: list[tuple[str, int]] | None = None,
    custom_lines: list[dict[str, Any]] | None = None,
    id: str = "order-1",
    order_number: str | None = "1001",
    payments: list[str] | None = None,
    discount_codes: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    m = lambda cents: money(cents, currency, digits)  # noqa: E731
    items_total = sum(line["totalPrice"]["centAmount"] for line in lines)
    items_total += sum(line["totalPrice"]["centAmount"] for line in custom_lines or [])
    shipping_total = 0
    if shipping:
        paid = (shipping.get("discountedPrice") or {}).get("value") or shipping["price"]
        shipping_total = paid["centAmount"]
    discount_total = sum(a for _, a in on_total or [])
    computed_total = items_total + shipping_total - discount_total
    computed_tax = sum(line["taxedPrice"]["totalTax"]["centAmount"] for line in lines)
    computed_tax += sum(line["taxedPrice"]["totalTax"]["centAmount"] for line in custom_lines or [])
    if shipping:
        computed_tax += shipping["taxedPrice"]["totalTax"]["centAmount"]
    result: dict[str, Any] = {
        "id": id,
        "version": 1,
        "createdAt": "2026-11-20T10:00:00.000Z",
        "customerEmail": "ada@example.com",
        "customerId": "customer-1",
        "locale": "de-DE",
        "totalPrice": m(computed_total if total is None else total),
        "taxedPrice": {
            "totalNet": m(0),
            "totalGross": m(computed_total if total is None else total),
            "totalTax": m(computed_tax if total_tax is None else total_tax),
        },
        "taxMode": "Platform",
        "orderState": "Open",
        "shippingMode": "Single",
        "lineItems": lines,
        "customLineItems": custom_lines or [],
        "shippingAddress": dict(ADDRESS),
        "billingAddress": dict(ADDRESS),
        "discountCodes": [
            {"discountCode": {"typeId": "discount-code", "id": c}, "state": "MatchesCart"}
            for c in discount_codes or []
        ],
        "paymentInfo": {"payments": [{"typeId": "payment", "id": p} for p in payments or []]},
    }
    if order_number is not None:
        result["orderNumber"] = order_number
    if shipping:
        result["shippingInfo"] = shipping
    if on_total:
        result["discountOnTotalPrice"] = {
            "discountedAmount": m(discount_total),
            "includedDiscounts": [
                {"discount": {"typeId": "cart-discount", "id": d}, "discountedAmount": m(a)}
                for d, a in on_total
            ],
        }
    result.update(extra)
    return result


def payment(
    id: str,
    transactions: list[tuple[str, int, str]],
    *,
    interface: str | None = "STRIPE",
    method: str | None = "card",
    currency: str = "EUR",
    digits: int = 2,
    planned: int | None = None,
) -> dict[str, Any]:
    """`transactions`: (type, amount, state) in order; timestamps increase."""
    info: dict[str, Any] = {}
    if interface:
        info["paymentInterface"] = interface
    if method:
        info["method"] = method
    return {
        "id": id,
        "version": 1,
        "interfaceId": f"psp-{id}",
        "createdAt": "2026-11-20T09:59:00.000Z",
        "amountPlanned": money(planned or sum(a for _, a, _ in transactions[:1]), currency, digits),
        "paymentMethodInfo": info,
        "transactions": [
            {
                "id": f"{id}-t{n}",
                "timestamp": f"2026-11-20T10:0{n}:00.000Z",
                "type": kind,
                "amount": money(amount, currency, digits),
                "interactionId": f"psp-{id}-{n}",
                "state": state,
            }
            for n, (kind, amount, state) in enumerate(transactions)
        ],
    }
