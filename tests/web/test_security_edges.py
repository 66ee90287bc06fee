"""The app's edges against a browser on another site, slow clients and a locked store."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
from functools import partial
from urllib.parse import urlsplit

import httpx
import pytest

from ctbridge.connectors.ordergroove.config import OrdergrooveSettings
from ctbridge.connectors.ordergroove.connector import OrdergrooveConnector
from ctbridge.engine.host import Engine
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.settings import CommercetoolsSettings, EngineSettings
from ctbridge.web.app import create_app
from tests.engine.recording import open_engine
from tests.web.test_events import ct_message, pubsub

ADMIN = ("admin", "s3cret")
BASIC = "Basic " + base64.b64encode(b"admin:s3cret").decode()
NOWHERE = "http://127.0.0.1:9"


def asgi_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ctbridge.test"
    )


@pytest.fixture
async def engine(sqlite_url):
    engine, _made = await open_engine(sqlite_url, admin_password="s3cret")
    yield engine
    await engine.close()


@pytest.fixture
async def ordergroove(sqlite_url):
    """The Ordergroove connector, whose `POST /service` starts a bulk load."""
    engine = await Engine.open(
        EngineSettings(database_url=sqlite_url, admin_password="s3cret"),
        commercetools_settings=CommercetoolsSettings(
            project_key="p", client_id="c", client_secret="s", api_url=NOWHERE, auth_url=NOWHERE
        ),
        factories={
            "ordergroove": partial(
                OrdergrooveConnector,
                settings=OrdergrooveSettings(
                    ctp_language_code="en-US",
                    ctp_currency_code="EUR",
                    product_store_url="https://shop.example/p/[SLUG]",
                    og_api_url=NOWHERE,
                    og_api_key="k",
                ),
            )
        },
    )
    yield engine
    await engine.close()


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Content-Type": "application/json"},
        {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "text/plain"},
        {},
    ],
    ids=["foreign-origin", "fetch-metadata", "form", "text-plain", "no-content-type"],
)
async def test_a_browser_cannot_start_a_bulk_load_from_another_site(ordergroove, headers):
    async with asgi_client(create_app(ordergroove)) as client:
        response = await client.post(
            "/service?startUpload=true", headers={"Authorization": BASIC, **headers}
        )
    assert response.status_code == 403, response.text
    assert await ordergroove.jobs.runs(None, 10) == []


async def test_the_same_request_made_by_a_script_still_starts_the_load(ordergroove):
    async with asgi_client(create_app(ordergroove)) as client:
        response = await client.post(
            "/service?startUpload=true",
            headers={"Authorization": BASIC, "X-Requested-With": "curl"},
        )
    assert response.status_code == 202, response.text


async def test_admin_actions_refuse_a_foreign_origin_and_accept_their_own(engine):
    async with asgi_client(create_app(engine)) as client:
        foreign = await client.post(
            "/admin/api/dead-letters/replay",
            json={"ids": [1]},
            auth=ADMIN,
            headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        )
        own = await client.post(
            "/admin/api/dead-letters/replay",
            json={"ids": [1]},
            auth=ADMIN,
            headers={"Origin": "http://ctbridge.test", "Sec-Fetch-Site": "same-origin"},
        )
    assert foreign.status_code == 403
    assert (own.status_code, own.json()) == (200, {"replayed": 0})


async def test_a_cross_site_get_with_credentials_starts_nothing(engine):
    async with asgi_client(create_app(engine)) as client:
        response = await client.get(
            "/admin/api/status", auth=ADMIN, headers={"Sec-Fetch-Site": "cross-site"}
        )
    assert response.status_code == 403


async def test_following_a_link_to_the_admin_page_works_but_not_to_a_trigger(ordergroove):
    navigation = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    navigation["Sec-Fetch-Dest"] = "document"
    async with asgi_client(create_app(ordergroove)) as client:
        page = await client.get("/admin", auth=ADMIN, headers=navigation)
        trigger = await client.get("/service?startUpload=true", auth=ADMIN, headers=navigation)
    assert page.status_code == 200
    assert trigger.status_code == 403


async def test_the_admin_page_cannot_be_framed_and_loads_only_its_own_script(engine):
    async with asgi_client(create_app(engine)) as client:
        page = await client.get("/admin", auth=ADMIN)
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_the_api_documentation_is_for_the_admin_only(engine, path):
    async with asgi_client(create_app(engine)) as client:
        anonymous = await client.get(path)
        admin = await client.get(path, auth=ADMIN)
    assert anonymous.status_code == 401
    assert admin.status_code == 200


async def test_metrics_need_the_token_when_one_is_set(sqlite_url):
    engine, _made = await open_engine(sqlite_url, metrics_token="m3trics")
    try:
        async with asgi_client(create_app(engine)) as client:
            anonymous = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
            right = await client.get("/metrics", headers={"Authorization": "Bearer m3trics"})
    finally:
        await engine.close()
    assert (anonymous.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert "ctbridge" in right.text


async def test_metrics_stay_open_without_a_token(engine):
    async with asgi_client(create_app(engine)) as client:
        assert (await client.get("/metrics")).status_code == 200


async def test_an_admin_body_over_the_limit_is_refused_before_it_is_read(sqlite_url):
    engine, _made = await open_engine(sqlite_url, admin_password="s3cret", max_body_bytes=1000)
    try:
        async with asgi_client(create_app(engine)) as client:
            response = await client.post(
                "/admin/api/dead-letters/replay",
                content=json.dumps({"ids": [1] * 1000}),
                auth=ADMIN,
                headers={"Content-Type": "application/json"},
            )
    finally:
        await engine.close()
    assert response.status_code == 413


async def half_sent_body(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        b"POST /events HTTP/1.1\r\nHost: ctbridge\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"message": '
    )
    await writer.drain()
    return reader, writer


async def test_half_sent_bodies_are_cut_off_and_their_connections_closed(sqlite_url):
    """200 clients send headers and a few bytes of body, then nothing: each is answered 503 and
    its connection closed by the server (EOF), none stays open."""
    engine, _made = await open_engine(sqlite_url, request_deadline_seconds=1.0)
    try:
        async with serve_in_loop(create_app(engine)) as url:
            address = urlsplit(url)
            clients = [await half_sent_body(address.hostname, address.port) for _ in range(200)]

            async def answer(reader: asyncio.StreamReader) -> bytes:
                return await asyncio.wait_for(reader.read(), timeout=60)  # read() ends at EOF

            try:
                answers = await asyncio.gather(*(answer(reader) for reader, _ in clients))
            finally:
                for _reader, writer in clients:
                    writer.close()
    finally:
        await engine.close()
    assert all(a.startswith(b"HTTP/1.1 503") for a in answers), {a[:40] for a in answers}


async def test_a_locked_sqlite_store_is_answered_503_before_the_sender_gives_up(sqlite_url):
    """Another process holds SQLite's write lock: /events answers 503 at the configured
    deadline (1 s here; 8 s by default, under Pub/Sub's 10 s), not when the lock is released.
    The message is not lost: the redelivery after the lock is gone is stored."""
    engine, made = await open_engine(sqlite_url, request_deadline_seconds=1.0)
    path = sqlite_url.removeprefix("sqlite:///")
    locker = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        async with (
            serve_in_loop(create_app(engine)) as url,
            httpx.AsyncClient(base_url=url, timeout=25) as client,
        ):
            locker.execute("BEGIN EXCLUSIVE")
            try:
                locked = await client.post("/events", json=pubsub(ct_message("m-locked")))
            finally:
                locker.execute("ROLLBACK")
            assert locked.status_code == 503
            retried = await client.post("/events", json=pubsub(ct_message("m-locked")))
            assert retried.status_code == 202
            await engine.run_until_idle()
    finally:
        locker.close()
        await engine.close()
    assert [m.id for m in made["recorder"].applied] == ["m-locked"]


async def test_a_chunked_body_over_the_app_limit_is_413_on_every_route(sqlite_url):
    """No Content-Length to refuse up front: the app-wide limit stops the stream, on /events
    and on an admin route alike, and reads no more than the limit past the first chunk."""
    engine, _made = await open_engine(sqlite_url, admin_password="s3cret", max_body_bytes=50_000)
    pulled = {"bytes": 0}

    async def body():
        for _ in range(100):
            pulled["bytes"] += 10_000
            yield b" " * 10_000

    try:
        async with asgi_client(create_app(engine)) as client:
            events = await client.post("/events", content=body())
            events_pulled, pulled["bytes"] = pulled["bytes"], 0
            admin = await client.post(
                "/admin/api/dead-letters/replay",
                content=body(),
                auth=ADMIN,
                headers={"Content-Type": "application/json"},
            )
    finally:
        await engine.close()
    assert events.status_code == 413
    assert admin.status_code == 400  # FastAPI reports a body it could not read as 400
    assert events_pulled <= 60_000 and pulled["bytes"] <= 60_000
