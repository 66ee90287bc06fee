"""Stock in the emulator: virtual positions per catalogue, positions per location, fulfilment options."""

from __future__ import annotations

import uuid
from typing import Any

from ctbridge.sandbox.fluent.entities import EntityStore
from ctbridge.sandbox.fluent.graphql import GraphQLError
from ctbridge.sandbox.fluent.logistics import within
from ctbridge.sandbox.fluent.schema import connection


class Availability:
    """Virtual positions (the aggregate stock ctbridge copies to commercetools) and location
    positions (what fulfilment options plan with)."""

    def __init__(self, store: EntityStore, *, retailer_id: str) -> None:
        self.store = store
        self.retailer_id = retailer_id
        self.queries = {"virtualPositions": self.virtual_positions}
        self.mutations = {"createFulfilmentOption": self.create_fulfilment_option}

    def set_virtual_position(
        self, catalogue_ref: str, product_ref: str, quantity: int, *, updated_on: str | None = None
    ) -> dict[str, Any]:
        with self.store.lock:
            ref = f"{catalogue_ref}:{product_ref}"
            found = self.store.by_ref("VIRTUAL_POSITION", ref)
            if found is None:
                found = self.store.create(
                    "VIRTUAL_POSITION",
                    {
                        "ref": ref,
                        "productRef": product_ref,
                        "groupRef": catalogue_ref,
                        "catalogueRef": catalogue_ref,
                        "quantity": quantity,
                        "status": "ACTIVE",
                    },
                )
            else:
                found = self.store.update("VIRTUAL_POSITION", found["id"], {"quantity": quantity})
            if updated_on:
                found["updatedOn"] = updated_on
            return found

    def set_location_stock(self, product_ref: str, location_ref: str, on_hand: int) -> None:
        with self.store.lock:
            ref = f"{product_ref}:{location_ref}"
            found = self.store.by_ref("INVENTORY_POSITION", ref)
            fields = {"productRef": product_ref, "locationRef": location_ref, "onHand": on_hand}
            if found is None:
                self.store.create("INVENTORY_POSITION", {"ref": ref, **fields})
            else:
                self.store.update("INVENTORY_POSITION", found["id"], fields)

    def virtual_positions(self, arguments: dict[str, Any]) -> Any:
        catalogue = (arguments.get("catalogue") or {}).get("ref")
        products = set(arguments.get("productRef") or [])
        nodes = [
            p
            for p in self.store.live("VIRTUAL_POSITION")
            if (catalogue is None or p["catalogueRef"] == catalogue)
            and (not products or p["productRef"] in products)
            and within(p, arguments.get("updatedOn"))
        ]
        return connection(nodes, lambda p: {**p, "__typename": "VirtualPosition"})(arguments)

    def create_fulfilment_option(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """One plan per location that has some of every item (CC: only the pickup location),
        each item with what that location has available."""
        data = arguments.get("input") or {}
        items = data.get("items") or []
        if not items:
            raise GraphQLError("items are required", code="C0150E")
        if str(data.get("retailerId", self.retailer_id)) != self.retailer_id:
            raise GraphQLError(
                f"Retailer with id '{data.get('retailerId')}' not found", code="C0120E"
            )
        with self.store.lock:
            locations = [loc["ref"] for loc in self.store.live("LOCATION")]
            if data.get("locationRef"):
                locations = [ref for ref in locations if ref == data["locationRef"]]
            plans = []
            for location in locations:
                lines = []
                for item in items:
                    position = self.store.by_ref(
                        "INVENTORY_POSITION", f"{item['productRef']}:{location}"
                    )
                    lines.append(
                        {
                            "productRef": item["productRef"],
                            "requestedQuantity": item.get("requestedQuantity", 1),
                            "availableQuantity": max(0, (position or {}).get("onHand", 0)),
                        }
                    )
                if all(line["availableQuantity"] > 0 for line in lines):
                    plans.append(
                        {
                            "ref": f"PLAN-{location}",
                            "type": data.get("orderType", "HD"),
                            "status": "ACTIVE",
                            "fulfilments": [
                                {
                                    "fulfilmentType": f"{data.get('orderType', 'HD')}_PFS",
                                    "locationRef": location,
                                    "items": lines,
                                }
                            ],
                        }
                    )
        return {
            "id": str(uuid.uuid4()),
            "status": "ACTIVE",
            "__typename": "FulfilmentOption",
            "plans": connection(plans, lambda plan: plan),
        }
