"""`POST /events` over real HTTP: every delivery shape accepted, bad input acknowledged and recorded."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from ctbridge.engine.inbox import Inbox
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.web.app import create_app
from tests.engine.recording import open_engine


def ct_message(message_id: str = "msg-1", sequence: int = 1, **extra) -> dict:
    return {
        "notificationType": "Message",
        "projectKey": "demo",
        "id": message_id,
        "version": 1,
        "sequenceNumber": sequence,
        "resource": {"typeId": "product", "id": "prod-1"},
        "resourceVersion": sequence,
        "type": "ProductPublished",
        "createdAt": "2026-11-23T10:00:00.000Z",
        "lastModifiedAt": "2026-11-23T10:00:00.000Z",
        "productProjection": {"id": "prod-1"},
        **extra,
    }


def pubsub(document: dict) -> dict:
    data = base64.b64encode(json.dumps(document).encode()).decode()
    return {
        "message": {
            "data": data,
            "attributes": {},
            "messageId": "1",
            "publishTime": "2026-11-23T10:00:00Z",
        },
        "subscription": "projects/demo/subscriptions/ctbridge",
    }


@pytest.fixture
async def served(sqlite_url):
    engine, made = await open_engine(sqlite_url, max_body_bytes=50_000, admin_password="s3cret")
    app = create_app(engine)
    async with serve_in_loop(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield engine, made["recorder"], client
    await engine.close()


async def test_a_pubsub_push_is_stored_and_then_handled(served):
    engine, recorder, client = served
    response = await client.post("/events", json=pubsub(ct_message()))
    assert response.status_code == 202
    assert response.json() == {"status": "accepted", "connectors": ["recorder"]}
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["msg-1"]
    assert recorder.applied[0].payload["productProjection"] == {"id": "prod-1"}


async def test_a_redelivered_message_is_acknowledged_as_duplicate(served):
    engine, recorder, client = served
    await client.post("/events", json=pubsub(ct_message()))
    again = await client.post("/events", json=pubsub(ct_message()))
    assert again.status_code == 202 and again.json()["status"] == "duplicate"
    await engine.run_until_idle()
    assert len(recorder.applied) == 1


async def test_cloud_events_and_platform_formats_are_accepted(served):
    engine, recorder, client = served
    event = {
        "specversion": "1.0",
        "id": "ce-1",
        "type": "com.commercetools.product.message.ProductPublished",
        "source": "/demo/products",
        "data": ct_message("msg-ce"),
    }
    assert (await client.post("/events", json=event)).json()["status"] == "accepted"
    assert (await client.post("/events", json=ct_message("msg-plain", sequence=2))).json()[
        "status"
    ] == "accepted"
    binary = await client.post(
        "/events",
        json=ct_message("msg-binary", sequence=3),
        headers={"ce-specversion": "1.0", "ce-id": "x"},
    )
    assert binary.json()["status"] == "accepted"
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["msg-ce", "msg-plain", "msg-binary"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "body is not JSON"),
        (json.dumps({"message": {"data": "%%%"}}).encode(), "Pub/Sub message data is not base64"),
        (
            json.dumps(
                pubsub({"notificationType": "Message", "type": "ProductPublished"})
            ).encode(),
            "message has no id",
        ),
        (json.dumps(ct_message(sequenceNumber="7")).encode(), "sequenceNumber is not an integer"),
    ],
)
async def test_a_malformed_delivery_is_acknowledged_and_recorded_with_its_reason(
    served, body, reason
):
    engine, recorder, client = served
    response = await client.post(
        "/events", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 202
    assert response.json() == {"status": "rejected", "reason": reason}
    rejected = await Inbox(engine.store).rejections()
    assert rejected[0]["reason"] == reason
    assert rejected[0]["body"] == body.decode("utf-8", "replace")


async def test_the_subscription_test_notification_is_ignored(served):
    engine, recorder, client = served
    test_notification = {
        "notificationType": "ResourceCreated",
        "projectKey": "demo",
        "resource": {"typeId": "subscription", "id": "s1"},
        "version": 1,
    }
    response = await client.post("/events", json=pubsub(test_notification))
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert (await Inbox(engine.store).stats()).pending == 0


async def test_a_body_over_the_limit_is_refused_with_413(served):
    engine, recorder, client = served
    response = await client.post("/events", json=ct_message(padding="x" * 60_000))
    assert response.status_code == 413


async def test_health_readiness_and_metrics(served):
    engine, recorder, client = served
    await client.post("/events", json=ct_message("counted"))
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}
    metrics = (await client.get("/metrics")).text
    assert 'ctbridge_received_total{source="commercetools"}' in metrics
    assert 'ctbridge_queue_depth{status="pending"} 1.0' in metrics


async def test_the_admin_api_needs_the_admin_credentials(served):
    engine, recorder, client = served
    assert (await client.get("/admin/api/status")).status_code == 401
    assert (await client.get("/admin/api/status", auth=("admin", "wrong"))).status_code == 401
    assert (await client.get("/admin/api/status", auth=("root", "s3cret"))).status_code == 401
    ok = await client.get("/admin/api/status", auth=("admin", "s3cret"))
    assert ok.status_code == 200 and ok.json()["connectors"] == ["recorder"]


async def test_dead_letters_are_listed_and_replayed_through_the_admin_api(served):
    engine, recorder, client = served
    recorder.failures["poison"] = ["permanent"]
    await client.post("/events", json=ct_message("poison"))
    await engine.run_until_idle()
    auth = ("admin", "s3cret")
    letters = (await client.get("/admin/api/dead-letters", auth=auth)).json()
    assert [letter["message_id"] for letter in letters] == ["poison"]
    shown = (await client.get(f"/admin/api/dead-letters/{letters[0]['task_id']}", auth=auth)).json()
    assert shown["payload"]["id"] == "poison"
    replayed = await client.post(
        "/admin/api/dead-letters/replay", json={"ids": [letters[0]["task_id"]]}, auth=auth
    )
    assert replayed.json() == {"replayed": 1}
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["poison"]


async def test_the_admin_api_is_disabled_without_a_password(sqlite_url):
    engine, _ = await open_engine(sqlite_url)
    try:
        async with (
            serve_in_loop(create_app(engine)) as url,
            httpx.AsyncClient(base_url=url) as client,
        ):
            response = await client.get("/admin/api/status", auth=("admin", ""))
            assert response.status_code == 403
    finally:
        await engine.close()
