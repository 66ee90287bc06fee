"""The emulator's Fluent → commercetools side: signed webhooks, fulfilments, stock, events."""

import base64
import json

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from tests.notifications.receivers import RecordingApp

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
    emulator.store.create(
        "ORDER",
        {
            "ref": "HD_1",
            "type": "HD",
            "status": "RECEIVED",
            "items": [{"ref": "li-1"}, {"ref": "li-2"}],
            "attributes": [],
            "customerId": "0",
            "retailerId": "1",
        },
    )
    with BackgroundServer(emulator.app) as server:
        yield emulator, server.url


def client(url: str) -> httpx.Client:
    token = httpx.post(f"{url}/oauth/token", data=FORM).json()["access_token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    with client(url) as http:
        body = http.post("/graphql", json={"query": query, "variables": variables or {}}).json()
    assert "errors" not in body, body
    return body["data"]


def test_webhooks_are_signed_sha512_with_rsa_over_the_exact_bytes_sent(served):
    emulator, _ = served
    recording = RecordingApp()
    with BackgroundServer(recording.build()) as receiver:
        body = emulator.set_order_status("HD_1", "BOOKED")
        assert emulator.webhooks.deliver_sync(body, url=f"{receiver.url}/hook") == 200
    _, headers, raw = recording.received[0]
    assert json.loads(raw)["entityStatus"] == "BOOKED" and json.loads(raw)["entityRef"] == "HD_1"
    key = load_pem_public_key(emulator.public_key_pem.encode())
    signature = base64.b64decode(headers["fluent-signature"])
    key.verify(signature, raw, padding.PKCS1v15(), hashes.SHA512())
    with pytest.raises(InvalidSignature):
        key.verify(signature, raw + b" ", padding.PKCS1v15(), hashes.SHA512())
    assert "flex.signature" in headers


def test_webhook_bodies_carry_only_the_minimal_event_fields(served):
    emulator, _ = served
    body = emulator.set_order_status("HD_1", "PICK_PACK")
    assert set(body) >= {
        "id",
        "name",
        "accountId",
        "retailerId",
        "entityId",
        "entityRef",
        "entityType",
        "entityStatus",
    }
    assert body["rootEntityType"] == "ORDER" and body["attributes"] == {}
    assert emulator.set_order_status("HD_1", "PICK_PACK")["id"] != body["id"]


def test_fulfilments_and_consignments_are_served_with_their_items_location_and_order(served):
    emulator, url = served
    fulfilment = emulator.create_fulfilment("HD_1", "LOC_STORE_1", [("li-1", 2, 1)])
    emulator.create_consignment("CON-9", [fulfilment["ref"]], tracking_label="T9")
    data = graphql(
        url,
        """query($id: ID!, $ref: [String]) {
          fulfilmentById(id: $id) { ref status fromLocation { ref } order { ref }
            items { edges { node { requestedQuantity filledQuantity rejectedQuantity orderItem { ref } } } } }
          consignments(ref: $ref) { edges { node { ref trackingLabel carrier { name }
            consignmentArticles { edges { node { article { items { edges { node { quantity orderItem { ref } } } } } } } } } } }
        }""",
        {"id": fulfilment["id"], "ref": ["CON-9"]},
    )
    found = data["fulfilmentById"]
    assert (found["fromLocation"]["ref"], found["order"]["ref"]) == ("LOC_STORE_1", "HD_1")
    assert found["items"]["edges"][0]["node"] == {
        "requestedQuantity": 2,
        "filledQuantity": 1,
        "rejectedQuantity": 1,
        "orderItem": {"ref": "li-1"},
    }
    consignment = data["consignments"]["edges"][0]["node"]
    article = consignment["consignmentArticles"]["edges"][0]["node"]["article"]
    assert article["items"]["edges"][0]["node"] == {"quantity": 1, "orderItem": {"ref": "li-1"}}
    assert consignment["carrier"]["name"] == "Australia Post"


def test_a_fulfilment_of_an_item_the_order_lacks_is_refused(served):
    emulator, _ = served
    with pytest.raises(KeyError):
        emulator.create_fulfilment("HD_1", "LOC_STORE_1", [("li-9", 1, 1)])


def test_virtual_positions_are_filtered_by_catalogue_and_updated_on_window(served):
    emulator, url = served
    emulator.availability.set_virtual_position("ATS:T", "a", 1, updated_on="2024-01-01T00:00:00Z")
    emulator.availability.set_virtual_position("ATS:T", "b", 2)
    query = """query($c: VirtualCatalogueKey, $u: DateRange) {
      virtualPositions(catalogue: $c, updatedOn: $u, first: 1) {
        edges { cursor node { productRef quantity } } pageInfo { hasNextPage } } }"""
    recent = graphql(url, query, {"c": {"ref": "ATS:T"}, "u": {"from": "2025-01-01T00:00:00Z"}})
    assert [e["node"]["productRef"] for e in recent["virtualPositions"]["edges"]] == ["b"]
    everything = graphql(url, query, {"c": {"ref": "ATS:T"}})
    assert everything["virtualPositions"]["pageInfo"]["hasNextPage"] is True


def test_fulfilment_options_plan_only_locations_with_stock(served):
    emulator, url = served
    emulator.availability.set_location_stock("sku-x", "LOC_STORE_1", 3)
    data = graphql(
        url,
        """mutation($i: CreateFulfilmentOptionInput) { createFulfilmentOption(input: $i) {
          plans { edges { node { fulfilments { locationRef items { productRef availableQuantity } } } } } } }""",
        {
            "i": {
                "orderType": "HD",
                "retailerId": 1,
                "items": [{"productRef": "sku-x", "requestedQuantity": 1}],
            }
        },
    )
    plans = data["createFulfilmentOption"]["plans"]["edges"]
    assert [p["node"]["fulfilments"][0]["locationRef"] for p in plans] == ["LOC_STORE_1"]


def test_the_event_api_searches_by_status_and_window_newest_first_in_pages(served):
    emulator, url = served
    emulator.record_event("A", "FAILED", generated_on="2025-02-01T00:00:00Z")
    emulator.record_event("B", "FAILED", generated_on="2025-03-01T00:00:00Z")
    emulator.record_event("C", "SUCCESS", generated_on="2025-03-01T00:00:00Z")
    emulator.record_event("D", "FAILED", generated_on="2024-01-01T00:00:00Z")
    with client(url) as http:
        page = http.get(
            "/api/v4.1/event",
            params={"eventStatus": "FAILED", "from": "2025-01-01T00:00:00Z", "count": 1},
        ).json()
        bad = http.get("/api/v4.1/event", params={"from": "soon"})
    assert [e["name"] for e in page["results"]] == ["B"] and page["hasMore"] is True
    assert bad.status_code == 400


def test_entity_timestamps_follow_the_emulator_clock():
    emulator = FluentEmulator()
    before = emulator.store.create("CARRIER", {"ref": "C1"})["updatedOn"]
    emulator.advance_clock(3600)
    after = emulator.store.create("CARRIER", {"ref": "C2"})["updatedOn"]
    assert after > before and after[:13] != before[:13]
