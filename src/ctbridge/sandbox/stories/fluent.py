"""The Fluent chapter of `ctbridge demo`: catalog and order to Fluent, status and tracking back."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from ctbridge.commercetools.messages import to_message
from ctbridge.sandbox.demo_chapter import ChapterResult, DemoContext, plural
from ctbridge.sandbox.fluent import FluentEmulator
from ctbridge.sandbox.server import BackgroundServer

PRODUCTS = 20


def _money(cents: int) -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": "EUR",
        "centAmount": cents,
        "fractionDigits": 2,
    }


class chapter:  # noqa: N801 - the name the sandbox stack looks up in every story
    def __init__(self) -> None:
        self.fluent = FluentEmulator()
        self.server = BackgroundServer(self.fluent.app)

    def start(self) -> dict[str, str]:
        self.server.start()
        return {
            "FLUENT_CLIENT_ID": self.fluent.client_id,
            "FLUENT_CLIENT_SECRET": self.fluent.client_secret,
            "FLUENT_USERNAME": self.fluent.username,
            "FLUENT_PASSWORD": self.fluent.password,
            "FLUENT_HOST": self.server.url,
            "FLUENT_CATALOGUE_REF": "PC:MASTER:1",
            "FLUENT_RETAILER_ID": self.fluent.retailer_id,
            "FLUENT_CATALOG_LOCALE": "en-US",
            "BASIC_AUTH_SECRET": uuid.uuid4().hex,
            "FLUENT_ACCOUNT_ID": self.fluent.account_id,
            "FLUENT_WEBHOOK_PUBLIC_KEYS": self.fluent.public_key_pem,
        }

    async def play(self, demo: DemoContext) -> ChapterResult:
        result = ChapterResult("Fluent Commerce: catalog and orders")
        published = await self._seed_catalog(demo)
        result.ok = await self._load_catalog(demo, result, published)
        order = _import_order(demo)
        created = await self._send_order(demo, result, order)
        result.ok = result.ok and bool(created)
        if created:
            result.ok = await self._back_to_commercetools(demo, result, order, created[0]["ref"])
        return result

    async def _seed_catalog(self, demo: DemoContext) -> list[dict[str, Any]]:
        """A category and PRODUCTS published products in commercetools; every published one."""
        ct = demo.commercetools
        product_type = ct.create(
            "product-types", {"name": "fluent-demo", "description": "demo", "attributes": []}
        )
        category = ct.create(
            "categories",
            {"key": "demo-shirts", "name": {"en-US": "Shirts"}, "slug": {"en-US": "demo-shirts"}},
        )
        for n in range(PRODUCTS):
            ct.create(
                "products",
                {
                    "key": f"demo-shirt-{n}",
                    "productType": {"typeId": "product-type", "id": product_type["id"]},
                    "name": {"en-US": f"Shirt {n}"},
                    "slug": {"en-US": f"demo-shirt-{n}"},
                    "categories": [{"typeId": "category", "id": category["id"]}],
                    "masterVariant": {
                        "sku": f"demo-shirt-{n}-s",
                        "prices": [{"value": _money(1999)}],
                    },
                    "variants": [{"sku": f"demo-shirt-{n}-m"}, {"sku": f"demo-shirt-{n}-l"}],
                    "publish": True,
                },
            )
        await demo.settle(30)
        return [
            product
            for product in ct.all("products")
            if (product.get("masterData") or {}).get("published")
        ]

    async def _load_catalog(
        self, demo: DemoContext, result: ChapterResult, published: list[dict[str, Any]]
    ) -> bool:
        """The catalog load job sends every published product to Fluent."""
        variants = sum(_variant_count(product) for product in published)
        started = time.perf_counter()
        run_id = await demo.engine.runtime.start_job("fluent.load-products", {}, trigger="demo")
        run = await demo.engine.jobs.get(run_id)
        for _ in range(600):
            run = await demo.engine.jobs.get(run_id)
            if run.status != "running":
                break
            await asyncio.sleep(0.1)
        self.fluent.wait_for_events(30)
        products = self.fluent.entities("PRODUCT")
        categories = len(self.fluent.entities("CATEGORY"))
        counts = run.report.counts
        skipped = [d for d in run.report.details if d.get("outcome") == "skipped"]
        result.add(
            f"catalog load of every published product in commercetools: "
            f"{plural(len(published), 'product')} with {plural(variants, 'variant')}, "
            f"{PRODUCTS} of them added by this chapter, the rest seeded or added by earlier "
            f"chapters ({run.status})",
            f"sent {plural(counts.get('products_sent', 0), 'product')} with "
            f"{plural(counts.get('variants_sent', 0), 'variant')}"
            + (f"; skipped {len(skipped)}: {skipped[0].get('reason')}" if skipped else "")
            + f"; Fluent holds {sum(p['type'] == 'STANDARD' for p in products)} standard and "
            f"{sum(p['type'] == 'VARIANT' for p in products)} variant products and "
            f"{plural(categories, 'category', 'categories')}, "
            f"in {time.perf_counter() - started:.1f}s",
        )
        return run.status == "succeeded"

    async def _send_order(
        self, demo: DemoContext, result: ChapterResult, order: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The order's OrderCreated message through ctbridge; the Fluent orders made for it."""
        # An imported order emits OrderImported; the story is about OrderCreated, so the
        # chapter hands ctbridge the message commercetools sends for a checkout.
        await demo.engine.runtime.enqueue(
            to_message(
                {
                    "notificationType": "Message",
                    "id": str(uuid.uuid4()),
                    "type": "OrderCreated",
                    "resource": {"typeId": "order", "id": order["id"]},
                    "sequenceNumber": 1,
                    "resourceVersion": order["version"],
                    "order": order,
                }
            ),
            connectors=["fluent"],
        )
        await demo.settle(30)
        created = [o for o in self.fluent.entities("ORDER") if o["ref"] == f"HD_{order['id']}"]
        result.add(
            f"order {order.get('orderNumber')} created in commercetools",
            f"Fluent order {created[0]['ref']} ({created[0]['status']}) for the guest "
            f"{order['customerEmail']}; "
            f"{plural(len(self.fluent.entities('CUSTOMER')), 'customer')} in Fluent"
            if created
            else "no Fluent order",
        )
        return created

    async def _back_to_commercetools(
        self, demo: DemoContext, result: ChapterResult, order: dict[str, Any], ref: str
    ) -> bool:
        """Fluent books, fulfils and ships the order; signed webhooks bring it back."""
        ct = demo.commercetools
        connector = demo.engine.connectors["fluent"]
        await connector.deploy()  # type: ignore[attr-defined]
        self.fluent.webhooks.url = demo.events_url.rsplit("/events", 1)[0] + "/webhooks/fluent"
        line = order["lineItems"][0]["id"]
        started = time.perf_counter()
        statuses = []
        for status in ("BOOKED", "PICK_PACK", "AWAITING_COURIER_COLLECTION"):
            statuses.append(await self.fluent.deliver(self.fluent.set_order_status(ref, status)))
        fulfilment = self.fluent.create_fulfilment(ref, "LOC_STORE_1", [(line, 1, 1)])
        statuses.append(
            await self.fluent.deliver(
                self.fluent.fulfilment_webhook(fulfilment["ref"], "FULFILLED")
            )
        )
        self.fluent.create_consignment(
            f"CON-{order['orderNumber']}",
            [fulfilment["ref"]],
            tracking_label="AP123456789",
            tracking_url="https://auspost.com.au/mypost/track/#/details/AP123456789",
        )
        statuses.append(
            await self.fluent.deliver(
                self.fluent.consignment_webhook(f"CON-{order['orderNumber']}")
            )
        )
        await demo.settle(30)
        back = ct.get("orders", order["id"])
        result.add(
            f"{len(statuses)} signed Fluent webhooks (answered {sorted(set(statuses))})",
            f"order {back.get('orderState')}, payment {back.get('paymentState')}, "
            f"shipment {back.get('shipmentState')} in commercetools "
            f"in {time.perf_counter() - started:.1f}s",
        )
        custom = (back["lineItems"][0].get("custom") or {}).get("fields") or {}
        metadata = custom.get("flFulfilmentMetadata")
        deliveries = (back.get("shippingInfo") or {}).get("deliveries") or []
        tracking = [
            (parcel.get("trackingData") or {}).get("trackingId")
            for delivery in deliveries
            for parcel in delivery.get("parcels") or []
        ]
        result.add(
            "fulfilment and consignment",
            f"line item metadata {'set' if metadata else 'missing'}; "
            f"{plural(len(deliveries), 'delivery', 'deliveries')} with tracking {', '.join(t for t in tracking if t) or 'none'}",
        )
        return (
            back.get("orderState") == "Confirmed"
            and back.get("shipmentState") == "Shipped"
            and bool(metadata)
            and tracking == ["AP123456789"]
        )

    def stop(self) -> None:
        self.server.stop()


def _variant_count(product: dict[str, Any]) -> int:
    current = (product.get("masterData") or {}).get("current") or {}
    return 1 + len(current.get("variants") or [])


def _import_order(demo: DemoContext) -> dict[str, Any]:
    """A guest's home-delivery order of one shirt, imported into commercetools."""
    return demo.commercetools.create(
        "orders/import",
        {
            "orderNumber": f"DEMO-{uuid.uuid4().hex[:6]}",
            "customerEmail": "demo.guest@example.com",
            "totalPrice": _money(2399),
            "lineItems": [
                {
                    "productId": "demo",
                    "name": {"en-US": "Shirt 0"},
                    "variant": {"sku": "demo-shirt-0-m"},
                    "price": {"value": _money(1999)},
                    "quantity": 1,
                }
            ],
            "shippingAddress": {
                "firstName": "Grace",
                "lastName": "Hopper",
                "streetName": "Navy Rd",
                "city": "Arlington",
                "postalCode": "22201",
                "country": "US",
            },
            "shippingInfo": {
                "shippingMethodName": "Standard",
                "price": _money(400),
                "shippingRate": {"price": _money(400)},
            },
        },
    )
