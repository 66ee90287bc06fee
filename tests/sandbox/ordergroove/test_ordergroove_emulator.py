"""The Ordergroove emulator behaves like the documented product API, over real HTTP."""

import json
import time
from decimal import Decimal

import httpx
import pytest

from ctbridge.sandbox.ordergroove import OrdergrooveEmulator
from ctbridge.sandbox.ordergroove.rate_window import SlidingWindow
from ctbridge.sandbox.server import BackgroundServer

KEY = "og-test-key"
HEADERS = {"x-api-key": KEY, "Content-Type": "application/json"}


@pytest.fixture
def emulator():
    emu = OrdergrooveEmulator(KEY, rate_limit=None)
    with BackgroundServer(emu.app) as server:
        emu.url = server.url
        yield emu


def post(emu, items, path="/products-batch/create/", method="POST", headers=HEADERS):
    body = items if isinstance(items, str) else json.dumps(items)
    return httpx.request(method, f"{emu.url}{path}", content=body, headers=headers, timeout=5)


def test_bulk_create_answers_207_with_a_status_per_item(emulator):
    response = post(emulator, [{"product_id": "A", "price": 12.5}, {"product_id": ""}])
    assert response.status_code == 207
    assert response.json() == {
        "results": [{"product_id": "A", "status": 200}, {"product_id": "", "status": 400}]
    }
    assert emulator.product("A")["price"] == Decimal("12.5")


def test_creating_an_existing_product_is_a_per_item_400(emulator):
    post(emulator, [{"product_id": "A"}])
    response = post(emulator, [{"product_id": "A"}, {"product_id": "B"}])
    assert [r["status"] for r in response.json()["results"]] == [400, 200]


def test_bulk_update_merges_partial_objects_and_404s_unknown_products(emulator):
    post(emulator, [{"product_id": "A", "name": "Beans", "live": True}])
    response = post(
        emulator,
        [{"product_id": "A", "live": False}, {"product_id": "NOPE", "live": False}],
        path="/products-batch/update/",
        method="PATCH",
    )
    assert [r["status"] for r in response.json()["results"]] == [200, 404]
    assert emulator.product("A")["name"] == "Beans"
    assert emulator.product("A")["live"] is False


@pytest.mark.parametrize(
    "item",
    [
        {"product_id": "A", "price": "12.50"},
        {"product_id": "A", "live": "yes"},
        {"product_id": "A", "extra_data": {"a": 1}},
        {"product_id": "A", "extra_data": "{not json"},
        {"product_id": "A", "groups": ["x"]},
        {"product_id": "A", "product_type": "weird"},
        {"product_id": "A", "price": -1},
        {"name": "no id"},
        {"product_id": "A", "title": "a field the schema does not have"},
        {"product_id": "A", "every": "2"},
    ],
)
def test_invalid_items_are_rejected_one_by_one(emulator, item):
    response = post(emulator, [item, {"product_id": "OK"}])
    assert [r["status"] for r in response.json()["results"]] == [400, 200]


def test_more_than_100_items_is_a_whole_call_400(emulator):
    response = post(emulator, [{"product_id": str(i)} for i in range(101)])
    assert response.status_code == 400
    assert emulator.products == {}


def test_a_body_that_is_not_a_list_is_a_whole_call_400(emulator):
    assert post(emulator, {"product_id": "A"}).status_code == 400


