"""The Ordergroove chapter of `ctbridge demo`: initial load, a price change, an order selling out."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.demo_chapter import ChapterResult, DemoContext, plural
from ctbridge.sandbox.ordergroove import OrdergrooveEmulator
from ctbridge.sandbox.server import BackgroundServer

API_KEY = "og-demo-key"
SKU = "OG-DEMO-1"


class chapter:  # noqa: N801 - the name the sandbox stack looks up in every story
    """Starts the Ordergroove emulator (600 calls/min, like production) and tells the story."""

    def __init__(self) -> None:
        self.emulator = OrdergrooveEmulator(API_KEY, rate_limit=600)
        self.server = BackgroundServer(self.emulator.app)

    def start(self) -> dict[str, str]:
        self.server.start()
        return {
            "OG_API_URL": self.server.url,
            "OG_API_KEY": API_KEY,
            "CTP_LANGUAGE_CODE": "en",
            "CTP_CURRENCY_CODE": "EUR",
            "CTP_COUNTRY_CODE": "DE",
            "PRODUCT_STORE_URL": "https://shop.example/products/[SLUG]",
        }

    def stop(self) -> None:
        self.server.stop()

    async def play(self, demo: DemoContext) -> ChapterResult:
        result = ChapterResult("Ordergroove: products and stock, at the rate limit")
        ct = demo.commercetools
        product = _seed_demo_product(ct)
        await demo.settle(30.0)

        run = await demo.engine.run_job("ordergroove.load-products")
        counts = run.report.counts
        calls = dict(self.emulator.calls)
        result.add(
            "initial load (keyset pages → bulk create/update of 100)",
            f"{run.status}: {plural(counts.get('sent', 0), 'variant')} sent, "
            f"{counts.get('skipped', 0)} skipped, {counts.get('failed', 0)} failed; "
            f"Ordergroove calls {calls}; holds "
            f"{plural(len(self.emulator.products), 'product')}",
        )
        result.ok &= run.status == "succeeded" and self.emulator.product(SKU) is not None
        before = self._price()

        ct.update(
            "products",
            product["id"],
            [
                {
                    "action": "setPrices",
                    "sku": SKU,
                    "prices": [{"value": {"currencyCode": "EUR", "centAmount": 1999}}],
                },
                {"action": "publish"},
            ],
        )
        await demo.settle(30.0)
        after = self._price()
        result.add(
            f"price of {SKU} changed to 19.99 EUR and published",
            f"Ordergroove price {before} → {after}",
        )
        result.ok &= after == "19.99"

        live_before = (self.emulator.product(SKU) or {}).get("live")
        ct.create(
            "orders",
            {
                "inventoryMode": "ReserveOnOrder",
                "lineItems": [
                    {
                        "name": {"en": "Demo beans"},
                        "variant": {"sku": SKU},
                        "price": {"value": {"currencyCode": "EUR", "centAmount": 1999}},
                        "quantity": 2,
                    }
                ],
            },
        )
        await demo.settle(30.0)
        live_after = (self.emulator.product(SKU) or {}).get("live")
        last_update = self.emulator.updates[-1] if self.emulator.updates else []
        result.add(
            f"an order bought the last 2 of {SKU} (ReserveOnOrder)",
            f"Ordergroove live {live_before} → {live_after}; partial update sent: {last_update}",
        )
        result.ok &= live_before is True and live_after is False
        snapshot = self.emulator.snapshot()
        result.add(
            "Ordergroove totals",
            f"calls {snapshot['calls']}, refused {snapshot['refused']}, "
            f"{plural(snapshot['products'], 'product')}, {snapshot['live']} live",
        )
        return result

    def _price(self) -> str | None:
        found = self.emulator.product(SKU)
        return None if found is None or found.get("price") is None else format(found["price"], "f")


def _seed_demo_product(ct: Any) -> dict[str, Any]:
    types = ct.all("product-types")
    type_id = (
        types[0]["id"]
        if types
        else ct.create("product-types", {"name": "demo", "key": "og-demo", "description": "demo"})[
            "id"
        ]
    )
    created = ct.create(
        "products",
        {
            "productType": {"typeId": "product-type", "id": type_id},
            "name": {"en": "Demo beans", "de": "Demo-Bohnen"},
            "slug": {"en": "demo-beans", "de": "demo-bohnen"},
            "masterVariant": {
                "sku": SKU,
                "prices": [{"value": {"currencyCode": "EUR", "centAmount": 2499}}],
                "images": [
                    {"url": "https://img.example/demo-beans.jpg", "dimensions": {"w": 1, "h": 1}}
                ],
            },
            "variants": [
                {
                    "sku": "OG-DEMO-2",
                    "prices": [{"value": {"currencyCode": "EUR", "centAmount": 4499}}],
                }
            ],
        },
    )
    ct.create("inventory", {"sku": SKU, "quantityOnStock": 2})
    return ct.update("products", created["id"], [{"action": "publish"}])
