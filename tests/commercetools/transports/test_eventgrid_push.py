"""Azure Event Grid webhook deliveries to `/events`: both handshakes, the access key, batches."""

from __future__ import annotations

import json

import httpx
import pytest
from tests.engine.recording import open_engine

from ctbridge.commercetools.transports.settings import TransportSettings
from ctbridge.engine.inbox import Inbox
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.web.app import create_app

KEY = "eventgrid-access-key"


def cloud_event(message_id: str) -> dict:
    return {
        "specversion": "1.0",
        "id": f"ce-{message_id}",
        "type": "com.commercetools.product.message.ProductPublished",
        "source": "/sandbox/products",
        "datacontenttype": "application/json",
        "data": {
            "notificationType": "Message",
            "id": message_id,
            "version": 1,
            "sequenceNumber": 1,
            "resource": {"typeId": "product", "id": f"p-{message_id}"},
            "resourceVersion": 1,
            "type": "ProductPublished",
        },
    }


@pytest.fixture
async def eventgrid_app(sqlite_url):
    engine, made = await open_engine(sqlite_url)
    settings = TransportSettings(destination_type="EventGrid", destination_access_key=KEY)
    async with (
        serve_in_loop(create_app(engine, transports=settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield engine, made["recorder"], client
    await engine.close()


async def test_the_cloudevents_options_handshake_is_answered(eventgrid_app):
    _, _, client = eventgrid_app
    response = await client.request(
        "OPTIONS", "/events", headers={"WebHook-Request-Origin": "eventgrid.azure.net"}
    )
    assert response.status_code == 200
    assert response.headers["webhook-allowed-origin"] == "eventgrid.azure.net"
    assert (await client.request("OPTIONS", "/events")).status_code == 400


async def test_the_event_grid_schema_validation_event_is_answered_with_its_code(eventgrid_app):
    engine, _, client = eventgrid_app
    validation = [
        {
            "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
            "topic": "/subscriptions/x/resourceGroups/y/providers/Microsoft.EventGrid/topics/ct",
            "subject": "",
            "data": {
                "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
                "validationUrl": "https://rp-eastus2.eventgrid.azure.net/validate?code=x",
            },
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "eventTime": "2026-11-30T10:00:00Z",
            "metadataVersion": "1",
            "dataVersion": "1",
        }
    ]
    response = await client.post(
        "/events",
        json=validation,
        headers={"aeg-event-type": "SubscriptionValidation", "aeg-sas-key": KEY},
    )
    assert response.status_code == 200
    assert response.json() == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    assert await Inbox(engine.store).task_counts() == {}


async def test_a_cloudevents_delivery_with_the_access_key_is_stored(eventgrid_app):
    engine, recorder, client = eventgrid_app
    response = await client.post(
        "/events",
        content=json.dumps(cloud_event("e1")),
        headers={"content-type": "application/cloudevents+json", "aeg-sas-key": KEY},
    )
    assert response.status_code == 202, response.text
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["e1"]


async def test_a_cloudevents_batch_is_split_into_its_messages(eventgrid_app):
    engine, recorder, client = eventgrid_app
    batch = [cloud_event("b1"), cloud_event("b2"), cloud_event("b1")]
    response = await client.post(
        "/events",
        content=json.dumps(batch),
        headers={"content-type": "application/cloudevents-batch+json", "aeg-sas-key": KEY},
    )
    assert response.status_code == 202, response.text
    await engine.run_until_idle()
    assert sorted(m.id for m in recorder.applied) == ["b1", "b2"]


async def test_an_event_grid_schema_event_carries_the_message_in_data(eventgrid_app):
    engine, recorder, client = eventgrid_app
    event = {
        "id": "eg-1",
        "subject": "product",
        "eventType": "ProductPublished",
        "eventTime": "2026-11-30T10:00:00Z",
        "dataVersion": "1",
        "data": cloud_event("g1")["data"],
    }
    response = await client.post("/events", json=[event], headers={"aeg-sas-key": KEY})
    assert response.status_code == 202, response.text
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["g1"]


@pytest.mark.parametrize("headers", [{}, {"aeg-sas-key": "wrong"}, {"aeg-sas-key": KEY[:-1]}])
async def test_a_delivery_without_the_access_key_is_refused(eventgrid_app, headers):
    engine, _, client = eventgrid_app
    response = await client.post("/events", json=cloud_event("x"), headers=headers)
    assert response.status_code == 401
    await engine.run_until_idle()
    assert await Inbox(engine.store).task_counts() == {}


def test_an_aws_access_key_is_never_taken_for_an_event_grid_key():
    settings = TransportSettings(destination_type="SQS", destination_access_key="AKIA...")
    assert settings.eventgrid_key is None and not settings.authentication_configured
