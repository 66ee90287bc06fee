"""Availability and external webhooks: behind the API token, answered from Fluent, handled once."""

import hashlib
import hmac
import json

import httpx
import pytest
from tests.notifications.receivers import RecordingApp

from ctbridge.connectors.fluent.routes.external_webhooks import (
    ExternalWebhookRejected,
    ExternalWebhookRetryable,
    ExternalWebhookSender,
    ExternalWebhookUnknown,
)
from ctbridge.engine.connector import Outcome
from ctbridge.sandbox.server import BackgroundServer, free_port

TOKEN = {"X-Api-Token": "t0ken"}


async def test_availability_answers_per_location_from_fulfilment_options(fluent, inbound):
    fluent.logistics.upsert_location("LOC_DC_2")
    fluent.availability.set_location_stock("shirt-m", "LOC_STORE_1", 4)
    fluent.availability.set_location_stock("shirt-m", "LOC_DC_2", 10)
    async with httpx.AsyncClient(base_url=inbound.url, headers=TOKEN) as http:
        everywhere = (await http.get("/fluent/availability", params={"sku": "shirt-m"})).json()
        store = (
            await http.get(
                "/fluent/availability", params={"sku": "shirt-m", "location": "LOC_STORE_1"}
            )
        ).json()
        none = (await http.get("/fluent/availability", params={"sku": "ghost"})).json()
    assert everywhere["locations"] == [
        {"locationRef": "LOC_DC_2", "availableQuantity": 10},
        {"locationRef": "LOC_STORE_1", "availableQuantity": 4},
    ]
    assert (everywhere["available"], everywhere["availableQuantity"]) == (True, 10)
    assert (store["availableQuantity"], len(store["locations"])) == (4, 1)
    assert (none["available"], none["locations"]) == (False, [])


@pytest.mark.parametrize(
    "headers", [{}, {"X-Api-Token": "wrong"}, {"X-Api-Token": "t0ke"}, {"X-Api-Token": "t0ken1"}]
)
async def test_availability_needs_the_exact_api_token(inbound, headers):
    async with httpx.AsyncClient(base_url=inbound.url, headers=headers) as http:
        answer = await http.get("/fluent/availability", params={"sku": "x"})
    assert answer.status_code == 401


async def test_availability_answers_503_when_fluent_is_down(fluent, inbound):
    fluent.faults.configure(fail_next=10, error_status=503, paths=["/graphql"])
    async with httpx.AsyncClient(base_url=inbound.url, headers=TOKEN) as http:
        answer = await http.get("/fluent/availability", params={"sku": "x"})
    fluent.faults.configure()
    assert answer.status_code == 503


async def test_an_external_webhook_reaches_its_named_handler_once(inbound):
    seen = []

    def factory(connector):
        async def handle(message):
            seen.append(message.payload)
            return Outcome("done", "noted")

        return handle

    inbound.registry.add_handler("fluent", "external.carrier-update", factory)
    async with httpx.AsyncClient(base_url=inbound.url, headers=TOKEN) as http:
        body = {"tracking": "TRK-9", "status": "DELIVERED"}
        first = await http.post("/webhooks/external/carrier-update", json=body)
        again = await http.post("/webhooks/external/carrier-update", json=body)
        unknown = await http.post("/webhooks/external/nobody", json=body)
        anonymous = await http.post(
            "/webhooks/external/carrier-update", json=body, headers={"X-Api-Token": ""}
        )
    assert [first.json()["status"], again.json()["status"]] == ["accepted", "duplicate"]
    assert (unknown.status_code, anonymous.status_code) == (404, 401)
    await inbound.run_until_idle(timeout=10)
    assert seen == [
        {"name": "carrier-update", "payload": {"tracking": "TRK-9", "status": "DELIVERED"}}
    ]


async def test_the_sender_posts_signed_json_and_types_its_failures():
    recording = RecordingApp()
    with BackgroundServer(recording.build()) as server:
        sender = ExternalWebhookSender(
            {"erp": f"{server.url}/orders", "down": f"http://127.0.0.1:{free_port()}/x"},
            secret="s3",
            timeout=2,
        )
        assert await sender.send("erp", {"order": "1"}, idempotency_key="k-1") == 200
        _, headers, body = recording.received[0]
        assert json.loads(body) == {"order": "1"} and headers["idempotency-key"] == "k-1"
        assert (
            headers["x-ctbridge-signature"]
            == "sha256=" + hmac.new(b"s3", body, hashlib.sha256).hexdigest()
        )
        recording.status = 422
        with pytest.raises(ExternalWebhookRejected):
            await sender.send("erp", {})
        recording.status = 502
        with pytest.raises(ExternalWebhookRetryable):
            await sender.send("erp", {})
        with pytest.raises(ExternalWebhookRetryable):
            await sender.send("down", {})
        with pytest.raises(ExternalWebhookUnknown):
            await sender.send("nowhere", {})
        await sender.aclose()
