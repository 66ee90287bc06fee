"""`CommercetoolsEmulator`: the in-memory commercetools project, its ASGI app and seeding methods."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from ctbridge.sandbox.commercetools.actions.inventory import reserve
from ctbridge.sandbox.commercetools.app import build_app
from ctbridge.sandbox.commercetools.auth import TokenIssuer
from ctbridge.sandbox.commercetools.custom_objects import CustomObjects
from ctbridge.sandbox.commercetools.delivery import DeliverySettings, SubscriptionDelivery
from ctbridge.sandbox.commercetools.documents import clone
from ctbridge.sandbox.commercetools.errors import not_found
from ctbridge.sandbox.commercetools.project_settings import query_messages, update_project
from ctbridge.sandbox.commercetools.projection import availability_index, project, projections
from ctbridge.sandbox.commercetools.registry import KINDS
from ctbridge.sandbox.commercetools.repository import Repository
from ctbridge.sandbox.commercetools.store import ResourceStore, iso_now
from ctbridge.sandbox.faults import FaultInjector, FaultPlan


class CommercetoolsEmulator:
    """One emulated commercetools project.

    `app` (an ASGI app wrapped in a `FaultInjector`) serves `POST /oauth/token` and the API under
    `/{project_key}/`. `create`, `update`, `delete`, `get` and `all` seed and inspect state from any
    thread through the same code paths as HTTP, emitting the same messages. `id_seed` and `clock`
    make ids and timestamps reproducible. `latency_ms` delays every project API call.
    """

    def __init__(
        self,
        project_key: str = "sandbox",
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",  # noqa: S107 - the sandbox's published credential
        *,
        token_ttl_seconds: float = 172_800,
        delivery: DeliverySettings | None = None,
        faults: FaultPlan | None = None,
        latency_ms: float = 0.0,
        id_seed: int | None = None,
        clock: Callable[[], str] = iso_now,
        pubsub_emulator_url: str | None = None,
        countries: Sequence[str] = ("DE", "US", "GB"),
        currencies: Sequence[str] = ("EUR", "USD", "GBP"),
        languages: Sequence[str] = ("en", "de"),
    ) -> None:
        self.project_key = project_key
        self.client_id = client_id
        self.client_secret = client_secret
        self.store = ResourceStore(project_key, id_seed=id_seed, clock=clock)
        self.repository = Repository(self.store, KINDS)
        self.custom_objects = CustomObjects(self.store)
        self.tokens = TokenIssuer(
            project_key, client_id, client_secret, ttl_seconds=token_ttl_seconds
        )
        self.delivery = SubscriptionDelivery(
            self.store, delivery, pubsub_emulator_url=pubsub_emulator_url
        )
        self._project = {
            "key": project_key,
            "name": project_key,
            "version": 1,
            "countries": list(countries),
            "currencies": list(currencies),
            "languages": list(languages),
            "createdAt": self.store.now(),
            "messages": {"enabled": True, "deleteDaysAfterCreation": 15},
            "carts": {
                "countryTaxRateFallbackEnabled": False,
                "deleteDaysAfterLastModification": 90,
            },
            "shippingRateInputType": None,
        }
        self._seed_builtins()
        if latency_ms:
            # Every project API call waits this long (benches model a remote region); the token
            # endpoint and the sandbox controls answer at once.
            faults = faults or FaultPlan()
            faults.latency_ms = latency_ms
            faults.paths = faults.paths or [f"/{project_key}/", f"/{project_key}"]
        self.faults = FaultInjector(build_app(self), faults)
        self.app = self.faults

    def _seed_builtins(self) -> None:
        now = self.store.now()
        self.store.put(
            "state",
            {
                "id": self.store.new_id(),
                "version": 1,
                "createdAt": now,
                "lastModifiedAt": now,
                "key": "Initial",
                "type": "LineItemState",
                "roles": [],
                "name": {"en": "Initial"},
                "initial": True,
                "builtIn": True,
            },
        )

    # --- seeding and inspection --------------------------------------------------------------

    def create(self, resource: str, draft: dict[str, Any]) -> dict[str, Any]:
        """Create as `POST /{resource}` would (e.g. "products", "orders/import", "custom-objects")."""
        if resource == "custom-objects":
            return clone(self.custom_objects.upsert(draft)[0])
        return clone(self.repository.create(resource, draft))

    def update(
        self, resource: str, resource_id: str, actions: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Apply update actions at the current version (no 409), emitting messages."""
        return clone(
            self.repository.update(resource, resource_id, None, actions, check_version=False)
        )

    def delete(self, resource: str, resource_id: str) -> dict[str, Any]:
        """Delete at the current version; custom objects are named "container/key"."""
        if resource == "custom-objects":
            container, _, key = resource_id.partition("/")
            return clone(self.custom_objects.delete(container, key, None))
        with self.store.lock:
            current = self.repository.find(resource, resource_id)
            return clone(self.repository.delete(resource, resource_id, current["version"]))

    def get(self, resource: str, resource_id: str) -> dict[str, Any]:
        """The resource by id or `key=...` / `order-number=...`; product projections are staged."""
        if resource == "product-projections":
            return clone(self.projection(resource_id, staged=True))
        return clone(self.repository.get(resource, resource_id))

    def all(self, resource: str) -> list[dict[str, Any]]:
        """Every resource of a kind in creation order ("product-projections": the staged view)."""
        if resource == "product-projections":
            return clone(projections(self.store, staged=True))
        if resource == "custom-objects":
            return clone(self.store.all("key-value-document"))
        kind = self.repository.kind(resource)
        with self.store.lock:
            return clone(kind.views(self.store, self.store.all(kind.type_id)))

    def query(self, resource: str, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        return clone(self.repository.query(resource, params))

    def messages(self, message_type: str | None = None) -> list[dict[str, Any]]:
        """Recorded messages in creation order, optionally only those of one type."""
        found = self.all("messages")
        return [m for m in found if message_type is None or m["type"] == message_type]

    def projection(self, identifier: str, *, staged: bool) -> dict[str, Any]:
        with self.store.lock:
            product = self.repository.find("products", identifier)
            view = project(product, staged=staged, index=availability_index(self.store))
        if view is None:
            raise not_found("product-projection", identifier)
        return view

    def reserve(self, sku: str, quantity: int, *, supply_channel: str | None = None) -> bool:
        """Hold stock back as an order with `inventoryMode: ReserveOnOrder` would."""
        return reserve(self.store, sku, supply_channel, quantity, strict=False)

    def project(self) -> dict[str, Any]:
        with self.store.lock:
            return clone(self._project)

    def update_project(self, body: Any) -> dict[str, Any]:
        """POST /{projectKey}: a ProjectUpdate (changeMessagesConfiguration)."""
        with self.store.lock:
            self._project = update_project(self._project, body)
            return clone(self._project)

    def query_messages(self, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """GET /{projectKey}/messages as the project's `messages` settings allow."""
        with self.store.lock:
            settings = dict(self._project["messages"])
        return clone(query_messages(self.store, settings, params))

    def state(self) -> dict[str, Any]:
        return {
            "projectKey": self.project_key,
            "counts": self.store.counts(),
            "delivery": self.delivery.snapshot(),
            "tokensIssued": self.tokens.issued,
            "faults": self.faults.injected,
        }

    # --- subscription delivery ---------------------------------------------------------------

    def route_topic(
        self,
        topic: str,
        push_url: str,
        *,
        envelope: str = "pubsub",
        subscription: str | None = None,
    ) -> None:
        """Push what subscriptions publish to Pub/Sub `topic` to `push_url`."""
        self.delivery.route_topic(topic, push_url, envelope=envelope, subscription=subscription)

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block (any thread) until no delivery is pending or in flight; False on timeout."""
        return self.delivery.wait_idle(timeout)

    @contextlib.asynccontextmanager
    async def delivery_running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self.delivery.run(), name="commercetools-subscription-delivery")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
