"""Which commercetools resource type emits each message type, for MessageSubscription drafts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_TYPES_BY_RESOURCE: dict[str, tuple[str, ...]] = {
    "product": (
        "ProductAddedToCategory",
        "ProductCreated",
        "ProductDeleted",
        "ProductImageAdded",
        "ProductPriceAdded",
        "ProductPriceChanged",
        "ProductPriceCustomFieldAdded",
        "ProductPriceCustomFieldChanged",
        "ProductPriceCustomFieldRemoved",
        "ProductPriceCustomFieldsRemoved",
        "ProductPriceCustomFieldsSet",
        "ProductPriceDiscountsSet",
        "ProductPriceExternalDiscountSet",
        "ProductPriceKeySet",
        "ProductPriceModeSet",
        "ProductPriceRemoved",
        "ProductPricesSet",
        "ProductPublished",
        "ProductRemovedFromCategory",
        "ProductRevertedStagedChanges",
        "ProductSlugChanged",
        "ProductStateTransition",
        "ProductUnpublished",
        "ProductVariantAdded",
        "ProductVariantDeleted",
    ),
    "inventory-entry": (
        "InventoryEntryCreated",
        "InventoryEntryDeleted",
        "InventoryEntryOutOfStock",
        "InventoryEntryQuantitySet",
        "InventoryEntryReorderPoint",
        "InventoryEntryReservationExpirationInMinutesSet",
        "InventoryEntrySafetyStock",
    ),
    "order": (
        "CustomLineItemStateTransition",
        "DeliveryAdded",
        "DeliveryAddressSet",
        "DeliveryCustomFieldAdded",
        "DeliveryCustomFieldChanged",
        "DeliveryCustomFieldRemoved",
        "DeliveryCustomTypeRemoved",
        "DeliveryCustomTypeSet",
        "DeliveryItemsUpdated",
        "DeliveryRemoved",
        "LineItemStateTransition",
        "OrderBillingAddressSet",
        "OrderBusinessUnitSet",
        "OrderCreated",
        "OrderCreatedFromRecurringOrder",
        "OrderCustomFieldAdded",
        "OrderCustomFieldChanged",
        "OrderCustomFieldRemoved",
        "OrderCustomLineItemAdded",
        "OrderCustomLineItemDiscountSet",
        "OrderCustomLineItemQuantityChanged",
        "OrderCustomLineItemRemoved",
        "OrderCustomTypeRemoved",
        "OrderCustomTypeSet",
        "OrderCustomerEmailSet",
        "OrderCustomerGroupSet",
        "OrderCustomerSet",
        "OrderDeleted",
        "OrderDiscountCodeAdded",
        "OrderDiscountCodeRemoved",
        "OrderDiscountCodeStateSet",
        "OrderEditApplied",
        "OrderImported",
        "OrderLineItemAdded",
        "OrderLineItemDiscountSet",
        "OrderLineItemDistributionChannelSet",
        "OrderLineItemRemoved",
        "OrderPaymentAdded",
        "OrderPaymentRemoved",
        "OrderPaymentStateChanged",
        "OrderPurchaseOrderNumberSet",
        "OrderReturnShipmentStateChanged",
        "OrderShipmentStateChanged",
        "OrderShippingAddressSet",
        "OrderShippingInfoSet",
        "OrderShippingRateInputSet",
        "OrderStateChanged",
        "OrderStateTransition",
        "OrderStoreSet",
        "ParcelAddedToDelivery",
        "ParcelItemsUpdated",
        "ParcelMeasurementsUpdated",
        "ParcelRemovedFromDelivery",
        "ParcelTrackingDataUpdated",
        "ReturnInfoAdded",
        "ReturnInfoSet",
    ),
    "category": ("CategoryCreated", "CategorySlugChanged"),
    "customer": (
        "CustomerAddressAdded",
        "CustomerAddressChanged",
        "CustomerAddressCustomFieldAdded",
        "CustomerAddressCustomFieldChanged",
        "CustomerAddressCustomFieldRemoved",
        "CustomerAddressCustomTypeRemoved",
        "CustomerAddressCustomTypeSet",
        "CustomerAddressRemoved",
        "CustomerBillingAddressAdded",
        "CustomerBillingAddressRemoved",
        "CustomerCompanyNameSet",
        "CustomerCreated",
        "CustomerCustomFieldAdded",
        "CustomerCustomFieldChanged",
        "CustomerCustomFieldRemoved",
        "CustomerCustomTypeRemoved",
        "CustomerCustomTypeSet",
        "CustomerDateOfBirthSet",
        "CustomerDefaultBillingAddressSet",
        "CustomerDefaultShippingAddressSet",
        "CustomerDeleted",
        "CustomerEmailChanged",
        "CustomerEmailVerified",
        "CustomerExternalIdSet",
        "CustomerFirstNameSet",
        "CustomerGroupAssignmentAdded",
        "CustomerGroupAssignmentRemoved",
        "CustomerGroupAssignmentsSet",
        "CustomerGroupSet",
        "CustomerLastNameSet",
        "CustomerPasswordUpdated",
        "CustomerShippingAddressAdded",
        "CustomerShippingAddressRemoved",
        "CustomerStoresSet",
        "CustomerTitleSet",
    ),
    "customer-group": (
        "CustomerGroupCustomFieldAdded",
        "CustomerGroupCustomFieldChanged",
        "CustomerGroupCustomFieldRemoved",
        "CustomerGroupCustomTypeRemoved",
        "CustomerGroupCustomTypeSet",
    ),
    "customer-email-token": ("CustomerEmailTokenCreated",),
    "customer-password-token": ("CustomerPasswordTokenCreated",),
    "payment": (
        "PaymentCreated",
        "PaymentInteractionAdded",
        "PaymentStatusInterfaceCodeSet",
        "PaymentStatusStateTransition",
        "PaymentTransactionAdded",
        "PaymentTransactionInterfaceIdSet",
        "PaymentTransactionStateChanged",
    ),
    "store": (
        "StoreCountriesChanged",
        "StoreCreated",
        "StoreDeleted",
        "StoreDistributionChannelsChanged",
        "StoreLanguagesChanged",
        "StoreNameSet",
        "StoreProductSelectionsChanged",
        "StoreSupplyChannelsChanged",
    ),
    "review": ("ReviewCreated", "ReviewRatingSet", "ReviewStateTransition"),
}

RESOURCE_TYPE_OF_MESSAGE: dict[str, str] = {
    message_type: resource_type
    for resource_type, message_types in _TYPES_BY_RESOURCE.items()
    for message_type in message_types
}


class UnknownMessageType(ValueError):
    """A message type that is not in the table; its resource type would only be a guess."""


def resource_type_of(message_type: str) -> str:
    """The resource typeId a message type belongs to (`ProductPublished` → `product`)."""
    try:
        return RESOURCE_TYPE_OF_MESSAGE[message_type]
    except KeyError:
        raise UnknownMessageType(f"unknown commercetools message type {message_type!r}") from None


def commercetools_message_types(message_types: Iterable[str]) -> list[str]:
    """The types commercetools emits among `message_types` (webhook names and the like dropped)."""
    return [t for t in message_types if t in RESOURCE_TYPE_OF_MESSAGE]


def message_subscriptions(message_types: Iterable[str]) -> list[dict[str, Any]]:
    """The `messages` array of a SubscriptionDraft: one entry per resource type, sorted, with
    that type's message types sorted, so equal sets give equal arrays."""
    grouped: dict[str, set[str]] = {}
    for message_type in message_types:
        grouped.setdefault(resource_type_of(message_type), set()).add(message_type)
    return [
        {"resourceTypeId": resource_type, "types": sorted(types)}
        for resource_type, types in sorted(grouped.items())
    ]
