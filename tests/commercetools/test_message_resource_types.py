"""Message type → resource typeId table and the grouped `messages` array of a subscription."""

from __future__ import annotations

import pytest

from ctbridge.commercetools.message_resource_types import (
    RESOURCE_TYPE_OF_MESSAGE,
    UnknownMessageType,
    message_subscriptions,
    resource_type_of,
)


@pytest.mark.parametrize(
    ("message_type", "resource_type"),
    [
        ("ProductPublished", "product"),
        ("ProductUnpublished", "product"),
        ("ProductDeleted", "product"),
        ("ProductCreated", "product"),
        ("InventoryEntryCreated", "inventory-entry"),
        ("InventoryEntryDeleted", "inventory-entry"),
        ("InventoryEntryQuantitySet", "inventory-entry"),
        ("OrderCreated", "order"),
        ("OrderStateChanged", "order"),
        ("OrderPaymentStateChanged", "order"),
        ("DeliveryAdded", "order"),
        ("ParcelTrackingDataUpdated", "order"),
        ("ReturnInfoAdded", "order"),
        ("LineItemStateTransition", "order"),
        ("CategoryCreated", "category"),
        ("CategorySlugChanged", "category"),
        ("CustomerCreated", "customer"),
        ("CustomerGroupSet", "customer"),
        ("CustomerGroupCustomFieldAdded", "customer-group"),
        ("PaymentCreated", "payment"),
        ("PaymentTransactionStateChanged", "payment"),
        ("StoreCreated", "store"),
    ],
)
def test_each_message_type_belongs_to_its_resource_type(message_type, resource_type):
    assert resource_type_of(message_type) == resource_type


def test_unknown_message_types_are_refused_rather_than_guessed():
    with pytest.raises(UnknownMessageType, match="ProductTeleported"):
        resource_type_of("ProductTeleported")


def test_every_message_type_is_listed_once():
    assert len(RESOURCE_TYPE_OF_MESSAGE) == len(set(RESOURCE_TYPE_OF_MESSAGE))


def test_message_types_are_grouped_by_resource_type_in_a_stable_order():
    grouped = message_subscriptions(
        [
            "OrderCreated",
            "ProductPublished",
            "InventoryEntryDeleted",
            "InventoryEntryCreated",
            "ProductPublished",
        ]
    )

    assert grouped == [
        {
            "resourceTypeId": "inventory-entry",
            "types": ["InventoryEntryCreated", "InventoryEntryDeleted"],
        },
        {"resourceTypeId": "order", "types": ["OrderCreated"]},
        {"resourceTypeId": "product", "types": ["ProductPublished"]},
    ]


def test_no_message_types_give_no_message_subscriptions():
    assert message_subscriptions([]) == []
