"""commercetools messages the Fluent connector acts on, each turned into a catalog or order sync."""

from __future__ import annotations

from typing import Any

from ctbridge.commercetools.errors import NotFound
from ctbridge.connectors.fluent.to_fluent.catalog_sync import CatalogSync
from ctbridge.connectors.fluent.to_fluent.order_sync import OrderSync
from ctbridge.connectors.fluent.to_fluent.product_mapping import ProductSkipped
from ctbridge.engine.connector import Handler, Outcome
from ctbridge.engine.message import Message
from ctbridge.engine.runtime import Runtime

CUSTOMER_CHANGES = (
    "CustomerEmailChanged",
    "CustomerFirstNameSet",
    "CustomerLastNameSet",
    "CustomerTitleSet",
    "CustomerCompanyNameSet",
    "CustomerAddressAdded",
    "CustomerAddressChanged",
    "CustomerAddressRemoved",
    "CustomerDefaultShippingAddressSet",
    "CustomerDefaultBillingAddressSet",
)

MESSAGE_TYPES: dict[str, str] = {
    "CategoryCreated": "on_category",
    "CategorySlugChanged": "on_category",
    "ProductPublished": "on_product_published",
    "ProductUnpublished": "on_product_withdrawn",
    "ProductDeleted": "on_product_withdrawn",
    "OrderCreated": "on_order_created",
    "CustomerCreated": "on_customer",
    **{name: "on_customer" for name in CUSTOMER_CHANGES},
}


class FluentHandlers:
    """One method per message type; payloads left out by commercetools are fetched."""

    def __init__(self, runtime: Runtime, catalog: CatalogSync, orders: OrderSync) -> None:
        self.runtime = runtime
        self.catalog = catalog
        self.orders = orders

    def handler(self, message_type: str) -> Handler:
        return getattr(self, MESSAGE_TYPES[message_type])

    async def on_category(self, message: Message) -> Outcome | None:
        category = await self._resource(
            message, "category", "categories", refetch=message.type != "CategoryCreated"
        )
        if category is None:
            return Outcome("skipped", f"category {message.resource_id} no longer exists")
        await self.catalog.upsert_category(category)
        return None

    async def on_product_published(self, message: Message) -> Outcome | None:
        projection = message.payload.get("productProjection") if message.payload_included else None
        if projection is None:
            projection = await self._get(
                "product-projections", message.resource_id, {"staged": "false"}
            )
        if projection is None:
            return Outcome("skipped", f"product {message.resource_id} is not published any more")
        return _outcome(await self.catalog.publish(projection))

    async def on_product_withdrawn(self, message: Message) -> Outcome | None:
        """Unpublished or deleted: the product and its variants become INACTIVE in Fluent."""
        projection = message.payload.get("currentProjection") if message.payload_included else None
        if projection is None:
            projection = await self._get(
                "product-projections", message.resource_id, {"staged": "true"}
            )
        if projection is None:
            return Outcome(
                "skipped", f"product {message.resource_id} data is gone; nothing to deactivate"
            )
        return _outcome(await self.catalog.publish(projection, status="INACTIVE"))

    async def on_order_created(self, message: Message) -> Outcome | None:
        order = await self._resource(message, "order", "orders")
        if order is None:
            return Outcome("skipped", f"order {message.resource_id} not found")
        return await self.orders.create_order(order)

    async def on_customer(self, message: Message) -> Outcome | None:
        customer = await self._resource(
            message, "customer", "customers", refetch=message.type != "CustomerCreated"
        )
        if customer is None:
            return Outcome("skipped", f"customer {message.resource_id} not found")
        return await self.orders.upsert_customer(customer)

    async def _resource(
        self, message: Message, field: str, resource: str, *, refetch: bool = False
    ) -> dict[str, Any] | None:
        """The resource from the message, or fetched when left out (or when a change message
        carries only the change)."""
        if message.payload_included and not refetch and message.payload.get(field):
            return message.payload[field]
        return await self._get(resource, message.resource_id)

    async def _get(
        self, resource: str, resource_id: str | None, params: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        if not resource_id:
            return None
        try:
            return await self.runtime.commercetools.get_by_id(resource, resource_id, params)
        except NotFound:
            return None


def _outcome(result: Any) -> Outcome | None:
    if isinstance(result, ProductSkipped):
        return Outcome("skipped", result.reason)
    if result.skipped_variants:
        reasons = "; ".join(f"{ref}: {why}" for ref, why in result.skipped_variants)
        return Outcome("done", f"variants left out: {reasons}")
    return None
