"""Stage 2 of Fluent webhooks: the handler for each webhook name, by the entity it is about."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ctbridge.connectors.fluent.config import FluentSettings
from ctbridge.connectors.fluent.to_commercetools.order_updates import OrderUpdates
from ctbridge.engine.connector import Handler, Outcome
from ctbridge.engine.message import Message

Apply = Callable[[dict[str, Any]], Awaitable[Outcome | None]]


def webhook_handler(entity_type: str, apply: Apply) -> Handler:
    """Skips (with the reason recorded) a webhook about another kind of entity than expected:
    a name routed to the wrong handler must not touch an order."""

    async def handle(message: Message) -> Outcome | None:
        webhook = message.payload
        actual = str(webhook.get("entityType", "")).upper()
        if actual != entity_type:
            return Outcome(
                "skipped", f"webhook {message.type} is about a {actual}, expected {entity_type}"
            )
        return await apply(webhook)

    return handle


def webhook_handlers(
    settings: FluentSettings, updates: Callable[[], OrderUpdates]
) -> dict[str, Handler]:
    """Webhook name → handler. The reference connector's FLUENT_WEBHOOK_NAME (an order webhook)
    is routed to the order status handler unless another list names it."""

    async def order_status(webhook: dict[str, Any]) -> Outcome | None:
        return await updates().order_status(webhook)

    async def fulfilment(webhook: dict[str, Any]) -> Outcome | None:
        return await updates().fulfilment(webhook)

    async def consignment(webhook: dict[str, Any]) -> Outcome | None:
        return await updates().consignment(webhook)

    handlers: dict[str, Handler] = {}
    for name in settings.fluent_webhook_name:
        handlers[name] = webhook_handler("ORDER", order_status)
    for name in settings.fluent_order_webhook_names:
        handlers[name] = webhook_handler("ORDER", order_status)
    for name in settings.fluent_fulfilment_webhook_names:
        handlers[name] = webhook_handler("FULFILMENT", fulfilment)
    for name in settings.fluent_consignment_webhook_names:
        handlers[name] = webhook_handler("CONSIGNMENT", consignment)
    return handlers
