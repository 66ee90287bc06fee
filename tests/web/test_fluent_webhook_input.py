"""`POST /webhooks/fluent` over real HTTP: bounded body, signature first, and every signed body
that cannot be stored refused with a clear 4xx and recorded, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from functools import partial

import httpx
import pytest

from ctbridge.connectors.fluent.config import FluentSettings
from ctbridge.connectors.fluent.connector import FluentConnector
from ctbridge.engine.host import Engine
from ctbridge.engine.inbox import Inbox
from ctbridge.notifications import NotificationSettings
from ctbridge.sandbox.fluent.webhooks import WebhookSigner
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.settings import EngineSettings
from ctbridge.web.app import create_app

ACCOUNT = "ACME"
WEBHOOK_NAME = "fc.connect.order.webhook.order-status-update"


@pytest.fixture(scope="module")
def signer() -> WebhookSigner:
    return WebhookSigner()


@pytest.fixture
async def served(database_url, signer):
    settings = FluentSettings(
        fluent_client_id="c",
        fluent_client_secret="s",
        fluent_username="u",
        fluent_password="p",
        fluent_host="http://127.0.0.1:9",
        fluent_catalogue_ref="PC:MASTER:1",
        fluent_retailer_id="1",
        fluent_webhook_public_keys=signer.public_key_pem,
        fluent_account_id=ACCOUNT,
    )
    engine = await Engine.open(
        EngineSettings(database_url=database_url),
        factories={
            "fluent": partial(
                FluentConnector, settings=settings, notifications=NotificationSettings()
            )
        },
    )
    async with (
        serve_in_loop(create_app(engine)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield engine, client
    await engine.close()


def webhook(**changes) -> dict:
    body = {
        "id": "wh-1",
        "name": WEBHOOK_NAME,
        "accountId": ACCOUNT,
        "retailerId": "1",
        "entityType": "ORDER",
        "entityId": "123",
        "entityRef": "HD-1",
        "entityStatus": "BOOKED",
    }
    body.update(changes)
    return body


async def post_signed(client: httpx.AsyncClient, signer: WebhookSigner, raw: bytes):
    return await client.post("/webhooks/fluent", content=raw, headers=signer.headers(raw))


async def test_a_well_formed_webhook_is_still_accepted(served, signer):
    _engine, client = served
    response = await post_signed(client, signer, json.dumps(webhook()).encode())
    assert (response.status_code, response.json()["status"]) == (202, "accepted")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"[" * 5000 + b"]" * 5000, "not JSON"),
        (json.dumps(webhook(id={"nested": "object"})).encode(), "id is not a string or an integer"),
        (json.dumps(webhook(id=["a"])).encode(), "id is not a string or an integer"),
        (json.dumps(webhook(id=True)).encode(), "id is not a string or an integer"),
        (json.dumps(webhook(id=1.5)).encode(), "id is not a string or an integer"),
        (json.dumps(webhook(id="a\x00b")).encode(), "id contains a NUL character"),
        (json.dumps(webhook(id="x" * 10_000)).encode(), "id is longer than 255"),
        (json.dumps(webhook(entityRef="\ud800")).encode(), "entityRef contains a lone UTF-16"),
        (json.dumps(webhook(name="n\x00")).encode(), "name contains a NUL character"),
    ],
    ids=[
        "nested-5000",
        "id-object",
        "id-list",
        "id-bool",
        "id-float",
        "nul",
        "long-id",
        "surrogate",
        "nul-name",
    ],
)
async def test_a_signed_body_that_cannot_be_stored_is_a_clear_400_and_recorded(
    served, signer, raw, reason
):
    engine, client = served
    response = await post_signed(client, signer, raw)
    assert response.status_code == 400, response.text
    assert reason in response.json()["message"]
    rejected = await Inbox(engine.store).rejections()
    assert [(row["source"], reason in row["reason"]) for row in rejected] == [
        ("fluent-webhook", True)
    ]
    assert (await Inbox(engine.store).stats()).pending == 0
    # The same body again gets the same answer: never a 503 that makes Fluent retry for ever.
    again = await post_signed(client, signer, raw)
    assert again.status_code == 400


async def test_an_oversized_chunked_body_is_refused_without_reading_it_all(served):
    """Unsigned, chunked (no Content-Length) and far over the 1 MiB limit: the route stops
    reading just past the limit. Reading the whole body first (as `request.body()` does) would
    pull all 64 MiB from the sender before even checking the size."""
    engine, _client = served
    pulled = 0

    async def body():
        nonlocal pulled
        for _ in range(1024):
            pulled += 65536
            yield b"x" * 65536

    app = create_app(engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ctbridge.test"
    ) as client:
        response = await client.post("/webhooks/fluent", content=body())
    assert response.status_code == 413
    assert pulled <= 2 * 1024 * 1024
