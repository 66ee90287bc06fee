"""The product-catalogue workflow the emulator runs for Event API events (create vs update by ref)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from ctbridge.sandbox.fluent.entities import EntityStore

REQUIRED_ENVELOPE = ("name", "retailerId", "entityType", "entityRef")

# Product Catalog Workflow Interface Contracts, UPSERT_CATEGORY (docs.fluentcommerce.com/
# building-blocks/product-catalogue-workflow-interface-contracts): attribute → (required,
# length limit); every one is a String. `ref` is "Uppercase Alphanumeric" (the example ref
# `GAMING_CHAIR` has `_`). The parent is `parentCategory`; `childCategories` is the
# "Update Category with Children" form.
CATEGORY_CONTRACT = {
    "ref": (True, 100),
    "name": (True, 100),
    "type": (True, 50),
    "status": (False, 50),
    "summary": (False, 255),
    "parentCategory": (False, 255),
    "childCategories": (False, 255),
}
CATEGORY_REF = re.compile(r"^[A-Z0-9_]+$")


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

    def __init__(
        self,
        store: EntityStore,
        *,
        retailer_id: str,
        catalogue_refs: set[str],
        catalogue_types: dict[str, str] | None = None,
    ) -> None:
        self.store = store
        self.retailer_id = retailer_id
        self.catalogue_refs = catalogue_refs
        types = catalogue_types or {}
        self.catalogue_types = {
            ref: types.get(ref) or catalogue_type(ref) for ref in catalogue_refs
        }
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
        # Fluent runs the workflow `PRODUCT_CATALOGUE::<type>` (createStandardProduct's default
        # workflowRef, GraphQL reference); an event whose entitySubtype is not the catalogue's
        # type reaches no workflow. The real answer for that case is not documented; NO_MATCH
        # is what the Event API reports for an event no rule takes.
        subtype = entry.get("entitySubtype")
        if subtype != self.catalogue_types[catalogue]:
            return EventResult(
                entry["id"],
                "NO_MATCH",
                message=f"no workflow PRODUCT_CATALOGUE::{subtype} for catalogue {catalogue} "
                f"(its type is {self.catalogue_types[catalogue]})",
            )
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
        _check_contract("UPSERT_CATEGORY", attributes, CATEGORY_CONTRACT)
        if not CATEGORY_REF.match(attributes["ref"]):
            raise _RuleFailed(f"category ref {attributes['ref']!r} is not uppercase alphanumeric")
        parent = attributes.get("parentCategory")
        # "nested under the existing category CHAIR" (the contract's example): the parent must
        # already be in the catalogue.
        if parent and self.store.by_ref("CATEGORY", parent, scope=catalogue) is None:
            raise _RuleFailed(f"parent category {parent} does not exist")
        fields = {
            "ref": attributes["ref"],
            "name": attributes["name"],
            "type": attributes["type"],
            "status": attributes.get("status", "ACTIVE"),
            "summary": attributes.get("summary"),
            "parentCategory": parent,
            # Typed String ≤ 255; how several children are separated is not documented, so
            # the emulator keeps the text as given and does not re-parent anything from it.
            "childCategories": attributes.get("childCategories"),
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


def catalogue_type(ref: str) -> str:
    """The emulator's convention when a test names no type: the segment before the retailer id
    (`PC:MASTER:1` → MASTER, `DEFAULT:1` → DEFAULT), as in Fluent's documented examples."""
    parts = ref.split(":")
    if len(parts) >= 3:
        return parts[-2]
    if len(parts) == 2:
        return parts[0]
    return "MASTER"


class _RuleFailed(Exception):
    pass


def _check_contract(
    event: str, attributes: dict[str, Any], contract: dict[str, tuple[bool, int]]
) -> None:
    """Names the first attribute the contract does not list, or that is missing, not a string
    or too long. What the real workflow does with an attribute its contract does not list is
    not documented; the emulator fails the event so that a misnamed attribute (the tree sent
    as `parentCategoryRef`) cannot pass as if Fluent had understood it."""
    unknown = sorted(set(attributes) - set(contract))
    if unknown:
        raise _RuleFailed(f"{event}: attribute(s) not in the contract: {', '.join(unknown)}")
    for name, (required, limit) in contract.items():
        value = attributes.get(name)
        if value is None or value == "":
            if required:
                raise _RuleFailed(f"{event}: missing attribute {name}")
            continue
        if not isinstance(value, str):
            raise _RuleFailed(f"{event}: attribute {name} must be a String")
        if len(value) > limit:
            raise _RuleFailed(f"{event}: attribute {name} is longer than {limit} characters")


def _require(attributes: dict[str, Any], *names: str) -> None:
    missing = [name for name in names if attributes.get(name) in (None, "")]
    if missing:
        raise _RuleFailed(f"missing attribute(s): {', '.join(missing)}")
