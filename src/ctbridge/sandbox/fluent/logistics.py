"""Fulfilments, consignments, articles, carriers and locations in the emulator, and their GraphQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ctbridge.sandbox.fluent.entities import EntityStore
from ctbridge.sandbox.fluent.graphql import GraphQLError
from ctbridge.sandbox.fluent.schema import connection, not_found


def within(
    entity: dict[str, Any], date_range: dict[str, Any] | None, field: str = "updatedOn"
) -> bool:
    """Fluent's DateRange filter: `from` inclusive, `to` exclusive, both optional."""
    if not date_range:
        return True
    moment = _instant(entity[field])
    if date_range.get("from") and moment < _instant(date_range["from"]):
        return False
    return not (date_range.get("to") and moment >= _instant(date_range["to"]))


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise GraphQLError(
            f"'{value}' is not a DateTime", classification="ValidationError"
        ) from None


class Logistics:
    """What happens to an order after it is booked: fulfilments per location, consignments of
    articles with a carrier, and the locations themselves (address, hours, networks)."""

    def __init__(
        self, store: EntityStore, order_view: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> None:
        self.store = store
        self.order_view = order_view
        self.queries = {
            "fulfilmentById": self.fulfilment_by_id,
            "fulfilments": self.fulfilments,
            "consignmentById": self.consignment_by_id,
            "consignments": self.consignments,
            "locations": self.locations,
            "locationByRef": self.location_by_ref,
        }

    # --- changes made by tests and the demo --------------------------------------------------
    def create_fulfilment(
        self,
        order_ref: str,
        location_ref: str,
        items: list[tuple[str, int, int]],
        *,
        ref: str | None = None,
        status: str = "CREATED",
        kind: str = "HD_PFS",
    ) -> dict[str, Any]:
        """`items` are (order item ref, requested, filled) — the order item ref is the ct line id."""
        with self.store.lock:
            order = self.store.by_ref("ORDER", order_ref)
            if order is None:
                raise KeyError(f"no order {order_ref}")
            if self.store.by_ref("LOCATION", location_ref) is None:
                raise KeyError(f"no location {location_ref}")
            known = {item["ref"] for item in order.get("items", [])}
            for item_ref, _, _ in items:
                if item_ref not in known:
                    raise KeyError(f"order {order_ref} has no item {item_ref}")
            number = self.store.count("FULFILMENT") + 1
            fulfilment_ref = ref or f"{order_ref}-F{number}"
            return self.store.create(
                "FULFILMENT",
                {
                    "ref": fulfilment_ref,
                    "status": status,
                    "type": kind,
                    "deliveryType": "STANDARD",
                    "orderId": order["id"],
                    "fromLocationRef": location_ref,
                    "items": [
                        {
                            "id": f"{fulfilment_ref}-{n}",
                            "ref": f"{fulfilment_ref}-{n}",
                            "orderItemRef": item_ref,
                            "requestedQuantity": requested,
                            "filledQuantity": filled,
                            "rejectedQuantity": requested - filled,
                        }
                        for n, (item_ref, requested, filled) in enumerate(items, start=1)
                    ],
                },
            )

    def set_status(self, entity_type: str, ref: str, status: str) -> dict[str, Any]:
        with self.store.lock:
            found = self.store.by_ref(entity_type, ref)
            if found is None:
                raise KeyError(f"no {entity_type} {ref}")
            return self.store.update(entity_type, found["id"], {"status": status})

    def create_consignment(
        self,
        ref: str,
        fulfilment_refs: list[str],
        *,
        carrier: tuple[str, str] = ("AUSPOST", "Australia Post"),
        tracking_label: str | None = None,
        tracking_url: str | None = None,
        status: str = "ACTIVE",
    ) -> dict[str, Any]:
        """One article per fulfilment, holding the fulfilment's filled items."""
        with self.store.lock:
            carrier_ref, carrier_name = carrier
            if self.store.by_ref("CARRIER", carrier_ref) is None:
                self.store.create("CARRIER", {"ref": carrier_ref, "name": carrier_name})
            article_ids = []
            for fulfilment_ref in fulfilment_refs:
                fulfilment = self.store.by_ref("FULFILMENT", fulfilment_ref)
                if fulfilment is None:
                    raise KeyError(f"no fulfilment {fulfilment_ref}")
                article = self.store.create(
                    "ARTICLE",
                    {
                        "ref": f"{ref}-{fulfilment_ref}",
                        "status": "CREATED",
                        "fulfilmentIds": [fulfilment["id"]],
                        "items": [
                            {
                                "ref": item["ref"],
                                "quantity": item["filledQuantity"],
                                "orderItemRef": item["orderItemRef"],
                            }
                            for item in fulfilment["items"]
                            if item["filledQuantity"]
                        ],
                    },
                )
                article_ids.append(article["id"])
            attributes = (
                [{"name": "trackingUrl", "type": "STRING", "value": tracking_url}]
                if tracking_url
                else []
            )
            return self.store.create(
                "CONSIGNMENT",
                {
                    "ref": ref,
                    "status": status,
                    "trackingLabel": tracking_label,
                    "labelUrl": None,
                    "carrierRef": carrier_ref,
                    "articleIds": article_ids,
                    "attributes": attributes,
                },
            )

    def update_consignment(self, ref: str, **fields: Any) -> dict[str, Any]:
        with self.store.lock:
            found = self.store.by_ref("CONSIGNMENT", ref)
            if found is None:
                raise KeyError(f"no consignment {ref}")
            if "tracking_url" in fields:
                url = fields.pop("tracking_url")
                fields["attributes"] = [{"name": "trackingUrl", "type": "STRING", "value": url}]
            if "tracking_label" in fields:
                fields["trackingLabel"] = fields.pop("tracking_label")
            return self.store.update("CONSIGNMENT", found["id"], fields)

    def upsert_location(
        self, ref: str, *, updated_on: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Creates or changes a location; `networks` is a list of network refs."""
        with self.store.lock:
            found = self.store.by_ref("LOCATION", ref)
            if found is None:
                base = {"ref": ref, "name": ref, "type": "STORE", "status": "ACTIVE"}
                found = self.store.create("LOCATION", {**base, **fields})
            else:
                found = self.store.update("LOCATION", found["id"], fields)
            if updated_on:
                found["updatedOn"] = updated_on
            return found

    # --- views -------------------------------------------------------------------------------
    def location_view(self, location: dict[str, Any]) -> dict[str, Any]:
        networks = [{"ref": ref, "__typename": "Network"} for ref in location.get("networks") or []]
        return {
            **location,
            "__typename": "Location",
            "networks": connection(networks, lambda node: node),
            "attributes": location.get("attributes") or [],
        }

    def fulfilment_view(self, fulfilment: dict[str, Any]) -> dict[str, Any]:
        location = self.store.by_ref("LOCATION", fulfilment["fromLocationRef"]) or {}
        order = self.store.get("ORDER", fulfilment["orderId"])
        items = [
            {**item, "__typename": "FulfilmentItem", "orderItem": {"ref": item["orderItemRef"]}}
            for item in fulfilment["items"]
        ]
        return {
            **fulfilment,
            "__typename": "Fulfilment",
            "fromLocation": self.location_view(location) if location else None,
            "order": self.order_view(order) if order else None,
            "items": connection(items, lambda item: item),
        }

    def article_view(self, article: dict[str, Any]) -> dict[str, Any]:
        items = [{**item, "orderItem": {"ref": item["orderItemRef"]}} for item in article["items"]]
        fulfilments = [
            f for f in (self.store.get("FULFILMENT", i) for i in article["fulfilmentIds"]) if f
        ]
        return {
            **article,
            "__typename": "Article",
            "items": connection(items, lambda item: item),
            "fulfilments": connection(fulfilments, self.fulfilment_view),
        }

    def consignment_view(self, consignment: dict[str, Any]) -> dict[str, Any]:
        carrier = self.store.by_ref("CARRIER", consignment["carrierRef"])
        articles = [
            a for a in (self.store.get("ARTICLE", i) for i in consignment["articleIds"]) if a
        ]
        nodes = [{"article": self.article_view(article)} for article in articles]
        return {
            **consignment,
            "__typename": "Consignment",
            "carrier": {**carrier, "__typename": "Carrier"} if carrier else None,
            "consignmentArticles": connection(nodes, lambda node: node),
        }

    # --- queries -----------------------------------------------------------------------------
    def fulfilment_by_id(self, arguments: dict[str, Any]) -> dict[str, Any] | None:
        found = self.store.get("FULFILMENT", str(arguments.get("id")))
        return self.fulfilment_view(found) if found else None

    def fulfilments(self, arguments: dict[str, Any]) -> Any:
        refs = set(arguments.get("ref") or [])
        nodes = [f for f in self.store.live("FULFILMENT") if not refs or f["ref"] in refs]
        return connection(nodes, self.fulfilment_view)(arguments)

    def consignment_by_id(self, arguments: dict[str, Any]) -> dict[str, Any] | None:
        found = self.store.get("CONSIGNMENT", str(arguments.get("id")))
        return self.consignment_view(found) if found else None

    def consignments(self, arguments: dict[str, Any]) -> Any:
        refs = set(arguments.get("ref") or [])
        nodes = [c for c in self.store.live("CONSIGNMENT") if not refs or c["ref"] in refs]
        return connection(nodes, self.consignment_view)(arguments)

    def locations(self, arguments: dict[str, Any]) -> Any:
        refs = set(arguments.get("ref") or [])
        nodes = [
            loc
            for loc in self.store.live("LOCATION")
            if (not refs or loc["ref"] in refs) and within(loc, arguments.get("updatedOn"))
        ]
        return connection(nodes, self.location_view)(arguments)

    def location_by_ref(self, arguments: dict[str, Any]) -> dict[str, Any]:
        found = self.store.by_ref("LOCATION", str(arguments.get("ref")))
        if found is None:
            raise not_found(f"Location '{arguments.get('ref')}'")
        return self.location_view(found)
