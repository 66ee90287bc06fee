"""Subscription delivery: matches messages and changes to subscriptions and pushes them, at least once.

Knobs in `DeliverySettings` make the at-least-once behaviour visible: duplicates, shuffled order,
redelivery with backoff after a non-2xx answer, and bounded concurrency.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import random
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import httpx

from ctbridge.sandbox.commercetools.cloud_destinations import CloudDestinations
from ctbridge.sandbox.commercetools.envelopes import (
    CLOUDEVENTS_CONTENT_TYPE,
    cloud_event,
    encoded_size,
    message_payload,
    pubsub_push_envelope,
    without_payload,
)
from ctbridge.sandbox.commercetools.store import ResourceStore, iso_now

SUBSCRIPTION_TYPE_ID = "subscription"
PAYLOAD_TOO_LARGE = "Payload exceeds the maximum size of the destination."
# Connect treats these as acknowledgements; anything else means redelivery.
ACK_STATUSES = frozenset({102, 200, 201, 202, 204})


@dataclass
class DeliverySettings:
    duplicate_rate: float = 0.0
    shuffle_window: int = 0
    shuffle_wait_seconds: float = 0.05
    max_attempts: int = 5
    backoff_seconds: float = 0.05
    max_backoff_seconds: float = 2.0
    concurrency: int = 4
    payload_limit_bytes: int = 10 * 1024 * 1024
    timeout_seconds: float = 10.0
    paused: bool = False
    seed: int | None = 0
    # Where SQS, SNS and EventBridge destinations are delivered (an AWS emulator such as moto).
    aws_endpoint_url: str | None = None


@dataclass
class Route:
    url: str
    envelope: str = "pubsub"
    subscription: str | None = None


@dataclass
class Delivery:
    subscription_id: str
    destination: dict[str, Any]
    body: dict[str, Any]
    content_type: str
    pubsub_message_id: str
    due: float = 0.0
    attempt: int = 0
    duplicate: bool = False
    queued_at: float = field(default_factory=time.monotonic)


class SubscriptionDelivery:
    """Turns store events into deliveries and sends them from an asyncio task (`run`)."""

    def __init__(
        self,
        store: ResourceStore,
        settings: DeliverySettings | None = None,
        *,
        pubsub_emulator_url: str | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or DeliverySettings()
        self.pubsub_emulator_url = pubsub_emulator_url
        self.routes: dict[str, Route] = {}
        self.counters = {
            "enqueued": 0,
            "attempted": 0,
            "succeeded": 0,
            "failed": 0,
            "dropped": 0,
            "duplicated": 0,
            "unrouted": 0,
        }
        self._pending: list[Delivery] = []
        self._in_flight = 0
        self._condition = threading.Condition()
        self._random = random.Random(self.settings.seed)
        self._message_ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._cloud: CloudDestinations | None = None
        store.listen(self._on_event)

    # --- configuration -------------------------------------------------------------------

    def configure(self, **values: Any) -> DeliverySettings:
        known = {f.name for f in fields(DeliverySettings)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown delivery settings: {sorted(unknown)}")
        with self._condition:
            for name, value in values.items():
                setattr(self.settings, name, value)
            if "seed" in values:
                self._random = random.Random(values["seed"])
        self._wake()
        return self.settings

    def route_topic(
        self, topic: str, url: str, *, envelope: str = "pubsub", subscription: str | None = None
    ) -> None:
        """Send what is published to `topic` to `url`: as a Pub/Sub push (`pubsub`) or bare (`raw`)."""
        if envelope not in ("pubsub", "raw"):
            raise ValueError("envelope must be 'pubsub' or 'raw'")
        self.routes[topic] = Route(url, envelope, subscription)

    def snapshot(self) -> dict[str, Any]:
        with self._condition:
            return {
                "settings": asdict(self.settings),
                "counters": dict(self.counters),
                "pending": len(self._pending),
                "inFlight": self._in_flight,
                "routes": {topic: asdict(route) for topic, route in self.routes.items()},
            }

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is pending or in flight; False if `timeout` passed first."""
        with self._condition:
            return self._condition.wait_for(
                lambda: not self._pending and self._in_flight == 0, timeout
            )

    # --- matching ----------------------------------------------------------------------------

    def _on_event(self, kind: str, payload: dict[str, Any]) -> None:
        project = self.store.project_key
        if kind == "message":
            payload = message_payload(payload, project)
        for subscription in self.store.all(SUBSCRIPTION_TYPE_ID):
            if _wants(subscription, kind, payload):
                self._enqueue_for(subscription, payload)
        if (
            kind == "change"
            and payload["resource"]["typeId"] == SUBSCRIPTION_TYPE_ID
            and payload["notificationType"] == "ResourceCreated"
        ):
            subscription = self.store.get(SUBSCRIPTION_TYPE_ID, payload["resource"]["id"])
            if subscription is not None:
                self._enqueue_for(subscription, payload)

    def _enqueue_for(self, subscription: dict[str, Any], payload: dict[str, Any]) -> None:
        settings = self.settings
        if payload.get("notificationType") == "Message" and (
            encoded_size(payload) > settings.payload_limit_bytes
        ):
            payload = without_payload(payload, PAYLOAD_TOO_LARGE)
        content_type = "application/json"
        if subscription["format"]["type"] == "CloudEvents":
            payload = cloud_event(payload, self.store.project_key)
            content_type = CLOUDEVENTS_CONTENT_TYPE
        delivery = Delivery(
            subscription_id=subscription["id"],
            destination=subscription["destination"],
            body=payload,
            content_type=content_type,
            pubsub_message_id=str(next(self._message_ids)),
        )
        with self._condition:
            self.counters["enqueued"] += 1
            self._pending.append(delivery)
            if settings.duplicate_rate and self._random.random() < settings.duplicate_rate:
                self.counters["duplicated"] += 1
                copy = Delivery(
                    **{**asdict(delivery), "duplicate": True},
                )
                copy.pubsub_message_id = str(next(self._message_ids))
                self._pending.append(copy)
            self._condition.notify_all()
        self._wake()

    # --- sending -------------------------------------------------------------------------------

    def _wake(self) -> None:
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wakeup.set)

    def _take_due(self) -> tuple[list[Delivery], float]:
        """Due deliveries to send now (shuffled within the window), and seconds until the next."""
        with self._condition:
            settings = self.settings
            if settings.paused or not self._pending:
                return [], 0.5
            now = time.monotonic()
            due = [d for d in self._pending if d.due <= now]
            if not due:
                return [], min(d.due for d in self._pending) - now
            window = settings.shuffle_window
            if window > 1:
                oldest = min(d.queued_at for d in due)
                if len(due) < window and now - oldest < settings.shuffle_wait_seconds:
                    return [], settings.shuffle_wait_seconds
                due = due[:window]
                self._random.shuffle(due)
            taken = {id(d) for d in due}
            self._pending = [d for d in self._pending if id(d) not in taken]
            self._in_flight += len(due)
            return due, 0.0

    async def run(self) -> None:
        """Deliver until cancelled; started by the emulator app's lifespan."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        tasks: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(self.settings.timeout_seconds)
        ) as client:
            try:
                while True:
                    self._wakeup.clear()
                    batch, wait = self._take_due()
                    if not batch:
                        try:
                            await asyncio.wait_for(self._wakeup.wait(), timeout=max(wait, 0.001))
                        except TimeoutError:
                            pass
                        continue
                    semaphore = asyncio.Semaphore(max(1, self.settings.concurrency))
                    for delivery in batch:
                        await semaphore.acquire()
                        task = asyncio.create_task(self._attempt(client, delivery, semaphore))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    if tasks:
                        await asyncio.wait(set(tasks))
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                self._loop = None
                if self._cloud is not None:
                    await self._cloud.aclose()
                    self._cloud = None

    async def _attempt(
        self, client: httpx.AsyncClient, delivery: Delivery, semaphore: asyncio.Semaphore
    ) -> None:
        try:
            outcome = await self._send(client, delivery)
        except asyncio.CancelledError:
            # Shutting down: keep the delivery for the next run instead of losing it.
            with self._condition:
                self._in_flight -= 1
                self._pending.append(delivery)
                self._condition.notify_all()
            raise
        except Exception:  # a broken delivery must not wedge wait_for_deliveries
            outcome = "failed"
        finally:
            semaphore.release()
        with self._condition:
            self._in_flight -= 1
            if outcome == "ok":
                self.counters["succeeded"] += 1
            elif outcome == "unrouted":
                self.counters["unrouted"] += 1
            else:
                self.counters["failed"] += 1
                delivery.attempt += 1
                if delivery.attempt >= self.settings.max_attempts:
                    self.counters["dropped"] += 1
                else:
                    backoff = self.settings.backoff_seconds * 2 ** (delivery.attempt - 1)
                    delivery.due = time.monotonic() + min(
                        backoff, self.settings.max_backoff_seconds
                    )
                    self._pending.append(delivery)
            self._condition.notify_all()
        if outcome in ("ok", "failed"):
            self._set_health(
                delivery.subscription_id, "Healthy" if outcome == "ok" else "TemporaryError"
            )

    async def _send(self, client: httpx.AsyncClient, delivery: Delivery) -> str:
        destination = delivery.destination
        if destination.get("type") != "GoogleCloudPubSub":
            return await self._send_to_cloud(client, delivery)
        topic = destination["topic"]
        route = self.routes.get(topic)
        if route is None and self.pubsub_emulator_url is None:
            return "unrouted"
        with self._condition:
            self.counters["attempted"] += 1
        try:
            if route is None:
                response = await self._publish_to_emulator(client, delivery)
            elif route.envelope == "raw":
                response = await client.post(
                    route.url,
                    content=json.dumps(delivery.body).encode(),
                    headers={"content-type": delivery.content_type},
                )
            else:
                subscription = route.subscription or (
                    f"projects/{destination['projectId']}/subscriptions/{topic}-push"
                )
                envelope = pubsub_push_envelope(
                    delivery.body,
                    message_id=delivery.pubsub_message_id,
                    publish_time=iso_now(),
                    subscription=subscription,
                    attributes=self._attributes(delivery),
                )
                response = await client.post(route.url, json=envelope)
        except httpx.HTTPError:
            return "failed"
        return "ok" if response.status_code in ACK_STATUSES else "failed"

    async def _send_to_cloud(self, client: httpx.AsyncClient, delivery: Delivery) -> str:
        if self._cloud is None:
            self._cloud = CloudDestinations(lambda: self.settings.aws_endpoint_url)
        if not self._cloud.handles(delivery.destination):
            return "unrouted"
        with self._condition:
            self.counters["attempted"] += 1
        subscription = self.store.get(SUBSCRIPTION_TYPE_ID, delivery.subscription_id) or {}
        try:
            accepted = await self._cloud.send(
                client,
                delivery.destination,
                delivery.body,
                delivery.content_type,
                project_key=self.store.project_key,
                subscription_key=subscription.get("key"),
            )
        except Exception:  # the destination refused or is unreachable: redeliver with backoff
            return "failed"
        return "ok" if accepted else "failed"

    async def _publish_to_emulator(
        self, client: httpx.AsyncClient, delivery: Delivery
    ) -> httpx.Response:
        destination = delivery.destination
        url = (
            f"{self.pubsub_emulator_url}/v1/projects/{destination['projectId']}"
            f"/topics/{destination['topic']}:publish"
        )
        data = base64.b64encode(json.dumps(delivery.body).encode()).decode()
        message = {"data": data, "attributes": self._attributes(delivery)}
        return await client.post(url, json={"messages": [message]})

    @staticmethod
    def _attributes(delivery: Delivery) -> dict[str, str]:
        if delivery.content_type == CLOUDEVENTS_CONTENT_TYPE:
            return {"content-type": CLOUDEVENTS_CONTENT_TYPE}
        return {}

    def _set_health(self, subscription_id: str, status: str) -> None:
        with self.store.lock:
            subscription = self.store.get(SUBSCRIPTION_TYPE_ID, subscription_id)
            if subscription is not None and subscription.get("status") != status:
                self.store.put(SUBSCRIPTION_TYPE_ID, {**subscription, "status": status})


def _wants(subscription: dict[str, Any], kind: str, payload: dict[str, Any]) -> bool:
    type_id = payload["resource"]["typeId"]
    if kind == "message":
        return any(
            entry["resourceTypeId"] == type_id
            and (not entry.get("types") or payload["type"] in entry["types"])
            for entry in subscription.get("messages", [])
        )
    return any(entry["resourceTypeId"] == type_id for entry in subscription.get("changes", []))
