"""A Fluent webhook body checked for the fields the connector needs, and its inbox message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctbridge.engine.message import Message

# "Connector Contracts - Order Update Contract" (docs.fluentcommerce.com/building-blocks/
# connector-contracts-order-update-contract), JSON schema `required`: these seven. Every other
# field, `entityStatus` included, is optional: the handlers read the entity's status from Fluent.
REQUIRED = ("id", "name", "accountId", "retailerId", "entityId", "entityRef", "entityType")


class WebhookRejected(ValueError):
    """The body is not a webhook ctbridge can accept; the reason names fields, never values."""


@dataclass(frozen=True, slots=True)
class FluentWebhook:
    id: str
    name: str
    account_id: str
    retailer_id: str
    entity_type: str
    entity_id: str | None
    entity_ref: str | None
    entity_status: str | None
    body: dict[str, Any]

    @property
    def entity(self) -> str:
        return self.entity_ref or self.entity_id or ""

    def message(self) -> Message:
        """Keyed by the webhook id, so a redelivered webhook is stored once; per entity, the
        worker takes webhooks one at a time in arrival order."""
        return Message(
            id=self.id,
            type=self.name,
            source="fluent",
            resource_type=self.entity_type,
            resource_id=self.entity,
            sequence_number=None,
            payload=self.body,
        )


def parse_webhook(body: Any, *, account_id: str | None, retailer_id: str) -> FluentWebhook:
    """Checks the required fields (ids may be numbers or strings), then that the webhook is for
    this account (when one is configured) and retailer."""
    if not isinstance(body, dict):
        raise WebhookRejected("the body is not a JSON object")
    missing = [name for name in REQUIRED if body.get(name) in (None, "")]
    if missing:
        raise WebhookRejected(f"missing field(s): {', '.join(missing)}")
    if account_id is not None and str(body["accountId"]).upper() != account_id.upper():
        raise WebhookRejected("accountId is not this connector's Fluent account")
    if str(body["retailerId"]) != str(retailer_id):
        raise WebhookRejected("retailerId is not this connector's retailer")
    return FluentWebhook(
        id=str(body["id"]),
        name=str(body["name"]),
        account_id=str(body["accountId"]),
        retailer_id=str(body["retailerId"]),
        entity_type=str(body["entityType"]).upper(),
        entity_id=_text(body.get("entityId")),
        entity_ref=_text(body.get("entityRef")),
        entity_status=_text(body.get("entityStatus")),
        body=body,
    )


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
