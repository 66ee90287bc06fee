"""Starts the emulators (commercetools and each connector's targets) on 127.0.0.1 as one stack."""

from __future__ import annotations

import dataclasses
import importlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from ctbridge.sandbox.catalog.catalog import generate
from ctbridge.sandbox.catalog.seeding import seed_emulator
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.demo_chapter import DemoChapter
from ctbridge.sandbox.server import BackgroundServer
from ctbridge.sandbox.stories import STORIES

PROJECT_KEY = "sandbox"
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's published credential
DEMO_CONNECTORS = tuple(STORIES)
SANDBOX_TOPIC = "ctbridge-sandbox"


def load_chapter(connector: str) -> DemoChapter | None:
    """The connector's demo chapter (`chapter` in its module of `ctbridge.sandbox.stories`),
    if the sandbox tells a story about it."""
    module_name = STORIES.get(connector)
    if module_name is None:
        return None
    return importlib.import_module(module_name).chapter()


@dataclass
class SandboxStack:
    """The running emulators; `environment` holds the variables that point ctbridge at them."""

    commercetools: CommercetoolsEmulator
    server: BackgroundServer
    chapters: dict[str, DemoChapter] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(
        cls, connectors: tuple[str, ...] = DEMO_CONNECTORS, **emulator_options: Any
    ) -> SandboxStack:
        emulator = CommercetoolsEmulator(PROJECT_KEY, CLIENT_ID, CLIENT_SECRET, **emulator_options)
        server = BackgroundServer(emulator.app).start()
        stack = cls(emulator, server)
        stack.environment.update(
            {
                "CTP_PROJECT_KEY": PROJECT_KEY,
                "CTP_CLIENT_ID": CLIENT_ID,
                "CTP_CLIENT_SECRET": CLIENT_SECRET,
                "CTP_SCOPE": f"manage_project:{PROJECT_KEY}",
                "CTP_API_URL": server.url,
                "CTP_AUTH_URL": server.url,
            }
        )
        try:
            for name in connectors:
                chapter = load_chapter(name)
                if chapter is None:
                    continue
                stack.environment.update(chapter.start())
                stack.chapters[name] = chapter
        except BaseException:
            stack.stop()
            raise
        return stack

    def stop(self) -> None:
        for chapter in self.chapters.values():
            chapter.stop()
        self.server.stop()

    def point_deliveries_at(self, serve_port: int) -> dict[str, str]:
        """Routes the emulator's Pub/Sub destination to `ctbridge serve` on 127.0.0.1:`serve_port`
        (authenticated with a fresh events token) and returns the variables that complete the
        environment: connectors, destination, token and PORT. Deliveries are retried for about
        an hour, as commercetools keeps retrying, so `deploy` may run before `serve`."""
        token = secrets.token_urlsafe(24)
        self.commercetools.route_topic(
            SANDBOX_TOPIC, f"http://127.0.0.1:{serve_port}/events?token={token}"
        )
        self.commercetools.delivery.configure(max_attempts=720, max_backoff_seconds=5.0)
        extra = {
            "PORT": str(serve_port),
            "CTBRIDGE_CONNECTORS": ",".join(sorted(self.chapters)),
            "CTBRIDGE_EVENTS_TOKEN": token,
            "CTBRIDGE_DESTINATION_TYPE": "GoogleCloudPubSub",
            "CTBRIDGE_DESTINATION_PROJECT_ID": PROJECT_KEY,
            "CTBRIDGE_DESTINATION_TOPIC": SANDBOX_TOPIC,
        }
        self.environment.update(extra)
        return extra

    def seed(self, products: int) -> list[str]:
        """Creates a catalog of `products` products (unpublished) with stock; returns their ids."""
        catalog = generate(products=products, orders=0, customers=0)
        unpublished = tuple({**draft, "publish": False} for draft in catalog.products)
        result = seed_emulator(
            self.commercetools, dataclasses.replace(catalog, products=unpublished)
        )
        return [id_ for (type_id, _), id_ in result.ids.items() if type_id == "product"]

    def publish_when_subscribed(
        self, product_ids: list[str], stop: threading.Event
    ) -> threading.Thread:
        """Publishes the products once a subscription exists, so that the first `deploy` sees
        them flow through ctbridge; checks every 0.2 s until `stop` is set."""

        def watch() -> None:
            while not stop.wait(0.2):
                if self.commercetools.all("subscriptions"):
                    for product_id in product_ids:
                        self.commercetools.update("products", product_id, [{"action": "publish"}])
                    return

        thread = threading.Thread(target=watch, name="sandbox-publisher", daemon=True)
        thread.start()
        return thread
