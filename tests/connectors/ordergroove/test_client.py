"""The Ordergroove client against the emulator: auth header, 207 results, typed errors, retries."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ctbridge.connectors.ordergroove.client import (
    OrdergrooveClient,
    OrdergrooveRejected,
    OrdergrooveUnavailable,
)
from ctbridge.errors import Permanent, Retryable
from ctbridge.http.retry_after import parse_retry_after
from ctbridge.sandbox.ordergroove import OrdergrooveEmulator
from ctbridge.sandbox.server import BackgroundServer

KEY = "og-client-key"


@pytest.fixture
def emulator():
    emu = OrdergrooveEmulator(KEY, rate_limit=None)
    with BackgroundServer(emu.app) as server:
        emu.url = server.url
        yield emu


@pytest.fixture
async def client(emulator):
    og = OrdergrooveClient(api_url=emulator.url, api_key=KEY, timeout=2.0, backoff_seconds=0.01)
    yield og
    await og.aclose()


async def test_bulk_create_sends_the_api_key_and_reads_per_item_results(client, emulator):
    results = await client.create_products(
        [{"product_id": "A", "price": Decimal("12.34")}, {"product_id": "B", "live": "no"}]
    )
    assert [(r.product_id, r.status, r.ok) for r in results] == [
        ("A", 200, True),
        ("B", 400, False),
    ]
    assert emulator.product("A")["price"] == Decimal("12.34")


async def test_bulk_update_reports_unknown_products_as_404(client, emulator):
    await client.create_products([{"product_id": "A"}])
    results = await client.update_products(
        [{"product_id": "A", "live": False}, {"product_id": "Z", "live": False}]
    )
    assert [r.status for r in results] == [200, 404]


async def test_get_product_url_encodes_the_sku_and_returns_none_when_absent(client):
    await client.create_products([{"product_id": "A/B 1", "price": Decimal("1.50")}])
    found = await client.get_product("A/B 1")
    assert found["external_product_id"] == "A/B 1"
    assert found["price"] == "1.50"
    assert await client.get_product("missing") is None


async def test_more_than_100_products_is_refused_before_sending(client, emulator):
    with pytest.raises(ValueError):
        await client.create_products([{"product_id": str(i)} for i in range(101)])
    assert emulator.calls == {}


async def test_a_wrong_key_is_permanent_and_not_retried(emulator):
    og = OrdergrooveClient(api_url=emulator.url, api_key="wrong", backoff_seconds=0.01)
    try:
        with pytest.raises(OrdergrooveRejected) as caught:
            await og.create_products([{"product_id": "A"}])
    finally:
        await og.aclose()
    assert isinstance(caught.value, Permanent)
    assert caught.value.status == 403
    assert "wrong" not in str(caught.value)
    assert og.calls == 1


async def test_5xx_is_retried_within_the_budget(client, emulator):
    emulator.faults.configure(fail_next=2, error_status=503)
    results = await client.create_products([{"product_id": "A"}])
    assert results[0].ok
    assert client.calls == 3


async def test_5xx_beyond_the_budget_is_retryable(emulator):
    og = OrdergrooveClient(api_url=emulator.url, api_key=KEY, max_retries=1, backoff_seconds=0.01)
    emulator.faults.configure(fail_next=5, error_status=502)
    try:
        with pytest.raises(OrdergrooveUnavailable) as caught:
            await og.create_products([{"product_id": "A"}])
    finally:
        await og.aclose()
    assert isinstance(caught.value, Retryable)
    assert og.calls == 2


async def test_429_waits_per_retry_after_then_succeeds(client, emulator):
    emulator.faults.configure(throttle_next=1, retry_after=0.05)
    results = await client.create_products([{"product_id": "A"}])
    assert results[0].ok
    assert emulator.faults.injected["throttled"] == 1


async def test_429_without_budget_carries_retry_after(emulator):
    og = OrdergrooveClient(api_url=emulator.url, api_key=KEY, max_retries=0)
    emulator.faults.configure(throttle_next=1, retry_after=7)
    try:
        with pytest.raises(OrdergrooveUnavailable) as caught:
            await og.update_products([{"product_id": "A", "live": True}])
    finally:
        await og.aclose()
    assert caught.value.status == 429
    assert caught.value.retry_after == 7


async def test_timeouts_are_retryable(emulator):
    og = OrdergrooveClient(api_url=emulator.url, api_key=KEY, timeout=0.2, max_retries=0)
    emulator.faults.configure(timeout_rate=1.0, timeout_seconds=1.0)
    try:
        with pytest.raises(OrdergrooveUnavailable):
            await og.create_products([{"product_id": "A"}])
    finally:
        await og.aclose()


async def test_every_call_is_paced_by_the_limiter(emulator):
    paced = []

    async def pace():
        paced.append(1)

    og = OrdergrooveClient(api_url=emulator.url, api_key=KEY, pace=pace, backoff_seconds=0.01)
    emulator.faults.configure(fail_next=1, error_status=500)
    try:
        await og.create_products([{"product_id": "A"}])
    finally:
        await og.aclose()
    assert len(paced) == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0.5", 0.5), ("Tue, 01 Dec 2026 03:00:05 GMT", 5.0), ("garbage", None)],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(header, expected):
    now = datetime(2026, 12, 1, 3, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == expected


async def test_a_429_whose_retry_after_is_a_date_is_waited_out(emulator):
    emulator.set_rate_limit(1, window_seconds=1.5)
    emulator.retry_after_as_date = True
    og = OrdergrooveClient(
        api_url=emulator.url, api_key=KEY, timeout=2.0, backoff_seconds=0.001, max_retries=1
    )
    try:
        await og.create_products([{"product_id": "A"}])
        results = await og.create_products([{"product_id": "B"}])
    finally:
        await og.aclose()
    assert [r.status for r in results] == [200]


async def test_a_long_retry_after_is_handed_to_the_worker_not_slept(emulator):
    # Before the shared HTTP layer the client slept up to 120 s per retry, four times.
    og = OrdergrooveClient(api_url=emulator.url, api_key=KEY, backoff_seconds=0.01)
    emulator.faults.configure(throttle_next=5, retry_after=120)
    try:
        with pytest.raises(OrdergrooveUnavailable) as caught:
            await og.update_products([{"product_id": "A", "live": True}])
    finally:
        await og.aclose()
    assert caught.value.retry_after == 120
    assert emulator.faults.injected["throttled"] == 1


async def test_a_duplicate_create_answered_409_is_returned_per_item(client, emulator):
    emulator.duplicate_create = "conflict-409"
    await client.create_products([{"product_id": "A"}])
    results = await client.create_products([{"product_id": "A"}, {"product_id": "B"}])
    assert [(r.product_id, r.status) for r in results] == [("A", 409), ("B", 409)]


async def test_a_429_hands_its_retry_after_to_the_shared_limiter_and_retries(emulator):
    paused: list[float] = []
    paces = 0

    async def pace() -> None:
        nonlocal paces
        paces += 1

    async def on_throttle(seconds: float) -> None:
        paused.append(seconds)

    emulator.faults.configure(throttle_next=1, retry_after=7, paths=["/products-batch"])
    og = OrdergrooveClient(api_url=emulator.url, api_key=KEY, pace=pace, on_throttle=on_throttle)
    try:
        results = await og.create_products([{"product_id": "A"}])
    finally:
        await og.aclose()
    assert [r.status for r in results] == [200]
    assert paused == [7.0]
    assert paces == 2
