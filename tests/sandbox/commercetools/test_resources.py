"""Lifecycles of categories, channels, customers, payments, types, states, custom objects."""

from __future__ import annotations

import httpx
import pytest
from tests.sandbox.commercetools.drafts import money


def test_category_tree_slug_and_key(api: httpx.Client) -> None:
    root = api.post(
        "categories", json={"name": {"en": "Root"}, "slug": {"en": "root"}, "key": "root"}
    ).json()
    child = api.post(
        "categories",
        json={
            "name": {"en": "Child"},
            "slug": {"en": "child"},
            "parent": {"typeId": "category", "key": "root"},
        },
    ).json()
    assert child["parent"] == {"typeId": "category", "id": root["id"]}
    assert child["ancestors"] == [{"typeId": "category", "id": root["id"]}]
    duplicate = api.post("categories", json={"name": {"en": "X"}, "slug": {"en": "root"}})
    assert duplicate.json()["errors"][0]["code"] == "DuplicateField"
    body = api.post(
        "categories/key=root",
        json={
            "version": 1,
            "actions": [
                {"action": "changeSlug", "slug": {"en": "top"}},
                {"action": "setKey", "key": "top"},
            ],
        },
    ).json()
    assert body["slug"] == {"en": "top"} and body["key"] == "top" and body["version"] == 3
    cycle = api.post(
        f"categories/{root['id']}",
        json={
            "version": 3,
            "actions": [
                {"action": "changeParent", "parent": {"typeId": "category", "id": child["id"]}}
            ],
        },
    )
    assert cycle.json()["errors"][0]["code"] == "InvalidOperation"


def test_channel_needs_a_unique_key(api: httpx.Client) -> None:
    assert (
        api.post("channels", json={"roles": ["InventorySupply"]}).json()["errors"][0]["code"]
        == "InvalidJsonInput"
    )
    channel = api.post(
        "channels", json={"key": "dc-1", "roles": ["InventorySupply"], "name": {"en": "DC"}}
    ).json()
    assert channel["roles"] == ["InventorySupply"]
    assert (
        api.post("channels", json={"key": "dc-1"}).json()["errors"][0]["code"] == "DuplicateField"
    )
    body = api.post(
        f"channels/{channel['id']}",
        json={"version": 1, "actions": [{"action": "addRoles", "roles": ["ProductDistribution"]}]},
    ).json()
    assert body["roles"] == ["InventorySupply", "ProductDistribution"]


def test_customer_create_wraps_in_customer_and_email_is_unique(api: httpx.Client) -> None:
    response = api.post(
        "customers",
        json={"email": "Ann@example.com", "firstName": "Ann", "password": "secret", "key": "ann"},
    )
    assert response.status_code == 201
    customer = response.json()["customer"]
    assert customer["email"] == "Ann@example.com" and customer["version"] == 1
    assert "secret" not in str(customer)
    assert (
        api.post("customers", json={"email": "ann@example.com"}).json()["errors"][0]["code"]
        == "DuplicateField"
    )
    body = api.post(
        "customers/key=ann",
        json={"version": 1, "actions": [{"action": "setLastName", "lastName": "Lee"}]},
    ).json()
    assert body["lastName"] == "Lee"


def test_payment_transactions(api: httpx.Client) -> None:
    payment = api.post(
        "payments",
        json={
            "key": "pay-1",
            "amountPlanned": money(2500),
            "paymentMethodInfo": {"method": "card"},
            "transactions": [{"type": "Authorization", "amount": money(2500), "state": "Success"}],
        },
    ).json()
    assert payment["amountPlanned"]["centAmount"] == 2500
    body = api.post(
        f"payments/{payment['id']}",
        json={
            "version": 1,
            "actions": [
                {
                    "action": "addTransaction",
                    "transaction": {"type": "Charge", "amount": money(2500)},
                }
            ],
        },
    ).json()
    charge = body["transactions"][1]
    assert charge["state"] == "Initial"
    body = api.post(
        f"payments/{payment['id']}",
        json={
            "version": 2,
            "actions": [
                {
                    "action": "changeTransactionState",
                    "transactionId": charge["id"],
                    "state": "Success",
                }
            ],
        },
    ).json()
    assert body["transactions"][1]["state"] == "Success"


