"""The GraphQL queries and mutations the Fluent emulator serves, over the entity store."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from ctbridge.sandbox.fluent import inputs
from ctbridge.sandbox.fluent.entities import EntityStore
from ctbridge.sandbox.fluent.graphql import GraphQLError, Schema

NOT_FOUND = "C0120E"


def connection(nodes: list[dict[str, Any]], view: Callable[[dict[str, Any]], dict[str, Any]]):
    """A Relay connection field over `nodes`, paged by `first` / `after`."""

    def resolve(arguments: dict[str, Any]) -> dict[str, Any]:
        start = 0
        if arguments.get("after"):
            start = int(base64.b64decode(arguments["after"]).decode()) + 1
        first = arguments.get("first") or 100
        page = nodes[start : start + first]
        edges = [
            {"cursor": base64.b64encode(str(start + i).encode()).decode(), "node": view(node)}
            for i, node in enumerate(page)
        ]
        return {"edges": edges, "pageInfo": {"hasNextPage": start + first < len(nodes)}}

    return resolve


def not_found(what: str) -> GraphQLError:
    return GraphQLError(f"{what} not found", code=NOT_FOUND)


def duplicate(what: str, ref: str) -> GraphQLError:
    return GraphQLError(f"{what} with ref '{ref}' already exists")


class FluentSchema:
    """Customers, orders with items / fulfilment choice / financial transactions, settings."""

    def __init__(self, store: EntityStore, *, retailer_id: str, catalogue_refs: set[str]) -> None:
        self.store = store
        self.retailer_id = retailer_id
        self.catalogue_refs = catalogue_refs
        self.schema = Schema(
            query={
                "customer": self.customer,
                "customers": self.customers,
                "orders": self.orders,
                "orderById": self.order_by_id,
                "settings": self.settings,
                "locations": self.locations,
            },
            mutation={
                "createCustomer": self.create_customer,
                "updateCustomer": self.update_customer,
                "createOrder": self.create_order,
                "createOrderAndCustomer": self.create_order_and_customer,
                "createFinancialTransaction": self.create_financial_transaction,
                "createSetting": self.create_setting,
                "updateSetting": self.update_setting,
            },
        )

    # --- views -------------------------------------------------------------------------------
    def customer_view(self, customer: dict[str, Any]) -> dict[str, Any]:
        return {**customer, "__typename": "Customer", "retailer": {"id": customer["retailerId"]}}

    def transaction_view(self, transaction: dict[str, Any]) -> dict[str, Any]:
        return {**transaction, "__typename": "FinancialTransaction"}

    def order_view(self, order: dict[str, Any]) -> dict[str, Any]:
        customer = self.store.get("CUSTOMER", order["customerId"])
        transactions = [
            t for t in self.store.live("FINANCIAL_TRANSACTION") if t["orderId"] == order["id"]
        ]
        items = [{**item, "__typename": "OrderItem"} for item in order.get("items", [])]
        choice = order.get("fulfilmentChoice")
        return {
            **order,
            "__typename": "Order",
            "retailer": {"id": order["retailerId"]},
            "customer": self.customer_view(customer) if customer else None,
            "items": connection(items, lambda item: item),
            "fulfilmentChoice": {**choice, "__typename": "FulfilmentChoice"} if choice else None,
            "financialTransactions": connection(transactions, self.transaction_view),
        }

    # --- queries -----------------------------------------------------------------------------
    def customer(self, arguments: dict[str, Any]) -> dict[str, Any] | None:
        found = self.store.by_ref("CUSTOMER", str(arguments.get("ref")))
        return self.customer_view(found) if found else None

    def customers(self, arguments: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
        wanted = {k: set(arguments.get(k) or []) for k in ("ref", "username", "primaryEmail")}
        nodes = [
            c
            for c in self.store.live("CUSTOMER")
            if all(not values or c.get(k) in values for k, values in wanted.items())
        ]
        return connection(nodes, self.customer_view)(arguments)

    def orders(self, arguments: dict[str, Any]) -> Any:
        refs = set(arguments.get("ref") or [])
        statuses = set(arguments.get("status") or [])
        nodes = [
            o
            for o in self.store.live("ORDER")
            if (not refs or o["ref"] in refs) and (not statuses or o["status"] in statuses)
        ]
        return connection(nodes, self.order_view)(arguments)

    def order_by_id(self, arguments: dict[str, Any]) -> dict[str, Any] | None:
        found = self.store.get("ORDER", str(arguments.get("id")))
        return self.order_view(found) if found else None

    def settings(self, arguments: dict[str, Any]) -> Any:
        names = set(arguments.get("name") or [])
        contexts = set(arguments.get("context") or [])
        context_ids = set(arguments.get("contextId") or [])
        nodes = [
            s
            for s in self.store.live("SETTING")
            if (not names or s["name"] in names)
            and (not contexts or s["context"] in contexts)
            and (not context_ids or s["contextId"] in context_ids)
        ]
        return connection(nodes, lambda s: {**s, "__typename": "Setting"})(arguments)

    def locations(self, arguments: dict[str, Any]) -> Any:
        refs = set(arguments.get("ref") or [])
        nodes = [loc for loc in self.store.live("LOCATION") if not refs or loc["ref"] in refs]
        return connection(nodes, lambda loc: {**loc, "__typename": "Location"})(arguments)

    # --- mutations ---------------------------------------------------------------------------
    def create_customer(self, arguments: dict[str, Any]) -> dict[str, Any]:
        data = arguments.get("input")
        inputs.check("CreateCustomerInput", data)
        with self.store.lock:
            return self.customer_view(self._insert_customer(data))

    def _insert_customer(self, data: dict[str, Any]) -> dict[str, Any]:
        self._check_retailer(data["retailer"])
        if self.store.by_ref("CUSTOMER", data["username"]):
            raise duplicate("Customer", data["username"])
        fields = {k: v for k, v in data.items() if k != "retailer"}
        return self.store.create(
            "CUSTOMER",
            {
                **fields,
                "ref": data["username"],
                "status": "ACTIVE",
                "retailerId": str(data["retailer"]["id"]),
            },
        )

    def update_customer(self, arguments: dict[str, Any]) -> dict[str, Any]:
        data = arguments.get("input")
        inputs.check("UpdateCustomerInput", data)
        with self.store.lock:
            found = self.store.by_ref("CUSTOMER", data["username"])
            if found is None:
                raise not_found(f"Customer '{data['username']}'")
            changes = {k: v for k, v in data.items() if k != "username"}
            return self.customer_view(self.store.update("CUSTOMER", found["id"], changes))

    def create_order(self, arguments: dict[str, Any]) -> dict[str, Any]:
        data = arguments.get("input")
        inputs.check("CreateOrderInput", data)
        with self.store.lock:
            customer = self.store.get("CUSTOMER", str(data["customer"]["id"]))
            if customer is None:
                raise not_found(f"Customer with id '{data['customer']['id']}'")
            return self.order_view(self._insert_order(data, customer))

    def create_order_and_customer(self, arguments: dict[str, Any]) -> dict[str, Any]:
        data = arguments.get("input")
        inputs.check("CreateOrderAndCustomerInput", data)
        with self.store.lock:
            self._check_order(data)
            customer = self._insert_customer(data["customer"])
            return self.order_view(self._insert_order(data, customer))

    def _check_retailer(self, retailer: dict[str, Any]) -> None:
        if str(retailer["id"]) != self.retailer_id:
            raise not_found(f"Retailer with id '{retailer['id']}'")

    def _check_order(self, data: dict[str, Any]) -> None:
        self._check_retailer(data["retailer"])
        if self.store.by_ref("ORDER", data["ref"]):
            raise duplicate("Order", data["ref"])
        if not data["items"]:
            raise GraphQLError("An order needs at least one item", code="C0150E")
        for item in data["items"]:
            catalogue = item.get("productCatalogueRef")
            if (
                catalogue is not None
                and self.store.by_ref("PRODUCT", item["productRef"], scope=catalogue) is None
            ):
                raise not_found(f"Product '{item['productRef']}' in catalogue '{catalogue}'")
        choices = [data["fulfilmentChoice"]] if data.get("fulfilmentChoice") else []
        choices += data.get("fulfilmentChoices") or []
        for choice in choices:
            if data["type"] == "CC" or (choice.get("fulfilmentType") or "").startswith("CC"):
                location = choice.get("pickupLocationRef")
                if not location:
                    raise GraphQLError("pickupLocationRef is required for CC orders", code="C0150E")
                if self.store.by_ref("LOCATION", location) is None:
                    raise not_found(f"Location '{location}'")
            elif not choice.get("deliveryAddress"):
                raise GraphQLError("deliveryAddress is required for HD orders", code="C0150E")
        refs = [t["ref"] for t in data.get("financialTransactions") or []]
        for ref in refs:
            if self.store.by_ref("FINANCIAL_TRANSACTION", ref) or refs.count(ref) > 1:
                raise duplicate("FinancialTransaction", ref)

    def _insert_order(self, data: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
        self._check_order(data)
        fields = {
            k: v
            for k, v in data.items()
            if k not in ("customer", "retailer", "financialTransactions")
        }
        order = self.store.create(
            "ORDER",
            {
                **fields,
                "status": "RECEIVED",
                "retailerId": str(data["retailer"]["id"]),
                "customerId": customer["id"],
            },
        )
        for transaction in data.get("financialTransactions") or []:
            self._insert_transaction(transaction, order["id"])
        return order

    def _insert_transaction(self, data: dict[str, Any], order_id: str) -> dict[str, Any]:
        fields = {k: v for k, v in data.items() if k != "order"}
        return self.store.create(
            "FINANCIAL_TRANSACTION", {**fields, "status": "CREATED", "orderId": order_id}
        )

    def create_financial_transaction(self, arguments: dict[str, Any]) -> dict[str, Any]:
        data = arguments.get("input")
        inputs.check("CreateFinancialTransactionInput", data)
        if data.get("amount") is None and data.get("preciseAmount") is None:
            raise GraphQLError("amount or preciseAmount is required", code="C0150E")
        with self.store.lock:
            order_id = str(data["order"]["id"])
            if self.store.get("ORDER", order_id) is None:
                raise not_found(f"Order with id '{order_id}'")
            if self.store.by_ref("FINANCIAL_TRANSACTION", data["ref"]):
                raise duplicate("FinancialTransaction", data["ref"])
            return self.transaction_view(self._insert_transaction(data, order_id))

    def create_setting(self, arguments: dict[str, Any]) -> dict[str, Any]:
        data = arguments.get("input")
        inputs.check("CreateSettingInput", data)
        with self.store.lock:
            for setting in self.store.live("SETTING"):
                if (setting["name"], setting["context"], setting["contextId"]) == (
                    data["name"],
                    data["context"],
                    data["contextId"],
                ):
                    raise duplicate("Setting", data["name"])
            return self.store.create("SETTING", dict(data))

    def update_setting(self, arguments: dict[str, Any]) -> dict[str, Any]:
        data = arguments.get("input")
        inputs.check("UpdateSettingInput", data)
        with self.store.lock:
            if self.store.get("SETTING", str(data["id"])) is None:
                raise not_found(f"Setting with id '{data['id']}'")
            changes = {k: v for k, v in data.items() if k != "id" and v is not None}
            return self.store.update("SETTING", str(data["id"]), changes)
