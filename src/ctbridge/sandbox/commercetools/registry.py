"""The resource kinds the emulator serves, by URL segment."""

from __future__ import annotations

from ctbridge.sandbox.commercetools.actions import (
    categories,
    configuration,
    customers,
    inventory,
    orders,
    payments,
    pricing,
    products,
    subscriptions,
)
from ctbridge.sandbox.commercetools.kinds import ResourceKind, no_identifiers
from ctbridge.sandbox.commercetools.messages import MESSAGE_TYPE_ID

MESSAGES = ResourceKind(
    url="messages",
    type_id=MESSAGE_TYPE_ID,
    identifiers=no_identifiers,
    lookups={},
    deletable=False,
)

KINDS: dict[str, ResourceKind] = {
    kind.url: kind
    for kind in (
        products.KIND,
        inventory.KIND,
        orders.KIND,
        orders.IMPORT_KIND,
        categories.KIND,
        customers.KIND,
        payments.KIND,
        subscriptions.KIND,
        configuration.CHANNEL,
        configuration.TYPE,
        configuration.PRODUCT_TYPE,
        configuration.STATE,
        *pricing.KINDS,
        MESSAGES,
    )
}