def test_types_and_field_definitions(api: httpx.Client) -> None:
    created = api.post(
        "types",
        json={
            "key": "t1",
            "name": {"en": "T"},
            "resourceTypeIds": ["order"],
            "fieldDefinitions": [],
        },
    ).json()
    body = api.post(
        "types/key=t1",
        json={
            "version": 1,
            "actions": [
                {
                    "action": "addFieldDefinition",
                    "fieldDefinition": {"name": "f", "type": {"name": "String"}},
                }
            ],
        },
    ).json()
    assert [d["name"] for d in body["fieldDefinitions"]] == ["f"]
    assert api.get(f"types/{created['id']}").json()["version"] == 2


def test_builtin_initial_line_item_state_exists(api: httpx.Client) -> None:
    state = api.get("states/key=Initial").json()
    assert state["type"] == "LineItemState" and state["initial"] is True


def test_custom_objects_upsert_versions_and_delete(api: httpx.Client) -> None:
    created = api.post("custom-objects", json={"container": "cfg", "key": "k", "value": {"a": 1}})
    assert created.status_code == 201
    assert created.json()["version"] == 1
    replaced = api.post(
        "custom-objects", json={"container": "cfg", "key": "k", "value": {"a": 2}, "version": 1}
    )
    assert replaced.status_code == 200 and replaced.json()["version"] == 2
    stale = api.post(
        "custom-objects", json={"container": "cfg", "key": "k", "value": {"a": 3}, "version": 1}
    )
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["currentVersion"] == 2
    assert api.get("custom-objects/cfg/k").json()["value"] == {"a": 2}
    assert api.get("custom-objects/cfg").json()["count"] == 1
    assert api.get("custom-objects", params={"where": 'container = "cfg"'}).json()["total"] == 1
    assert api.delete("custom-objects/cfg/k").status_code == 200
    assert api.get("custom-objects/cfg/k").status_code == 404


@pytest.mark.parametrize(
    "resource", ["products", "orders", "categories", "customers", "payments", "inventory"]
)
def test_update_without_version_is_rejected(api: httpx.Client, resource: str) -> None:
    response = api.post(f"{resource}/some-id", json={"actions": []})
    assert response.status_code in (400, 404)


def test_subscription_crud_and_health(api: httpx.Client) -> None:
    draft = {
        "key": "sub-1",
        "destination": {"type": "GoogleCloudPubSub", "projectId": "p", "topic": "t"},
        "messages": [{"resourceTypeId": "product", "types": ["ProductPublished"]}],
    }
    created = api.post("subscriptions", json=draft).json()
    assert created["status"] == "Healthy"
    assert created["format"] == {"type": "Platform"}
    assert created["changes"] == []
    body = api.post(
        "subscriptions/key=sub-1",
        json={
            "version": 1,
            "actions": [
                {
                    "action": "changeDestination",
                    "destination": {"type": "GoogleCloudPubSub", "projectId": "p", "topic": "t2"},
                },
                {"action": "setMessages", "messages": [{"resourceTypeId": "order"}]},
                {"action": "setChanges", "changes": [{"resourceTypeId": "product"}]},
                {"action": "setKey", "key": "sub-2"},
            ],
        },
    ).json()
    assert body["destination"]["topic"] == "t2" and body["key"] == "sub-2" and body["version"] == 5
    assert (
        api.post("subscriptions", json={**draft, "messages": []}).json()["errors"][0]["code"]
        == "InvalidInput"
    )
    bad_destination = {
        **draft,
        "key": "x",
        "destination": {"type": "GoogleCloudPubSub", "projectId": "p"},
    }
    assert api.post("subscriptions", json=bad_destination).status_code == 400
    assert api.delete(f"subscriptions/{created['id']}", params={"version": 5}).status_code == 200


def test_custom_objects_seed_and_delete_directly(emulator) -> None:
    emulator.create("custom-objects", {"container": "c", "key": "k", "value": 1})
    assert [d["value"] for d in emulator.all("custom-objects")] == [1]
    assert emulator.delete("custom-objects", "c/k")["key"] == "k"
    assert emulator.all("custom-objects") == []


def test_delete_with_non_numeric_version_is_rejected(api: httpx.Client) -> None:
    api.post("custom-objects", json={"container": "c", "key": "k", "value": 1})
    assert api.delete("custom-objects/c/k", params={"version": "x"}).status_code == 400
    assert api.delete("channels/nope", params={"version": "x"}).status_code == 404
