"""The emulator's catalogue workflow holds events to Fluent's Product Catalog workflow contract."""

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


@pytest.fixture
def served():
    emulator = FluentEmulator(catalogue_refs=("PC:MASTER:1", "DEFAULT:1"))
    with BackgroundServer(emulator.app) as server:
        headers = {
            "Authorization": "Bearer "
            + httpx.post(f"{server.url}/oauth/token", data=FORM).json()["access_token"]
        }
        yield emulator, server.url, headers


def category(ref, catalogue="PC:MASTER:1", subtype="MASTER", **attributes) -> dict:
    return {
        "name": "UPSERT_CATEGORY",
        "retailerId": "1",
        "entityType": "PRODUCT_CATALOGUE",
        "entitySubtype": subtype,
        "entityRef": catalogue,
        "rootEntityType": "PRODUCT_CATALOGUE",
        "rootEntityRef": catalogue,
        "attributes": {"ref": ref, "type": "STANDARD", "name": ref.title(), **attributes},
    }


def send(url, headers, body) -> dict:
    response = httpx.post(f"{url}/api/v4.1/event/sync", json=body, headers=headers)
    assert response.status_code == 200
    return response.json()


def stored(emulator, ref):
    return next(c for c in emulator.entities("CATEGORY") if c["ref"] == ref)


def test_a_child_names_its_parent_with_parent_category(served):
    emulator, url, headers = served
    assert send(url, headers, category("CHAIR"))["eventStatus"] == "COMPLETE"
    child = category("GAMING_CHAIR", parentCategory="CHAIR")
    assert send(url, headers, child)["eventStatus"] == "COMPLETE"
    assert stored(emulator, "GAMING_CHAIR")["parentCategory"] == "CHAIR"


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({"parentCategoryRef": "CHAIR"}, "not in the contract: parentCategoryRef"),
        ({"ref": "gaming-chair"}, "not uppercase alphanumeric"),
        ({"ref": "G" * 101}, "longer than 100"),
        ({"name": "N" * 101}, "longer than 100"),
        ({"summary": "S" * 256}, "longer than 255"),
        ({"type": None}, "missing attribute type"),
        ({"status": 1}, "must be a String"),
        ({"parentCategory": "NO_SUCH"}, "does not exist"),
    ],
)
def test_an_event_outside_the_contract_fails(served, attributes, reason):
    emulator, url, headers = served
    send(url, headers, category("CHAIR"))
    body = category("GAMING_CHAIR")
    body["attributes"].update(attributes)
    result = send(url, headers, body)
    assert result["eventStatus"] == "FAILED"
    assert reason in emulator.events()[-1]["message"]


def test_the_workflow_is_chosen_by_the_catalogues_type(served):
    emulator, url, headers = served
    assert send(url, headers, category("A", "DEFAULT:1", "DEFAULT"))["eventStatus"] == "COMPLETE"
    assert send(url, headers, category("B", "DEFAULT:1", "MASTER"))["eventStatus"] == "NO_MATCH"
    assert send(url, headers, category("C", "PC:MASTER:1", "MASTER"))["eventStatus"] == "COMPLETE"
    assert "PRODUCT_CATALOGUE::MASTER" in emulator.events()[-2]["message"]
