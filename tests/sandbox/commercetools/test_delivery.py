"""Subscription delivery to HTTP push endpoints: envelopes, formats and at-least-once knobs."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from tests.sandbox.commercetools.receiver import Receiver

from ctbridge.commercetools.messages import IgnoredDelivery, parse_delivery
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer


def subscribe(
    emulator: CommercetoolsEmulator, topic: str = "ct-events", **extra: Any
) -> dict[str, Any]:
    draft = {
        "key": f"sub-{topic}",
        "destination": {"type": "GoogleCloudPubSub", "projectId": "gcp-proj", "topic": topic},
        "messages": [{"resourceTypeId": "inventory-entry"}],
        **extra,
    }
    subscription = emulator.create("subscriptions", draft)
    # Let the test notification arrive first: delivery is unordered, like the platform's.
    assert emulator.wait_for_deliveries(10)
    return subscription


@pytest.fixture
def routed(
    emulator: CommercetoolsEmulator, server: BackgroundServer, receiver: tuple[Receiver, str]
) -> Receiver:
    target, url = receiver
    emulator.route_topic("ct-events", url)
    return target


def messages_only(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in payloads if p.get("notificationType") == "Message"]


def test_pubsub_push_envelope_carries_the_message(
    emulator: CommercetoolsEmulator, routed: Receiver
) -> None:
    subscription = subscribe(emulator)
    entry = emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    assert emulator.wait_for_deliveries(10)

    assert len(routed.bodies) == 2
    for body in routed.bodies:
        assert body["subscription"] == "projects/gcp-proj/subscriptions/ct-events-push"
        envelope = body["message"]
        assert envelope["messageId"] == envelope["message_id"]
        assert envelope["publishTime"] == envelope["publish_time"]
        assert isinstance(envelope["attributes"], dict)
    payloads = routed.decoded()
    (test_notification,) = [p for p in payloads if p["notificationType"] == "ResourceCreated"]
    (message,) = messages_only(payloads)
    assert test_notification["notificationType"] == "ResourceCreated"
    assert test_notification["resource"] == {"typeId": "subscription", "id": subscription["id"]}
    assert message["notificationType"] == "Message"
    assert message["projectKey"] == "sandbox"
    assert message["type"] == "InventoryEntryCreated"
    assert message["resource"]["id"] == entry["id"]
    assert message["sequenceNumber"] == 1
    assert message["inventoryEntry"]["quantityOnStock"] == 2


def test_message_types_filter_what_is_delivered(
    emulator: CommercetoolsEmulator, routed: Receiver
) -> None:
    subscribe(
        emulator,
        messages=[{"resourceTypeId": "inventory-entry", "types": ["InventoryEntryDeleted"]}],
    )
    entry = emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    emulator.delete("inventory", entry["id"])
    assert emulator.wait_for_deliveries(10)
    assert [m["type"] for m in messages_only(routed.decoded())] == ["InventoryEntryDeleted"]


def test_cloudevents_format_wraps_the_message(
    emulator: CommercetoolsEmulator, routed: Receiver
) -> None:
    subscribe(emulator, format={"type": "CloudEvents", "cloudEventsVersion": "1.0"})
    entry = emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    assert emulator.wait_for_deliveries(10)
    event = routed.decoded()[-1]
    assert event["specversion"] == "1.0"
    assert event["type"] == "com.commercetools.inventory-entry.message.InventoryEntryCreated"
    assert event["source"] == "/sandbox/inventory-entry"
    assert event["subject"] == entry["id"]
    assert event["sequence"] == "1"
    assert event["dataref"] == f"/sandbox/messages/{event['id']}"
    assert event["data"]["inventoryEntry"]["sku"] == "S"
    assert event["time"] == event["data"]["createdAt"]


def test_raw_route_posts_structured_cloudevents(
    emulator: CommercetoolsEmulator, server: BackgroundServer, receiver: tuple[Receiver, str]
) -> None:
    target, url = receiver
    response = httpx.post(
        f"{server.url}/__sandbox/topics",
        json={"topic": "raw", "pushEndpoint": url, "envelope": "raw"},
    )
    assert response.json()["raw"]["url"] == url
    subscribe(emulator, topic="raw", format={"type": "CloudEvents", "cloudEventsVersion": "1.0"})
    emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    assert emulator.wait_for_deliveries(10)
    assert target.headers[-1]["content-type"] == "application/cloudevents+json"
    assert target.bodies[-1]["data"]["type"] == "InventoryEntryCreated"


def test_duplicate_rate_one_delivers_every_message_twice(
    emulator: CommercetoolsEmulator, routed: Receiver
) -> None:
    subscribe(emulator)
    emulator.delivery.configure(duplicate_rate=1.0)
    entry = emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    emulator.update("inventory", entry["id"], [{"action": "changeQuantity", "quantity": 5}])
    assert emulator.wait_for_deliveries(10)
    delivered = messages_only(routed.decoded())
    assert len(delivered) == 4
    assert len({m["id"] for m in delivered}) == 2
    assert emulator.delivery.counters["duplicated"] == 2


def test_shuffle_window_reorders_but_loses_nothing(
    emulator: CommercetoolsEmulator, routed: Receiver
) -> None:
    subscribe(emulator)
    assert emulator.wait_for_deliveries(10)
    emulator.delivery.configure(paused=True)
    entry = emulator.create("inventory", {"sku": "S", "quantityOnStock": 0})
    for quantity in range(1, 8):
        emulator.update(
            "inventory", entry["id"], [{"action": "changeQuantity", "quantity": quantity}]
        )
    emulator.delivery.configure(paused=False, shuffle_window=8, concurrency=1, seed=3)
    assert emulator.wait_for_deliveries(10)
    sequence = [m["sequenceNumber"] for m in messages_only(routed.decoded())]
    assert sorted(sequence) == list(range(1, 9))
    assert sequence != sorted(sequence)


def test_non_2xx_is_redelivered_with_backoff(
    emulator: CommercetoolsEmulator, routed: Receiver
) -> None:
    subscribe(emulator)
    assert emulator.wait_for_deliveries(10)
    emulator.delivery.configure(backoff_seconds=0.01)
    routed.statuses.extend([500, 503])
    emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    assert emulator.wait_for_deliveries(10)
    assert [m["type"] for m in messages_only(routed.decoded())] == ["InventoryEntryCreated"]
    counters = emulator.delivery.counters
    assert counters["failed"] == 2 and counters["succeeded"] == 2 and counters["dropped"] == 0
    assert emulator.get("subscriptions", "key=sub-ct-events")["status"] == "Healthy"


def test_redelivery_gives_up_after_max_attempts(
    emulator: CommercetoolsEmulator, routed: Receiver
) -> None:
    subscribe(emulator)
    assert emulator.wait_for_deliveries(10)
    emulator.delivery.configure(backoff_seconds=0.01, max_attempts=3)
    routed.statuses.extend([500] * 3)
    emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    assert emulator.wait_for_deliveries(10)
    assert emulator.delivery.counters["dropped"] == 1
    assert messages_only(routed.decoded()) == []
    assert emulator.get("subscriptions", "key=sub-ct-events")["status"] == "TemporaryError"


def test_oversized_payload_is_replaced_by_payload_not_included(
    emulator: CommercetoolsEmulator, routed: Receiver
) -> None:
    subscribe(emulator)
    emulator.delivery.configure(payload_limit_bytes=300)
    entry = emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    assert emulator.wait_for_deliveries(10)
    (message,) = messages_only(routed.decoded())
    assert message["payloadNotIncluded"]["payloadType"] == "InventoryEntryCreated"
    assert message["payloadNotIncluded"]["reason"]
    assert "inventoryEntry" not in message
    assert message["resource"]["id"] == entry["id"] and message["sequenceNumber"] == 1


def test_change_subscriptions_receive_resource_notifications(
    emulator: CommercetoolsEmulator, routed: Receiver
) -> None:
    subscribe(emulator, messages=[], changes=[{"resourceTypeId": "channel"}])
    channel = emulator.create("channels", {"key": "c"})
    emulator.update("channels", channel["id"], [{"action": "changeName", "name": {"en": "n"}}])
    assert emulator.wait_for_deliveries(10)
    notifications = [p for p in routed.decoded() if p["resource"]["typeId"] == "channel"]
    assert [n["notificationType"] for n in notifications] == ["ResourceCreated", "ResourceUpdated"]
    assert notifications[1]["version"] == 2 and notifications[1]["oldVersion"] == 1


def test_delivery_control_route_sets_knobs_and_reports_counters(
    emulator: CommercetoolsEmulator, server: BackgroundServer
) -> None:
    response = httpx.post(
        f"{server.url}/__sandbox/delivery", json={"duplicate_rate": 0.5, "max_attempts": 2}
    )
    assert response.status_code == 200
    assert response.json()["settings"]["duplicate_rate"] == 0.5
    assert emulator.delivery.settings.max_attempts == 2
    assert httpx.post(f"{server.url}/__sandbox/delivery", json={"bogus": 1}).status_code == 400
    state = httpx.get(f"{server.url}/__sandbox/state").json()
    assert state["delivery"]["counters"]["attempted"] == 0
    assert state["counts"]["state"] == 1


def test_unrouted_topic_is_counted_not_retried(
    emulator: CommercetoolsEmulator, server: BackgroundServer
) -> None:
    subscribe(emulator, topic="nowhere")
    emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    assert emulator.wait_for_deliveries(10)
    assert emulator.delivery.counters["unrouted"] == 2
    assert emulator.delivery.counters["attempted"] == 0


def test_pubsub_emulator_destination_receives_publish_calls(receiver: tuple[Receiver, str]) -> None:
    target, url = receiver
    # The receiver stands in for the Pub/Sub emulator's REST publish endpoint.
    emulator = CommercetoolsEmulator(pubsub_emulator_url=url.removesuffix("/push"))
    publish_app_path = "/v1/projects/gcp-proj/topics/ct-events:publish"

    @target.app.post(publish_app_path)
    async def publish(body: dict) -> dict:
        target.bodies.append(body)
        return {"messageIds": ["1"]}

    with BackgroundServer(emulator.app):
        subscribe(emulator)
        assert emulator.wait_for_deliveries(10)
    (published,) = target.bodies
    data = json.loads(base64.b64decode(published["messages"][0]["data"]))
    assert data["notificationType"] == "ResourceCreated"


@pytest.mark.parametrize(
    ("envelope", "message_format"),
    [
        ("pubsub", {"type": "Platform"}),
        ("pubsub", {"type": "CloudEvents", "cloudEventsVersion": "1.0"}),
        ("raw", {"type": "CloudEvents", "cloudEventsVersion": "1.0"}),
        ("raw", {"type": "Platform"}),
    ],
)
def test_every_delivery_shape_parses_with_ctbridge_ingress(
    emulator: CommercetoolsEmulator,
    server: BackgroundServer,
    receiver: tuple[Receiver, str],
    envelope,
    message_format,
) -> None:
    target, url = receiver
    emulator.route_topic("shapes", url, envelope=envelope)
    subscribe(emulator, topic="shapes", format=message_format)
    entry = emulator.create("inventory", {"sku": "S", "quantityOnStock": 2})
    assert emulator.wait_for_deliveries(10)
    parsed = []
    for body, headers in zip(target.bodies, target.headers, strict=True):
        try:
            parsed.append(parse_delivery(json.dumps(body), headers))
        except IgnoredDelivery:
            continue
    (message,) = parsed
    assert message.type == "InventoryEntryCreated"
    assert message.resource_id == entry["id"]
    assert message.sequence_number == 1


def test_deliveries_queued_while_stopped_go_out_after_start(receiver: tuple[Receiver, str]) -> None:
    target, url = receiver
    emulator = CommercetoolsEmulator()
    emulator.route_topic("ct-events", url)
    emulator.create(
        "subscriptions",
        {
            "destination": {"type": "GoogleCloudPubSub", "projectId": "p", "topic": "ct-events"},
            "messages": [{"resourceTypeId": "inventory-entry"}],
        },
    )
    emulator.create("inventory", {"sku": "S", "quantityOnStock": 1})
    assert emulator.wait_for_deliveries(0.2) is False
    with BackgroundServer(emulator.app):
        assert emulator.wait_for_deliveries(10)
    assert len(target.bodies) == 2