def test_a_wrong_api_key_is_403_authentication_failed(emulator):
    response = post(emulator, [{"product_id": "A"}], headers={"x-api-key": "wrong"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication Failed"}


def test_retrieve_returns_price_as_string_and_the_external_id(emulator):
    post(emulator, [{"product_id": "A/1", "price": 16.99, "name": "Beans"}])
    response = httpx.get(f"{emulator.url}/products/A%2F1/", headers=HEADERS)
    assert response.status_code == 200
    body = response.json()
    assert body["price"] == "16.99"
    assert body["external_product_id"] == "A/1"
    missing = httpx.get(f"{emulator.url}/products/B/", headers=HEADERS)
    assert missing.status_code == 404


def test_calls_beyond_the_rate_limit_get_429_with_retry_after(emulator):
    emulator.set_rate_limit(2, window_seconds=60)
    statuses = [post(emulator, [{"product_id": f"P{i}"}]).status_code for i in range(3)]
    assert statuses == [207, 207, 429]
    throttled = post(emulator, [{"product_id": "X"}])
    assert int(throttled.headers["Retry-After"]) >= 1
    assert emulator.snapshot()["refused"]["throttled"] == 2


def test_sliding_window_frees_a_slot_when_the_oldest_call_leaves_it():
    window = SlidingWindow(2, window_seconds=60)
    assert window.admit(0.0) is None
    assert window.admit(10.0) is None
    assert window.admit(30.0) == pytest.approx(30.0)
    assert window.admit(60.0) is None


def test_forbid_after_calls_refuses_later_bulk_calls(emulator):
    emulator.forbid_after_calls = 1
    assert post(emulator, [{"product_id": "A"}]).status_code == 207
    assert post(emulator, [{"product_id": "B"}]).status_code == 403


def test_reject_items_fails_those_items_only(emulator):
    emulator.reject_items = {"BAD"}
    response = post(emulator, [{"product_id": "BAD"}, {"product_id": "GOOD"}])
    assert [r["status"] for r in response.json()["results"]] == [400, 200]


def test_fault_injection_wraps_the_app(emulator):
    emulator.faults.configure(fail_next=1, error_status=503)
    assert post(emulator, [{"product_id": "A"}]).status_code == 503
    assert post(emulator, [{"product_id": "A"}]).status_code == 207


def test_state_endpoint_reports_counts(emulator):
    post(emulator, [{"product_id": "A"}])
    state = httpx.get(f"{emulator.url}/__state").json()
    assert state["calls"] == {"create": 1}
    assert state["products"] == 1


def test_bulk_update_refuses_the_query_parameter_only_bulk_create_documents(emulator):
    post(emulator, [{"product_id": "A"}])
    response = post(
        emulator,
        [{"product_id": "A", "live": False}],
        path="/products-batch/update/?force_all_fields=false",
        method="PATCH",
    )
    assert response.status_code == 400
    assert (
        post(
            emulator, [{"product_id": "B"}], path="/products-batch/create/?force_all_fields=false"
        ).status_code
        == 207
    )


def test_a_duplicate_create_can_be_a_whole_call_409_that_applies_nothing(emulator):
    emulator.duplicate_create = "conflict-409"
    post(emulator, [{"product_id": "A", "name": "old"}])
    response = post(emulator, [{"product_id": "A", "name": "new"}, {"product_id": "B"}])
    assert response.status_code == 409
    assert emulator.product("A")["name"] == "old" and emulator.product("B") is None


def test_a_duplicate_create_can_be_an_upsert_answered_200(emulator):
    emulator.duplicate_create = "upsert-200"
    post(emulator, [{"product_id": "A", "name": "old"}])
    response = post(emulator, [{"product_id": "A", "name": "new"}])
    assert response.status_code == 200
    assert response.json()["results"] == [{"product_id": "A", "status": 200}]
    assert emulator.product("A")["name"] == "new"
    assert emulator.snapshot()["created_more_than_once"] == 0


def test_retry_after_can_be_an_http_date(emulator):
    emulator.set_rate_limit(1, window_seconds=60)
    emulator.retry_after_as_date = True
    post(emulator, [{"product_id": "A"}])
    throttled = post(emulator, [{"product_id": "B"}])
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"].endswith("GMT")


def test_an_outage_answers_503_until_it_ends(emulator):
    emulator.outage(60)
    assert post(emulator, [{"product_id": "A"}]).status_code == 503
    emulator.outage(0)
    assert post(emulator, [{"product_id": "A"}]).status_code == 207


def test_latency_delays_every_answer(emulator):
    emulator.latency_ms = 200
    started = time.monotonic()
    post(emulator, [{"product_id": "A"}])
    assert time.monotonic() - started >= 0.2


def test_control_resets_products_counts_and_the_rate_window(emulator):
    emulator.set_rate_limit(1, window_seconds=60)
    post(emulator, [{"product_id": "A"}])
    httpx.post(f"{emulator.url}/__control", json={"reset": True})
    assert emulator.products == {}
    assert post(emulator, [{"product_id": "A"}]).status_code == 207
