"""Subscription lifecycle: create or update in place by key, idempotent deploy and undeploy."""

from __future__ import annotations

import pytest

from ctbridge.commercetools import destinations as d
from ctbridge.commercetools.subscriptions import (
    SubscriptionFormatChanged,
    SubscriptionSpec,
    deploy,
    subscription_actions,
    undeploy,
)
from ctbridge.errors import Permanent

PUBSUB = d.google_cloud_pubsub("proj", "ct-events")


def spec(*types: str, destination: dict | None = None, fmt: dict | None = None) -> SubscriptionSpec:
    return SubscriptionSpec.for_message_types(
        "ctbridge-ordergroove", types or ("ProductPublished",), destination or PUBSUB, fmt
    )


def existing(s: SubscriptionSpec, **changes) -> dict:
    return {"id": "s1", "version": 3, **s.draft(), "status": "Healthy", **changes}


def test_draft_groups_message_types_by_resource_type():
    s = spec("ProductPublished", "InventoryEntryDeleted", "InventoryEntryCreated")

    assert s.draft() == {
        "key": "ctbridge-ordergroove",
        "destination": PUBSUB,
        "messages": [
            {
                "resourceTypeId": "inventory-entry",
                "types": ["InventoryEntryCreated", "InventoryEntryDeleted"],
            },
            {"resourceTypeId": "product", "types": ["ProductPublished"]},
        ],
        "format": {"type": "Platform"},
    }


def test_a_matching_subscription_needs_no_actions_whatever_the_order_of_types():
    s = spec("ProductPublished", "ProductUnpublished")
    current = existing(
        s,
        messages=[
            {"resourceTypeId": "product", "types": ["ProductUnpublished", "ProductPublished"]}
        ],
    )

    assert subscription_actions(current, s) == []


@pytest.mark.parametrize(
    ("current_changes", "expected_actions"),
    [
        (
            {"messages": [{"resourceTypeId": "product", "types": ["ProductCreated"]}]},
            ["setMessages"],
        ),
        ({"destination": d.google_cloud_pubsub("proj", "old-topic")}, ["changeDestination"]),
        ({"changes": [{"resourceTypeId": "order"}]}, ["setChanges"]),
        (
            {"messages": [], "destination": d.sqs("https://q", "eu-west-1")},
            ["setMessages", "changeDestination"],
        ),
    ],
)
def test_each_difference_becomes_its_update_action(current_changes, expected_actions):
    s = spec("ProductPublished")

    actions = subscription_actions(existing(s, **current_changes), s)

    assert [a["action"] for a in actions] == expected_actions


def test_a_partly_hidden_secret_is_not_a_difference_unless_resending_is_asked_for():
    s = spec(
        destination=d.event_grid("https://t/api/events", "secret"), fmt=d.cloud_events_format()
    )
    current = existing(
        s, destination={"type": "EventGrid", "uri": "https://t/api/events", "accessKey": "sec***"}
    )

    assert subscription_actions(current, s) == []
    assert [a["action"] for a in subscription_actions(current, s, resend_destination=True)] == [
        "changeDestination"
    ]


def test_a_format_change_is_refused_because_no_update_action_exists():
    s = spec(fmt=d.cloud_events_format())

    with pytest.raises(SubscriptionFormatChanged) as raised:
        subscription_actions(existing(s, format={"type": "Platform"}), s)

    assert isinstance(raised.value, Permanent)


async def test_deploy_creates_then_leaves_an_identical_subscription_alone(ct):
    first = await deploy(ct, spec("ProductPublished"))
    created = await ct.get_by_key("subscriptions", "ctbridge-ordergroove")
    again = await deploy(ct, spec("ProductPublished"))
    after = await ct.get_by_key("subscriptions", "ctbridge-ordergroove")

    assert (first, again) == ("created", "unchanged")
    assert after["version"] == created["version"]
    assert created["messages"] == [{"resourceTypeId": "product", "types": ["ProductPublished"]}]
    assert created["destination"] == PUBSUB


async def test_deploy_updates_in_place_when_types_or_destination_change(ct):
    await deploy(ct, spec("ProductPublished"))
    before = await ct.get_by_key("subscriptions", "ctbridge-ordergroove")

    outcome = await deploy(
        ct,
        spec(
            "ProductPublished",
            "InventoryEntryQuantitySet",
            destination=d.google_cloud_pubsub("proj", "new-topic"),
        ),
    )
    after = await ct.get_by_key("subscriptions", "ctbridge-ordergroove")

    assert outcome == "updated"
    assert after["id"] == before["id"]
    assert after["version"] > before["version"]
    assert after["destination"]["topic"] == "new-topic"
    assert after["messages"] == [
        {"resourceTypeId": "inventory-entry", "types": ["InventoryEntryQuantitySet"]},
        {"resourceTypeId": "product", "types": ["ProductPublished"]},
    ]
    assert (
        await deploy(
            ct,
            spec(
                "ProductPublished",
                "InventoryEntryQuantitySet",
                destination=d.google_cloud_pubsub("proj", "new-topic"),
            ),
        )
        == "unchanged"
    )


async def test_deploy_with_cloud_events_format_and_other_destinations(ct):
    sqs = d.sqs("https://sqs.eu-west-1.amazonaws.com/123456789012/q", "eu-west-1")
    s = SubscriptionSpec.for_message_types(
        "ctbridge-fluent", ["OrderCreated"], sqs, d.cloud_events_format()
    )

    assert await deploy(ct, s) == "created"
    stored = await ct.get_by_key("subscriptions", "ctbridge-fluent")
    assert stored["format"] == {"type": "CloudEvents", "cloudEventsVersion": "1.0"}
    assert stored["destination"] == sqs
    assert await deploy(ct, s) == "unchanged"


async def test_undeploy_deletes_once_and_is_then_a_no_op(ct):
    await deploy(ct, spec("ProductPublished"))

    first = await undeploy(ct, "ctbridge-ordergroove")
    second = await undeploy(ct, "ctbridge-ordergroove")

    assert (first, second) == (True, False)
    assert await ct.find_by_key("subscriptions", "ctbridge-ordergroove") is None


async def test_deploy_after_undeploy_creates_again(ct):
    await deploy(ct, spec("ProductPublished"))
    await undeploy(ct, "ctbridge-ordergroove")

    assert await deploy(ct, spec("ProductPublished")) == "created"
