"""The product-catalogue workflow the emulator runs for Event API events (create vs update by ref)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ctbridge.sandbox.fluent.entities import EntityStore

REQUIRED_ENVELOPE = ("name", "retailerId", "entityType", "entityRef")


class EventRejected(Exception):
    """The event envelope is invalid: the Event API answers 400."""


@dataclass
class EventResult:
    event_id: str
    status: str  # COMPLETE | FAILED | NO_MATCH
    entity_id: str | None = None
    message: str = ""


class ProductCatalogueWorkflow:
    """UPSERT_CATEGORY and UPSERT_PRODUCT against a catalogue, as Fluent's reference workflow.

    Rules: an unknown ref creates the entity, a known one updates it (attributes upserted by
    name, prices by type and currency); a variant needs its standard product, a product its
    categories and a category its parent, else the event FAILS.
    """

    def __init__(self, store: EntityStore, *, retailer_id: str, catalogue_refs: set[str]) -> None:
        self.store = store
        self.retailer_id = retailer_id
        self.catalogue_refs = catalogue_refs
        self.log: list[dict[str, Any]] = []

    def validate(self, event: Any) -> None:
        if not isinstance(event, dict):
            raise EventRejected("The event body must be a JSON object")
        missing = [name for name in REQUIRED_ENVELOPE if not event.get(name)]
        if missing:
            raise EventRejected(f"Missing required field(s): {', '.join(missing)}")
        if str(event["retailerId"]) != self.retailer_id:
            raise EventRejected(f"Unknown retailerId {event['retailerId']}")

    def accept(self, event: dict[str, Any]) -> dict[str, Any]:
        """Logs an event as PENDING and returns the log entry."""
        entry = {
            "id": str(uuid.uuid4()),
            "name": event["name"],
            "type": "ORCHESTRATION",
            "accountId": event.get("accountId"),
            "retailerId": str(event["retailerId"]),
            "entityType": event["entityType"],
            "entityRef": event["entityRef"],
            "entitySubtype": event.get("entitySubtype"),
            "attributes": event.get("attributes") or {},
            "eventStatus": "PENDING",
            "generatedOn": self.store.timestamp(),
        }
        with self.store.lock:
            self.log.append(entry)
        return entry

    def run(self, entry: dict[str, Any]) -> EventResult:
        result = self._run(entry)
        with self.store.lock:
            entry["eventStatus"] = result.status
            entry["message"] = result.message
            entry["entityId"] = result.entity_id
        return result

    def _run(self, entry: dict[str, Any]) -> EventResult:
        if (
            entry["entityType"] != "PRODUCT_CATALOGUE"
            or entry["entityRef"] not in self.catalogue_refs
        ):
            return EventResult(entry["id"], "NO_MATCH", message="no workflow for this entity")
        catalogue = entry["entityRef"]
        attributes = entry["attributes"]
        with self.store.lock:
            try:
                if entry["name"] == "UPSERT_CATEGORY":
                    entity = self._upsert_category(catalogue, attributes)
                elif entry["name"] == "UPSERT_PRODUCT":
                    entity = self._upsert_product(catalogue, attributes)
                else:
                    return EventResult(
                        entry["id"], "NO_MATCH", message="no rule for this event name"
                    )
            except _RuleFailed as failure:
                return EventResult(entry["id"], "FAILED", message=str(failure))
        return EventResult(entry["id"], "COMPLETE", entity_id=entity["id"])

    def _upsert_category(self, catalogue: str, attributes: dict[str, Any]) -> dict[str, Any]:
        _require(attributes, "ref", "name")
        parent = attributes.get("parentCategoryRef")
        if parent and self.store.by_ref("CATEGORY", parent, scope=catalogue) is None:
            raise _RuleFailed(f"parent category {parent} does not exist")
        fields = {
            "ref": attributes["ref"],
            "name": attributes["name"],
            "type": attributes.get("type", "STANDARD"),
            "status": attributes.get("status", "ACTIVE"),
            "summary": attributes.get("summary"),
            "parentCategoryRef": parent,
            "catalogueRef": catalogue,
        }
        return self._upsert("CATEGORY", catalogue, fields, attributes)

    def _upsert_product(self, catalogue: str, attributes: dict[str, Any]) -> dict[str, Any]:
        _require(attributes, "ref", "type", "name", "gtin")
        if len(str(attributes["gtin"])) > 20:
            raise _RuleFailed("gtin is longer than 20 characters")
        if len(str(attributes.get("summary") or "")) > 255:
            raise _RuleFailed("summary is longer than 255 characters")
        kind = attributes["type"]
        if kind not in ("STANDARD", "VARIANT"):
            raise _RuleFailed(f"unknown product type {kind}")
        standard_ref = attributes.get("standardProductRef")
        if kind == "VARIANT":
            standard = self.store.by_ref("PRODUCT", standard_ref or "", scope=catalogue)
            if standard is None or standard["type"] != "STANDARD":
                raise _RuleFailed(f"standard product {standard_ref} does not exist")
        for category in attributes.get("categoryRefs") or []:
            if self.store.by_ref("CATEGORY", category, scope=catalogue) is None:
                raise _RuleFailed(f"category {category} does not exist")
        fields = {
            key: attributes[key]
            for key in (
                "ref",
                "type",
                "name",
                "gtin",
                "summary",
                "status",
                "taxType",
                "categoryRefs",
            )
            if key in attributes
        }
        fields["catalogueRef"] = catalogue
        if kind == "VARIANT":
            fields["standardProductRef"] = standard_ref
        return self._upsert("PRODUCT", catalogue, fields, attributes)

    def _upsert(
        self, entity_type: str, catalogue: str, fields: dict[str, Any], attributes: dict[str, Any]
    ) -> dict[str, Any]:
        existing = self.store.by_ref(entity_type, fields["ref"], scope=catalogue)
        if existing is None:
            fields.setdefault("status", "ACTIVE")
            fields["attributes"] = list(attributes.get("attributes") or [])
            fields["prices"] = list(attributes.get("prices") or [])
            return self.store.create(entity_type, fields, scope=catalogue)
        merged_attributes = {a["name"]: a for a in existing.get("attributes", [])}
        merged_attributes.update({a["name"]: a for a in attributes.get("attributes") or []})
        merged_prices = {(p["type"], p["currency"]): p for p in existing.get("prices", [])}
        merged_prices.update(
            {(p["type"], p["currency"]): p for p in attributes.get("prices") or []}
        )
        fields["attributes"] = list(merged_attributes.values())
        fields["prices"] = list(merged_prices.values())
        fields["version"] = existing.get("version", 1) + 1
        return self.store.update(entity_type, existing["id"], fields)


class _RuleFailed(Exception):
    pass


def _require(attributes: dict[str, Any], *names: str) -> None:
    missing = [name for name in names if attributes.get(name) in (None, "")]
    if missing:
        raise _RuleFailed(f"missing attribute(s): {', '.join(missing)}")
