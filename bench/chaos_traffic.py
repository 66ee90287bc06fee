"""The chaos soak's commercetools traffic: a seeded catalog, then publishes, stock changes and orders."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ctbridge.sandbox.catalog import Catalog, SeedResult, generate, seed_emulator
from ctbridge.sandbox.catalog.orders import import_draft
from ctbridge.sandbox.catalog.references import resolve_references
from ctbridge.sandbox.catalog.seeding import STAGES
from ctbridge.sandbox.commercetools import CommercetoolsEmulator

# Share of each operation in the mix after the first publish of every product.
MIX = (("publish", 0.4), ("stock", 0.4), ("order", 0.2))
STOCK_LEVELS = (0, 0, 1, 2, 5, 12, 40)


def catalog_for(messages: int, seed: int) -> Catalog:
    """A catalog sized so that seeding is a small part of `messages` and orders never run out."""
    return generate(
        seed=seed,
        products=max(8, messages // 60),
        variants_per_product=3,
        categories=8,
        channels=2,
        customers=max(10, messages // 200),
        orders=max(10, int(messages * 0.25)),
        currencies=("EUR", "USD", "GBP"),
    )


def subscribed_types(emulator: CommercetoolsEmulator) -> set[str]:
    return {
        message_type
        for subscription in emulator.all("subscriptions")
        for entry in subscription.get("messages", [])
        for message_type in entry.get("types") or []
    }


def count_messages(emulator: CommercetoolsEmulator, types: set[str]) -> Counter[str]:
    return Counter(m["type"] for m in emulator.messages() if m["type"] in types)


@dataclass
class Traffic:
    """Changes the commercetools emulator the way a shop does, one subscribed message per change.

    `changed_at[sku]` is when the sku's last change (price, name, stock, reservation) happened in
    commercetools, for telling a lost update from a stale overwrite afterwards.
    """

    emulator: CommercetoolsEmulator
    catalog: Catalog
    seed: int
    seeded: SeedResult = field(default_factory=SeedResult)
    changed_at: dict[str, float] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    operations: Counter[str] = field(default_factory=Counter)
    stopped: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._next_order = 0
        self._revision = 0

    # -- set-up -------------------------------------------------------------------------------
    def seed_catalog(self) -> None:
        """Everything but the orders, which come later one by one as OrderCreated."""
        self.seeded = seed_emulator(self.emulator, dataclasses.replace(self.catalog, orders=()))
        self.product_ids = [
            self.seeded.id_of("product", draft["key"]) for draft in self.catalog.products
        ]
        self.skus_of = {
            product_id: [
                v["sku"]
                for v in [draft["masterVariant"], *draft.get("variants", [])]
                if v.get("sku")
            ]
            for product_id, draft in zip(self.product_ids, self.catalog.products, strict=True)
        }
        self.names = {
            product_id: dict(draft["name"])
            for product_id, draft in zip(self.product_ids, self.catalog.products, strict=True)
        }
        self.inventory = [(entry["id"], entry["sku"]) for entry in self.emulator.all("inventory")]

    def publish_everything(self) -> int:
        """Products are created published, which emits no ProductPublished: publish each once."""
        for product_id in self.product_ids:
            self.emulator.update("products", product_id, [{"action": "publish"}])
            self.operations["publish"] += 1
        return len(self.product_ids)

    # -- the mix --------------------------------------------------------------------------------
    def run(self, count: int, *, per_second: float | None = None) -> None:
        """`count` changes, each emitting exactly one subscribed message; stops early on `stopped`."""
        started = time.monotonic()
        names = [name for name, _ in MIX]
        weights = [weight for _, weight in MIX]
        for done in range(count):
            if self.stopped.is_set():
                return
            if per_second:
                lag = started + done / per_second - time.monotonic()
                if lag > 0:
                    time.sleep(lag)
            operation = self.rng.choices(names, weights)[0]
            if operation == "order" and self._next_order >= len(self.catalog.orders):
                operation = "stock"
            getattr(self, f"_{operation}")()
            self.operations[operation] += 1

    def _publish(self) -> None:
        product_id = self.rng.choice(self.product_ids)
        sku = self.rng.choice(self.skus_of[product_id])
        self._revision += 1
        # Unique names and prices make any older value recognisable in a target.
        names = {
            locale: f"{text} r{self._revision}" for locale, text in self.names[product_id].items()
        }
        cents = 1000 + self._revision
        self.emulator.update(
            "products",
            product_id,
            [
                {"action": "changeName", "name": names},
                {
                    "action": "setPrices",
                    "sku": sku,
                    "prices": [{"value": {"currencyCode": "EUR", "centAmount": cents}}],
                },
                {"action": "publish"},
            ],
        )
        now = time.monotonic()
        for changed in self.skus_of[product_id]:
            self.changed_at[changed] = now

    def _stock(self) -> None:
        entry_id, sku = self.rng.choice(self.inventory)
        quantity = self.rng.choice(STOCK_LEVELS)
        self.emulator.update(
            "inventory", entry_id, [{"action": "changeQuantity", "quantity": quantity}]
        )
        self.changed_at[sku] = time.monotonic()

    def _order(self) -> None:
        seed = self.catalog.orders[self._next_order]
        self._next_order += 1
        ids = self.seeded.ids
        customer_id = ids[("customer", seed.customer_key)] if seed.customer_key else None
        payment_ids = [ids[("payment", key)] for key in seed.payment_keys]
        # References to resources the emulator does not serve (customer groups) stay by key.
        unsupported = {s.type_id for s in STAGES if s.resource in self.seeded.unsupported}
        draft = resolve_references(
            import_draft(seed, customer_id, payment_ids, sandbox_fields=True),
            ids,
            keep_unknown=unsupported,
        )
        created = self.emulator.create("orders", draft)
        self.orders.append(created)
        if created.get("inventoryMode", "None") != "None":
            now = time.monotonic()
            for item in created.get("lineItems") or []:
                sku = (item.get("variant") or {}).get("sku")
                if sku:
                    self.changed_at[sku] = now
