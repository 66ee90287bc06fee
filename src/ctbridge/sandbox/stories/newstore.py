"""The NewStore chapter of `ctbridge demo`: stock flows in, an order flows out, stock follows it."""

from __future__ import annotations

import json
from typing import Any

from ctbridge.engine.inbox import Inbox
from ctbridge.sandbox.demo_chapter import ChapterResult, DemoContext, plural
from ctbridge.sandbox.newstore import NewStoreEmulator
from ctbridge.sandbox.server import BackgroundServer

SKU = "NS-DEMO-1"
ORDER_NUMBER = "NS-DEMO-1001"
JOB = "newstore.stock-sync"


class chapter:  # noqa: N801 - the name the sandbox stack looks up in every story
    """Starts the NewStore emulator (client credentials, ATP export) and tells the story."""

    def __init__(self) -> None:
        # The demo catalog's own orders reach NewStore too; its products are not loaded there.
        self.emulator = NewStoreEmulator(strict_products=False)
        self.server = BackgroundServer(self.emulator.app)

    def start(self) -> dict[str, str]:
        self.server.start()
        realm = f"{self.server.url}/auth/realms/{self.emulator.tenant}"
        return {
            "NEW_STORE_BASE_URL": self.server.url,
            "NEW_STORE_SHOP": "demo-shop",
            "NEW_STORE_CLIENT_ID": self.emulator.client_id,
            "NEW_STORE_CLIENT_SECRET": self.emulator.client_secret,
            "NEW_STORE_TOKEN_URL": f"{realm}/protocol/openid-connect/token",
            "NEW_STORE_DEFAULT_SERVICE_LEVEL": "STANDARD",
            "NEW_STORE_PAYMENT_METHODS": json.dumps({"*": {"processor": "sandbox-psp"}}),
            # The demo catalog's gift wrapping is a NewStore item; its vouchers (negative custom
            # line items) are taken off the items as an order adjustment.
            "NEW_STORE_CUSTOM_LINE_ITEMS": json.dumps({"gift-wrapping": "GIFT-WRAP"}),
            "NEW_STORE_CREATE_MISSING": "if_product_exists",
            # The demo catalog shares this project; NewStore is not the master of its stock.
            "NEW_STORE_ZERO_MISSING": "false",
        }

    def stop(self) -> None:
        self.server.stop()

    async def play(self, demo: DemoContext) -> ChapterResult:
        result = ChapterResult("NewStore: orders out, ATP stock back in")
        ct = demo.commercetools
        _seed_demo_product(ct)
        self.emulator.set_stock(SKU, "DC-BERLIN", 5)
        self.emulator.set_stock(SKU, "STORE-MITTE", 3)

        run = await demo.engine.run_job(JOB, {"full": "true"})
        available = _available(ct)
        result.add(
            f"NewStore ATP of {SKU}: 5 at DC-BERLIN + 3 at STORE-MITTE; full stock sync",
            f"{run.status}: {_counts(run)}; commercetools availableQuantity = {available}",
        )
        result.ok &= run.status == "succeeded" and available == 8

        ct.create(
            "orders",
            {
                "orderNumber": ORDER_NUMBER,
                "customerEmail": "ada@example.com",
                "locale": "en-US",
                "lineItems": [
                    {
                        "name": {"en": "NewStore demo sneaker"},
                        "variant": {"sku": SKU},
                        "price": {"value": {"currencyCode": "EUR", "centAmount": 8900}},
                        "quantity": 2,
                    }
                ],
                "shippingAddress": _ADDRESS,
                "billingAddress": _ADDRESS,
            },
        )
        await demo.settle(30.0)
        injected = self.emulator.orders.get(ORDER_NUMBER)
        items = len(injected.payload["shipments"][0]["items"]) if injected else 0
        result.add(
            f"order {ORDER_NUMBER} (2 × {SKU}) created in commercetools",
            f"NewStore order {injected.response['id'] if injected else 'missing'} with "
            f"{plural(items, 'item')}; NewStore ATP now {self.emulator.stock(SKU, 'DC-BERLIN')['atp']} at DC-BERLIN",
        )
        result.ok &= injected is not None and items == 2

        run = await demo.engine.run_job(JOB)
        available = _available(ct)
        result.add(
            "incremental stock sync (only products changed after the export watermark)",
            f"{run.status}: {_counts(run)}; commercetools availableQuantity = {available}",
        )
        result.ok &= run.status == "succeeded" and available == 6
        dead = await Inbox(demo.engine.store).dead_letters(connector="newstore")
        for letter in dead[:3]:
            result.add(
                "an order NewStore cannot take (dead-lettered at once, replayable)",
                f"{letter.resource_key}: {letter.last_error}",
            )
        result.add(
            "NewStore totals",
            f"{plural(len(self.emulator.orders), 'order')} injected, "
            f"{plural(self.emulator.tokens_issued, 'token')} issued, "
            f"{plural(len(self.emulator.requests), 'request')}",
        )
        return result


_ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "streetName": "Torstraße",
    "streetNumber": "1",
    "postalCode": "10119",
    "city": "Berlin",
    "country": "DE",
}


def _counts(run: Any) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(run.report.counts.items()) if v) or "nothing"


def _available(ct: Any) -> int | None:
    for entry in ct.all("inventory"):
        if entry["sku"] == SKU and not entry.get("supplyChannel"):
            return int(entry["availableQuantity"])
    return None


def _seed_demo_product(ct: Any) -> None:
    product_type = ct.create(
        "product-types", {"name": "newstore-demo", "key": "newstore-demo", "description": "demo"}
    )
    ct.create(
        "products",
        {
            "productType": {"typeId": "product-type", "id": product_type["id"]},
            "name": {"en": "NewStore demo sneaker"},
            "slug": {"en": "newstore-demo-sneaker"},
            "masterVariant": {
                "sku": SKU,
                "prices": [{"value": {"currencyCode": "EUR", "centAmount": 8900}}],
            },
        },
    )
