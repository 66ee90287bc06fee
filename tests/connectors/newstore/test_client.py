"""The NewStore client against the emulator: tokens, retries, typed errors, complete paging."""

import pytest

from ctbridge.connectors.newstore import canonical_json
from ctbridge.connectors.newstore.auth import (
    ClientCredentialsGrant,
    IssuedToken,
    PasswordGrant,
    TokenCache,
    TokenGrant,
)
from ctbridge.connectors.newstore.client import NewStoreClient
from ctbridge.connectors.newstore.errors import (
    NewStoreAuthFailed,
    NewStoreRateLimited,
    NewStoreRejected,
    NewStoreTokenRefused,
    NewStoreUnavailable,
    OrderConflict,
)
from ctbridge.errors import Permanent, Retryable
from ctbridge.sandbox.newstore import NewStoreEmulator
from ctbridge.sandbox.server import BackgroundServer


@pytest.fixture
def emulator():
    emu = NewStoreEmulator()
    with BackgroundServer(emu.app) as server:
        emu.url = server.url
        yield emu


@pytest.fixture
async def client(emulator):
    c = NewStoreClient(
        base_url=emulator.url,
        grant=PasswordGrant(emulator.url, emulator.username, emulator.password),
        max_retries=2,
        backoff_seconds=0.01,
        timeout=5,
    )
    yield c
    await c.aclose()


def order_body(external_id="1001", name="Ada"):
    return canonical_json.dumps(
        {
            "external_id": external_id,
            "shop": "s",
            "channel_type": "web",
            "channel_name": "commercetools",
            "shop_locale": "en-US",
            "currency": "EUR",
            "customer_name": name,
            "shipments": [
                {
                    "items": [
                        {
                            "external_item_id": "l1",
                            "product_id": "SKU-1",
                            "price": {"item_price": 1, "item_list_price": 1, "item_tax_lines": []},
                        }
                    ],
                    "shipping_option": {"service_level_identifier": "GROUND", "price": 0, "tax": 0},
                }
            ],
        }
    )


async def test_a_token_is_fetched_once_and_reused(client, emulator):
    emulator.set_stock("A", "DC1", 1)
    for _ in range(3):
        await client.stocked_products_page(0, 10)
    assert emulator.tokens_issued == 1


async def test_client_credentials_are_sent_to_the_realm_token_url(emulator):
    grant = ClientCredentialsGrant(
        f"{emulator.url}/auth/realms/sandbox/protocol/openid-connect/token",
        emulator.client_id,
        emulator.client_secret,
    )
    client = NewStoreClient(base_url=emulator.url, grant=grant, timeout=5)
    try:
        page = await client.stocked_products_page(0, 10)
    finally:
        await client.aclose()
    assert page.total == 0
    assert "secret" not in repr(client)


async def test_an_expired_token_is_refreshed_once_and_the_request_succeeds(client, emulator):
    await client.stocked_products_page(0, 10)
    emulator.expire_tokens()
    await client.stocked_products_page(0, 10)
    assert emulator.tokens_issued == 2


class CountingGrant(TokenGrant):
    def __init__(self, lifetime):
        self.lifetime = lifetime
        self.calls = 0

    async def issue(self, http):
        self.calls += 1
        return IssuedToken(f"t{self.calls}", self.lifetime)


async def test_a_token_is_replaced_before_it_expires_and_reused_while_fresh():
    short, long = CountingGrant(0.0), CountingGrant(3600.0)
    for grant in (short, long):
        cache = TokenCache(grant, http=None)
        await cache.token()
        await cache.token()
    assert (short.calls, long.calls) == (2, 1)


async def test_a_403_that_persists_after_one_refresh_is_rate_limiting_and_retryable(
    client, emulator
):
    emulator.faults.configure(fail_next=10, error_status=403, paths=["/_/"])
    with pytest.raises(NewStoreRateLimited) as caught:
        await client.stocked_products_page(0, 10)
    assert isinstance(caught.value, Retryable)
    assert emulator.tokens_issued == 2


