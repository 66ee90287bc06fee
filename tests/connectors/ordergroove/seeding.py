"""Builds small commercetools catalogues in the emulator and messages for the Ordergroove tests."""

from __future__ import annotations

import uuid
from typing import Any

from ctbridge.commercetools.messages import to_message
from ctbridge.engine.message import Message


def eur(cents: int) -> dict[str, Any]:
    return {"value": {"currencyCode": "EUR", "centAmount": cents}}


def product_type(ct) -> str:
    found = [t for t in ct.all("product-types") if t.get("key") == "og-test"]
    if found:
        return found[0]["id"]
    return ct.create("product-types", {"name": "og", "key": "og-test", "description": "og"})["id"]


def add_product(
    ct,
    prefix: str,
    variants: int = 1,
    *,
    cents: int = 1299,
    publish: bool = True,
    name: dict[str, str] | None = None,
    prices: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A product whose variants have skus `<prefix>-1`, `<prefix>-2`..."""

    def variant(n: int) -> dict[str, Any]:
        return {
            "sku": f"{prefix}-{n}",
            "prices": prices if prices is not None else [eur(cents + n - 1)],
            "images": [
                {"url": f"https://img.example/{prefix}-{n}.jpg", "dimensions": {"w": 1, "h": 1}}
            ],
        }

    created = ct.create(
        "products",
        {
            "productType": {"typeId": "product-type", "id": product_type(ct)},
            "name": name or {"en-US": f"Product {prefix}"},
            "slug": {"en-US": f"product-{prefix.lower()}"},
            "masterVariant": variant(1),
            "variants": [variant(n) for n in range(2, variants + 1)],
        },
    )
    if publish:  # publishing by update records a real ProductPublished message
        return ct.update("products", created["id"], [{"action": "publish"}])
    return created


def add_catalogue(ct, products: int, variants: int, prefix: str = "P") -> list[dict[str, Any]]:
    return [add_product(ct, f"{prefix}{i:04d}", variants) for i in range(products)]


def platform_message(message_type: str, resource: dict[str, str], **fields: Any) -> Message:
    """A Platform-format commercetools message as a subscription would deliver it."""
    document = {
        "notificationType": "Message",
        "id": str(uuid.uuid4()),
        "type": message_type,
        "resource": resource,
        "sequenceNumber": fields.pop("sequenceNumber", 1),
        "resourceVersion": fields.pop("resourceVersion", 1),
        "createdAt": "2026-01-01T00:00:00.000Z",
        **fields,
    }
    return to_message(document)


def product_published(ct, product: dict[str, Any]) -> Message:
    """The latest ProductPublished the emulator recorded for this product."""
    found = [m for m in ct.messages("ProductPublished") if m["resource"]["id"] == product["id"]]
    return to_message(max(found, key=lambda m: m["sequenceNumber"]))


def recorded(ct, message_type: str) -> list[Message]:
    """The messages of one type the emulator recorded, as the engine would receive them."""
    return [to_message(m) for m in ct.messages(message_type)]
