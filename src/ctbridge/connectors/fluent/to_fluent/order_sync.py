"""Creates Fluent orders and customers from commercetools, idempotently (look up by ref first)."""

from __future__ import annotations

from typing import Any

from ctbridge.commercetools.errors import NotFound
from ctbridge.connectors.fluent.client import FluentClient, operations
from ctbridge.connectors.fluent.client.errors import FluentDuplicateRef, FluentGraphQLPermanent
from ctbridge.connectors.fluent.to_fluent.customer_mapping import (
    create_customer_input,
    update_customer_input,
    username,
)
from ctbridge.connectors.fluent.to_fluent.order_mapping import (
    OrderNotMappable,
    OrderRules,
    fulfilment,
    order_input,
    order_ref,
    shipping_method_key,
)
from ctbridge.connectors.fluent.to_fluent.payment_mapping import financial_transactions
from ctbridge.engine.connector import Outcome
from ctbridge.engine.runtime import Runtime
from ctbridge.errors import Retryable

CUSTOMERS = "fluent.customers"


class OrderSync:
    """OrderCreated → one Fluent order, whatever the number of deliveries or partial failures.

    The order is looked up by its ref before anything is created; an order that exists only
    gets the financial transactions it lacks. Customers are found by username (the email) or
    created, so a retry never creates a second one either.
    """

    def __init__(
        self,
        client: FluentClient,
        runtime: Runtime,
        rules: OrderRules,
        *,
        default_payment_method: str,
    ) -> None:
        self.client = client
        self.runtime = runtime
        self.rules = rules
        self.default_payment_method = default_payment_method

    async def create_order(self, order: dict[str, Any]) -> Outcome | None:
        plan = fulfilment(order, self.rules, await self._method_key(order))
        ref = order_ref(order, plan.kind, self.rules)
        transactions = financial_transactions(
            await self._payments(order), self.default_payment_method
        )
        existing = await self.find_order(ref)
        if existing is not None:
            return await self._complete(existing, transactions)
        email = order.get("customerEmail")
        customer = await self._ct_customer(order.get("customerId"))
        email = email or (customer or {}).get("email")
        if not email:
            return Outcome("skipped", f"order {order['id']} has no customer email")
        customer_id = await self.ensure_customer(
            email, customer, [order.get("billingAddress"), order.get("shippingAddress")]
        )
        mapper = self.runtime.mapper("fluent.order", order_input)
        fields = mapper(
            order, self.rules, customer_id=customer_id, plan=plan, transactions=transactions
        )
        try:
            await self.client.graphql(operations.CREATE_ORDER, {"input": fields}, idempotent=False)
        except FluentDuplicateRef:
            existing = await self.find_order(ref)
            if existing is None:
                raise
            return await self._complete(existing, transactions)
        except FluentGraphQLPermanent as error:
            if names_missing_catalogue_product(error):
                # Fluent ingests products asynchronously, so an order can arrive before its
                # items are in the catalogue; a later attempt succeeds (the budget still bounds it).
                raise Retryable(f"order items not in Fluent's catalogue yet: {error}") from error
            raise
        return None

    async def find_order(self, ref: str) -> dict[str, Any] | None:
        data = await self.client.graphql(operations.FIND_ORDER, {"ref": [ref]})
        edges = (data.get("orders") or {}).get("edges") or []
        return edges[0]["node"] if edges else None

    async def _complete(
        self, existing: dict[str, Any], transactions: list[dict[str, Any]]
    ) -> Outcome | None:
        have = {
            edge["node"]["ref"]
            for edge in (existing.get("financialTransactions") or {}).get("edges") or []
        }
        missing = [t for t in transactions if t["ref"] not in have]
        for transaction in missing:
            try:
                await self.client.graphql(
                    operations.CREATE_FINANCIAL_TRANSACTION,
                    {"input": {**transaction, "order": {"id": existing["id"]}}},
                    idempotent=False,
                )
            except FluentDuplicateRef:
                continue
        if not missing:
            return Outcome("skipped", f"order {existing['ref']} is already in Fluent")
        return None

    async def ensure_customer(
        self,
        email: str,
        customer: dict[str, Any] | None,
        fallback_addresses: list[dict[str, Any] | None],
    ) -> str:
        """The Fluent customer id for this email, creating the customer when there is none."""
        found = await self.find_customer(username(email))
        if found is not None:
            return str(found["id"])
        fields = create_customer_input(email, self.rules.retailer_id, customer, fallback_addresses)
        try:
            data = await self.client.graphql(
                operations.CREATE_CUSTOMER, {"input": fields}, idempotent=False
            )
            created = data["createCustomer"]
        except FluentDuplicateRef:
            created = await self.find_customer(username(email))
            if created is None:
                raise
        if customer and customer.get("id"):
            await self.runtime.state.put(CUSTOMERS, customer["id"], {"username": username(email)})
        return str(created["id"])

    async def find_customer(self, ref: str) -> dict[str, Any] | None:
        data = await self.client.graphql(operations.FIND_CUSTOMER, {"ref": ref})
        return data.get("customer")

    async def upsert_customer(self, customer: dict[str, Any]) -> Outcome | None:
        """Creates the Fluent customer, or updates the one first created for this ct customer
        (its username stays the email it was created with)."""
        known = await self.runtime.state.get(CUSTOMERS, customer["id"])
        if not customer.get("email") and known is None:
            return Outcome("skipped", f"customer {customer['id']} has no email")
        name = known["username"] if known else username(customer["email"])
        if await self.find_customer(name) is None:
            await self.ensure_customer(customer.get("email") or name, customer, [])
            return None
        await self.client.graphql(
            operations.UPDATE_CUSTOMER,
            {"input": update_customer_input(name, customer)},
            idempotent=True,
        )
        await self.runtime.state.put(CUSTOMERS, customer["id"], {"username": name})
        return None

    async def _ct_customer(self, customer_id: str | None) -> dict[str, Any] | None:
        if not customer_id:
            return None
        try:
            return await self.runtime.commercetools.get_by_id("customers", customer_id)
        except NotFound:
            return None

    async def _payments(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        payments = []
        for reference in (order.get("paymentInfo") or {}).get("payments") or []:
            payment = reference.get("obj") or await self.runtime.commercetools.get_by_id(
                "payments", reference["id"]
            )
            payments.append(payment)
        return payments

    async def _method_key(self, order: dict[str, Any]) -> str | None:
        key = shipping_method_key(order)
        method = (order.get("shippingInfo") or {}).get("shippingMethod")
        if key or not method or not self.rules.cc_shipping_methods:
            return key
        try:
            found = await self.runtime.commercetools.get_by_id("shipping-methods", method["id"])
        except NotFound:
            raise OrderNotMappable(f"shipping method {method['id']} not found") from None
        return found.get("key")


def names_missing_catalogue_product(error: FluentGraphQLPermanent) -> bool:
    """True when Fluent refused an order because a product is not (yet) in the catalogue."""
    for detail in error.errors:
        text = str(detail.get("message", "")).lower()
        if "product" in text and "not found" in text:
            return True
    return False
