"""commercetools documents (as the API returns them) used by the Fluent connector's tests."""

from __future__ import annotations

from typing import Any


def money(cents: int, currency: str = "EUR", digits: int = 2) -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": digits,
    }


def address(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "addr-1",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "streetName": "Main Street",
        "streetNumber": "12",
        "postalCode": "10115",
        "city": "Berlin",
        "country": "DE",
        "email": "ada@example.com",
        "phone": "+49301234",
    }
    return {**base, **fields}


def line_item(
    line_id: str, sku: str, quantity: int, unit: int, *, net: int, tax: int
) -> dict[str, Any]:
    return {
        "id": line_id,
        "productId": "p-1",
        "variant": {"id": 1, "sku": sku},
        "quantity": quantity,
        "price": {"id": "price-1", "value": money(unit)},
        "totalPrice": money(net + tax),
        "taxedPrice": {
            "totalNet": money(net),
            "totalGross": money(net + tax),
            "totalTax": money(tax),
        },
    }


def order(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "order-1",
        "version": 1,
        "orderNumber": "1001",
        "customerEmail": "ada@example.com",
        "customerId": None,
        "totalPrice": money(12900),
        "taxedPrice": {
            "totalNet": money(10840),
            "totalGross": money(12900),
            "totalTax": money(2060),
        },
        "lineItems": [
            line_item("li-1", "SKU-1", 2, 5000, net=8403, tax=1597),
            line_item("li-2", "SKU-1", 1, 2500, net=2101, tax=399),
        ],
        "customLineItems": [],
        "shippingAddress": address(),
        "billingAddress": address(id="addr-2", streetName="Bill Road"),
        "shippingInfo": {
            "shippingMethodName": "Standard",
            "price": money(400),
            "taxedPrice": {"totalNet": money(336), "totalGross": money(400), "totalTax": money(64)},
        },
    }
    return {**base, **fields}


def payment(
    payment_id: str, *transactions: dict[str, Any], method: str | None = "CREDIT_CARD"
) -> dict[str, Any]:
    return {
        "id": payment_id,
        "version": 1,
        "amountPlanned": money(12900),
        "paymentMethodInfo": {
            "paymentInterface": "adyen",
            **({"method": method} if method else {}),
        },
        "interfaceId": f"psp-{payment_id}",
        "transactions": list(transactions),
    }


def transaction(tx_id: str, kind: str, cents: int, state: str = "Success") -> dict[str, Any]:
    return {
        "id": tx_id,
        "type": kind,
        "amount": money(cents),
        "state": state,
        "interactionId": f"ix-{tx_id}",
    }


def projection(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "prod-1",
        "version": 3,
        "key": "shirt",
        "name": {"en-US": "Shirt", "de-DE": "Hemd"},
        "description": {"en-US": "A shirt"},
        "categories": [{"typeId": "category", "id": "cat-1"}],
        "masterVariant": {
            "id": 1,
            "sku": "shirt-s",
            "prices": [{"id": "pr-1", "value": money(1999)}],
            "images": [{"url": "https://img/1.png", "dimensions": {"w": 1, "h": 1}}],
            "attributes": [
                {"name": "gtin", "value": "4006381333931"},
                {"name": "size", "value": "S"},
            ],
        },
        "variants": [
            {"id": 2, "sku": "shirt-m", "prices": [], "images": [], "attributes": []},
        ],
    }
    return {**base, **fields}
