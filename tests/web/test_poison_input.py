"""Poison input over real HTTP: what cannot be stored because of its content is acknowledged and
recorded on both databases; 503 only while the store itself is down; a sender that hangs up is
not an error."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from urllib.parse import urlparse

import asyncpg
import httpx
import pytest
from prometheus_client import REGISTRY

from ctbridge.engine.inbox import Inbox
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.web.app import create_app
from tests.conftest import POSTGRES_URL
from tests.engine.recording import open_engine
from tests.web.test_events import ct_message, pubsub


@pytest.fixture
async def served_on(database_url):
    engine, made = await open_engine(database_url)
    app = create_app(engine)
    async with serve_in_loop(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield engine, made["recorder"], client, url
    await engine.close()


def with_resource_id(resource_id: str) -> dict:
    return ct_message("msg-r", resource={"typeId": "product", "id": resource_id})


POISON = {
    "lone surrogate in the id": (ct_message("bad-\ud800"), "id contains a lone UTF-16 surrogate"),
    "lone surrogate in the type": (
        ct_message("msg-t", type="Product\udfffPublished"),
        "type contains a lone UTF-16 surrogate",
    ),
    "lone surrogate in the resource id": (
        with_resource_id("prod-\ud800"),
        "resource_id contains a lone UTF-16 surrogate",
    ),
    "NUL in the id": (ct_message("bad-\x00-id"), "id contains a NUL character"),
    "an id of 10,000 characters": (ct_message("x" * 10_000), "longer than 255"),
}


@pytest.mark.parametrize("case", list(POISON))
async def test_a_delivery_that_cannot_be_stored_is_acknowledged_recorded_and_not_redelivered(
    served_on, case
):
    engine, recorder, client, _ = served_on
    document, reason = POISON[case]
    for attempt in range(2):  # a redelivery gets the same answer, never 503
        response = await client.post("/events", json=pubsub(document))
        assert response.status_code == 202, (attempt, response.text)
        assert response.json()["status"] == "rejected"
        assert reason in response.json()["reason"]
    rejected = await Inbox(engine.store).rejections()
    assert len(rejected) == 2 and reason in rejected[0]["reason"]
    assert rejected[0]["body"]
    good = await client.post("/events", json=pubsub(ct_message("good")))
    assert good.status_code == 202 and good.json()["status"] == "accepted"
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["good"]


def store_failures() -> float:
    return REGISTRY.get_sample_value("ctbridge_store_failures_total", {"operation": "intake"}) or 0


async def test_503_only_when_the_store_is_down_and_the_failure_is_counted(postgres_url):
    engine, _ = await open_engine(postgres_url)
    try:
        async with (
            serve_in_loop(create_app(engine)) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as client,
        ):
            assert (await client.post("/events", json=ct_message("m1"))).status_code == 202
            before = store_failures()
            name = postgres_url.rsplit("/", 1)[1]
            admin = await asyncpg.connect(POSTGRES_URL)
            try:
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            finally:
                await admin.close()
            down = await client.post("/events", json=ct_message("m2"))
            assert down.status_code == 503
            assert store_failures() > before
            metrics = (await client.get("/metrics")).text
            assert "ctbridge_store_failures_total" in metrics
    finally:
        await engine.close()


async def test_a_client_that_hangs_up_mid_body_is_a_debug_event_not_an_error(served_on, caplog):
    engine, recorder, client, url = served_on
    caplog.set_level(logging.DEBUG)

    def disconnected() -> float:
        return (
            REGISTRY.get_sample_value(
                "ctbridge_rejected_total",
                {"source": "commercetools", "reason": "client_disconnected"},
            )
            or 0
        )

    before = disconnected()
    address = urlparse(url)
    with socket.create_connection((address.hostname, address.port)) as raw:
        raw.sendall(
            b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n" + json.dumps(ct_message("cut")).encode()[:50]
        )
    deadline = time.monotonic() + 15
    while disconnected() == before:
        assert time.monotonic() < deadline, "the hang-up was never noticed"
        await asyncio.sleep(0.02)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert (await Inbox(engine.store).stats()).pending == 0