async def test_a_401_that_persists_after_one_refresh_is_permanent(client, emulator):
    # Before the shared HTTP layer it was retried as if NewStore were rate limiting; NewStore
    # answers 401 only when the Authorization header is missing (reference/newstore.md §8.1).
    emulator.faults.configure(fail_next=10, error_status=401, paths=["/_/"])
    with pytest.raises(NewStoreTokenRefused) as caught:
        await client.stocked_products_page(0, 10)
    assert isinstance(caught.value, Permanent)
    assert emulator.tokens_issued == 2
    assert emulator.faults.injected["errors"] == 2


async def test_a_long_retry_after_is_handed_to_the_worker_not_slept(client, emulator):
    # Before the shared HTTP layer the client slept as long as Retry-After said, unbounded.
    emulator.faults.configure(throttle_next=5, retry_after=120, paths=["/_/"])
    with pytest.raises(NewStoreRateLimited) as caught:
        await client.stocked_products_page(0, 10)
    assert caught.value.retry_after == 120
    assert emulator.faults.injected["throttled"] == 1


async def test_transient_5xx_are_retried_then_succeed(client, emulator):
    emulator.faults.configure(fail_next=2, error_status=503, paths=["/_/"])
    page = await client.stocked_products_page(0, 10)
    assert page.items == []


async def test_5xx_beyond_the_retry_budget_raise_retryable(client, emulator):
    emulator.faults.configure(fail_next=10, error_status=502, paths=["/_/"])
    with pytest.raises(NewStoreUnavailable):
        await client.stocked_products_page(0, 10)


async def test_refused_credentials_are_a_typed_auth_error(emulator):
    client = NewStoreClient(
        base_url=emulator.url, grant=PasswordGrant(emulator.url, "u", "wrong"), timeout=5
    )
    try:
        with pytest.raises(NewStoreAuthFailed):
            await client.stocked_products_page(0, 10)
    finally:
        await client.aclose()


async def test_a_bad_request_is_permanent_and_not_retried(client, emulator):
    with pytest.raises(NewStoreRejected) as caught:
        await client.stocked_products_page(0, 1000)
    assert isinstance(caught.value, Permanent)
    assert emulator.count("GET", "/_/v0/hq/stocked_products") == 1


async def test_every_stock_row_is_read_across_many_pages(client, emulator):
    for n in range(1234):
        emulator.set_stock(f"P{n // 3}", f"DC{n % 3}", 1)
    rows = [row async for page in client.stocked_products(page_size=100) for row in page.items]
    assert len(rows) == 1234
    assert len({(r["product_id"], r["fulfillment_node_id"]) for r in rows}) == 1234
    assert emulator.count("GET", "/_/v0/hq/stocked_products") == 13


async def test_an_order_sent_twice_with_the_same_bytes_exists_once(client, emulator):
    emulator.set_stock("SKU-1", "DC1", 3)
    first = await client.fulfill_order(order_body())
    second = await client.fulfill_order(order_body())
    assert first == second
    assert len(emulator.orders) == 1


async def test_the_same_external_id_with_another_payload_is_a_permanent_conflict(client, emulator):
    emulator.set_stock("SKU-1", "DC1", 3)
    await client.fulfill_order(order_body())
    with pytest.raises(OrderConflict):
        await client.fulfill_order(order_body(name="Eve"))


async def test_a_transient_failure_while_injecting_resends_the_same_order_once(client, emulator):
    emulator.set_stock("SKU-1", "DC1", 3)
    emulator.faults.configure(fail_next=1, error_status=500, paths=["/v0/d/fulfill_order"])
    await client.fulfill_order(order_body())
    assert len(emulator.orders) == 1


async def test_the_export_reports_a_watermark_and_none_when_the_api_is_missing(client, emulator):
    client.export_poll_seconds = 0.01
    emulator.set_stock("A", "DC1", 2)
    full = await client.availability_export(None)
    assert full.watermark == emulator.watermark
    assert [r["atp"] for r in full.rows] == [2]
    emulator.set_stock("B", "DC1", 4)
    delta = await client.availability_export(full.watermark)
    assert [r["product_id"] for r in delta.rows] == ["B"]
    emulator.export_enabled = False
    for status in (403, 404, 405, 400):
        emulator.export_missing_status = status
        assert await client.availability_export(None) is None
