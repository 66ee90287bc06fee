"""Small drafts shared by the emulator tests."""

from __future__ import annotations

from typing import Any


def money(cents: int, currency: str = "EUR") -> dict[str, Any]:
    return {"currencyCode": currency, "centAmount": cents}


def product_draft(
    key: str, product_type_id: str, *, skus: tuple[str, ...] = ("SKU-1",), publish: bool = False
) -> dict[str, Any]:
    variants = [
        {
            "sku": sku,
            "prices": [{"value": money(1000 + n)}],
            "attributes": [{"name": "color", "value": "red" if n == 0 else "blue"}],
        }
        for n, sku in enumerate(skus)
    ]
    return {
        "key": key,
        "productType": {"typeId": "product-type", "id": product_type_id},
        "name": {"en": f"Product {key}"},
        "slug": {"en": f"product-{key}"},
        "masterVariant": variants[0],
        "variants": variants[1:],
        "publish": publish,
    }


def order_draft(number: str, sku: str = "SKU-1", quantity: int = 2, **extra: Any) -> dict[str, Any]:
    return {
        "orderNumber": number,
        "customerEmail": "buyer@example.com",
        "lineItems": [
            {
                "name": {"en": "Thing"},
                "variant": {"sku": sku},
                "price": {"value": money(1000)},
                "quantity": quantity,
            }
        ],
        "shippingInfo": {"shippingMethodName": "Standard", "price": money(500)},
        **extra,
    }
