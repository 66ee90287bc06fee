"""Fluent order status → commercetools orderState, paymentState and shipmentState (many-to-one)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ORDER_STATES = ("Open", "Confirmed", "Complete", "Cancelled")
PAYMENT_STATES = ("BalanceDue", "Failed", "Pending", "CreditOwed", "Paid")
SHIPMENT_STATES = ("Shipped", "Delivered", "Ready", "Pending", "Delayed", "Partial", "Backorder")

# The defaults Fluent's own connector ships (docs: "commercetools connector - Order Status Updates").
DEFAULT_ORDER = {
    "RECEIVED": "Open",
    "PENDING_PAYMENT": "Open",
    "ESCALATED": "Open",
    "BOOKED": "Confirmed",
    "PICK_PACK": "Confirmed",
    "PICK_PACK_CC": "Confirmed",
    "AWAITING_COURIER_COLLECTION": "Confirmed",
    "AWAITING_CUSTOMER_COLLECTION": "Confirmed",
    "COMPLETE": "Complete",
    "CANCELLED": "Cancelled",
}
DEFAULT_PAYMENT = {"RECEIVED": "Pending", "PENDING_PAYMENT": "Pending", "BOOKED": "Paid"}
DEFAULT_SHIPMENT = {
    "RECEIVED": "Pending",
    "BOOKED": "Pending",
    "PICK_PACK": "Pending",
    "AWAITING_COURIER_COLLECTION": "Shipped",
    "COMPLETE": "Shipped",
}

# (ct order field, update action, allowed values) per kind of mapping.
KINDS = {
    "order": ("orderState", "changeOrderState", ORDER_STATES),
    "payment": ("paymentState", "changePaymentState", PAYMENT_STATES),
    "shipment": ("shipmentState", "changeShipmentState", SHIPMENT_STATES),
}


class MappingInvalid(ValueError):
    """A mapping names a commercetools state that does not exist, or is not a JSON object."""


@dataclass(frozen=True, slots=True)
class StatusMappings:
    """Fluent status → ct state, one table per kind. A status absent from a table is unmapped."""

    order: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ORDER))
    payment: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PAYMENT))
    shipment: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SHIPMENT))

    def table(self, kind: str) -> Mapping[str, str]:
        return {"order": self.order, "payment": self.payment, "shipment": self.shipment}[kind]

    def overridden(self, kind: str, overrides: Mapping[str, str | None]) -> StatusMappings:
        """A copy whose `kind` table has `overrides` applied; a None/empty value unmaps a status."""
        table = dict(self.table(kind))
        for status, state in overrides.items():
            if state:
                table[status.upper()] = state
            else:
                table.pop(status.upper(), None)
        return StatusMappings(**{**_tables(self), kind: table})


def _tables(mappings: StatusMappings) -> dict[str, Mapping[str, str]]:
    return {kind: mappings.table(kind) for kind in KINDS}


def canonical_state(kind: str, value: str) -> str:
    """The ct spelling of a state named in any case (Fluent's docs write `paid`, `pending`)."""
    allowed = KINDS[kind][2]
    for state in allowed:
        if state.lower() == value.strip().lower():
            return state
    raise MappingInvalid(
        f"{value!r} is not a commercetools {KINDS[kind][0]} ({', '.join(allowed)})"
    )


def parse_mapping(kind: str, raw: Any) -> dict[str, str | None]:
    """A mapping from configuration or a Fluent setting: a JSON object, optionally wrapped in
    `{"fluent": {...}}` as Fluent stores it, or `STATUS=State,STATUS2=State` text."""
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith(("{", "[")):
            try:
                raw = json.loads(text)
            except ValueError as error:
                raise MappingInvalid(f"not valid JSON: {error}") from None
        else:
            pairs = [part.partition("=") for part in text.split(",") if part.strip()]
            if any(not separator or not status.strip() for status, separator, _ in pairs):
                raise MappingInvalid("must be JSON or STATUS=State pairs separated by commas")
            raw = {status.strip(): state.strip() for status, _, state in pairs}
    if isinstance(raw, dict) and isinstance(raw.get("fluent"), dict):
        raw = raw["fluent"]
    if not isinstance(raw, dict):
        raise MappingInvalid("must be a JSON object of Fluent status to commercetools state")
    return {
        str(status).upper(): canonical_state(kind, str(state)) if state else None
        for status, state in raw.items()
    }


@dataclass(frozen=True, slots=True)
class StatusChange:
    """The update actions a status calls for, and the kinds it has no mapping for."""

    actions: list[dict[str, Any]]
    unmapped: tuple[str, ...]
    mapped: tuple[str, ...]


def status_actions(
    order: Mapping[str, Any], fluent_status: str, mappings: StatusMappings
) -> StatusChange:
    """Only actions that change something: a state the order already has is left alone."""
    status = fluent_status.upper()
    actions: list[dict[str, Any]] = []
    unmapped: list[str] = []
    mapped: list[str] = []
    for kind, (field_name, action, _) in KINDS.items():
        target = mappings.table(kind).get(status)
        if target is None:
            unmapped.append(kind)
            continue
        mapped.append(kind)
        if order.get(field_name) != target:
            actions.append({"action": action, field_name: target})
    return StatusChange(actions, tuple(unmapped), tuple(mapped))
