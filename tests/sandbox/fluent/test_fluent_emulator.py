"""The Fluent emulator behaves as Fluent does: expiring tokens, GraphQL errors, catalogue workflow."""

import httpx
import pytest

from ctbridge.sandbox.fluent import FluentEmulator
from ctbridge.sandbox.server import BackgroundServer

FORM = {
    "grant_type": "password",
    "scope": "api",
    "client_id": "sandbox-client",
    "client_secret": "sandbox-secret",
    "username": "sandbox-user",
    "password": "sandbox-password",
}


@pytest.fixture(scope="module")
def served():
    emulator = FluentEmulator()
    with BackgroundServer(emulator.app) as server:
        yield emulator, server.url


def token(url: str) -> str:
    response = httpx.post(f"{url}/oauth/token", data=FORM)
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    return response.json()["access_token"]


def event(ref: str, **attributes) -> dict:
    return {
        "name": "UPSERT_PRODUCT",
        "retailerId": "1",
        "entityType": "PRODUCT_CATALOGUE",
        "entitySubtype": "MASTER",
        "entityRef": "PC:MASTER:1",
        "attributes": {"ref": ref, "type": "STANDARD", "name": ref, "gtin": "1", **attributes},
    }


def test_token_endpoint_refuses_bad_credentials(served):
    _, url = served
    assert httpx.post(f"{url}/oauth/token", data={**FORM, "password": "x"}).status_code == 400
    assert httpx.post(f"{url}/oauth/token", data={**FORM, "client_secret": "x"}).status_code == 401


def test_a_token_stops_working_once_the_emulator_clock_passes_its_expiry(served):
    emulator, url = served
    headers = {"Authorization": f"Bearer {token(url)}"}
    query = {"query": '{ settings(name: ["x"]) { edges { node { id } } } }'}
    assert httpx.post(f"{url}/graphql", json=query, headers=headers).status_code == 200
    emulator.advance_clock(86_400)
    expired = httpx.post(f"{url}/graphql", json=query, headers=headers)
    assert expired.status_code == 401 and expired.json()["error"] == "invalid_token"


def test_graphql_input_errors_come_back_as_http_200_with_errors(served):
    _, url = served
    headers = {"Authorization": f"Bearer {token(url)}"}
    body = {
        "query": "mutation C($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
        "variables": {
            "input": {"username": "a@b.c", "promotionOptIn": False, "retailer": {"id": 1}}
        },
    }
    response = httpx.post(f"{url}/graphql", json=body, headers=headers)
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert (
        "primaryEmail" in error["message"]
        and error["extensions"]["classification"] == "ValidationError"
    )


def test_creating_a_second_customer_with_the_same_username_is_a_duplicate_error(served):
    _, url = served
    headers = {"Authorization": f"Bearer {token(url)}"}
    body = {
        "query": "mutation C($input: CreateCustomerInput!) { createCustomer(input: $input) { id ref } }",
        "variables": {
            "input": {
                "username": "dup@b.c",
                "primaryEmail": "dup@b.c",
                "promotionOptIn": False,
                "retailer": {"id": 1},
            }
        },
    }
    first = httpx.post(f"{url}/graphql", json=body, headers=headers).json()
    second = httpx.post(f"{url}/graphql", json=body, headers=headers).json()
    assert first["data"]["createCustomer"]["ref"] == "dup@b.c"
    assert second["data"]["createCustomer"] is None
    assert "already exists" in second["errors"][0]["message"]


def test_upsert_product_creates_then_updates_by_ref_merging_prices_by_type_and_currency(served):
    emulator, url = served
    headers = {"Authorization": f"Bearer {token(url)}"}
    price = {"type": "DEFAULT", "currency": "EUR", "value": 1}
    created = httpx.post(
        f"{url}/api/v4.1/event/sync", json=event("W1", prices=[price]), headers=headers
    ).json()
    assert created["eventStatus"] == "COMPLETE"
    usd = {"type": "DEFAULT", "currency": "USD", "value": 2}
    httpx.post(
        f"{url}/api/v4.1/event/sync",
        json=event("W1", name="Renamed", prices=[usd]),
        headers=headers,
    )
    product = emulator.product("W1")
    assert product["name"] == "Renamed" and len(product["prices"]) == 2
    assert len([p for p in emulator.entities("PRODUCT") if p["ref"] == "W1"]) == 1


def test_a_variant_before_its_standard_product_fails_and_a_bad_envelope_is_rejected(served):
    _, url = served
    headers = {"Authorization": f"Bearer {token(url)}"}
    variant = event("V-orphan", type="VARIANT", standardProductRef="nope")
    assert (
        httpx.post(f"{url}/api/v4.1/event/sync", json=variant, headers=headers).json()[
            "eventStatus"
        ]
        == "FAILED"
    )
    no_retailer = {k: v for k, v in event("X").items() if k != "retailerId"}
    assert (
        httpx.post(f"{url}/api/v4.1/event/sync", json=no_retailer, headers=headers).status_code
        == 400
    )


def test_async_events_are_processed_after_the_answer(served):
    emulator, url = served
    headers = {"Authorization": f"Bearer {token(url)}"}
    answer = httpx.post(f"{url}/api/v4.1/event/async", json=event("A1"), headers=headers).json()
    emulator.wait_for_events(5)
    assert emulator.product("A1")["status"] == "ACTIVE"
    assert (
        httpx.get(f"{url}/api/v4.1/event/{answer['id']}", headers=headers).json()["eventStatus"]
        == "COMPLETE"
    )


def test_faults_can_be_injected(served):
    emulator, url = served
    emulator.faults.configure(fail_next=1, error_status=503)
    assert httpx.post(f"{url}/oauth/token", data=FORM).status_code == 503
    assert httpx.post(f"{url}/oauth/token", data=FORM).status_code == 200
