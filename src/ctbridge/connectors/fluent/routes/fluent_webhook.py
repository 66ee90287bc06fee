"""`POST /webhooks/fluent`: verifies the signature and the body, stores the webhook, answers fast."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ctbridge.connectors.fluent.to_commercetools.webhook_event import WebhookRejected, parse_webhook
from ctbridge.connectors.fluent.to_commercetools.webhook_verifier import SIGNATURE_HEADER
from ctbridge.engine.inbox import Inbox
from ctbridge.web.body_limit import BodyTooLarge, read_bounded

if TYPE_CHECKING:
    from ctbridge.connectors.fluent.connector import FluentConnector

PATH = "/webhooks/fluent"
MAX_BODY_BYTES = 1024 * 1024
# Fields that become inbox columns, with what those columns hold (engine/tables.py); a Fluent id
# is a number or a short string (Fluent docs, "Webhook attributes": id, name, entityId, ...).
STORED_FIELDS = {
    "id": 255,
    "name": 128,
    "accountId": 255,
    "retailerId": 255,
    "entityType": 64,
    "entityId": 255,
    "entityRef": 255,
    "entityStatus": 255,
}
log = structlog.get_logger("ctbridge.fluent.webhooks")


def webhook_router(connector: FluentConnector) -> APIRouter:
    router = APIRouter()

    @router.post(PATH)
    async def receive_fluent_webhook(request: Request) -> JSONResponse:
        """401: the signature does not verify with any configured key. 400: signed, but not a
        webhook for this account/retailer (Fluent should know it was refused). 2xx: stored —
        processing happens later from the queue, with retries — or ignored on purpose."""
        try:
            body = await read_bounded(request, MAX_BODY_BYTES)
        except BodyTooLarge:
            return JSONResponse(
                {"message": "body too large"}, status_code=413, headers={"Connection": "close"}
            )
        if not connector.webhook_verifier.verify(body, request.headers.get(SIGNATURE_HEADER)):
            log.warning(
                "Fluent webhook refused",
                reason="signature missing or invalid"
                if connector.webhook_verifier.keys
                else "no public key configured",
                client=request.client.host if request.client else None,
            )
            return JSONResponse({"message": "invalid signature"}, status_code=401)
        settings = connector.settings
        try:
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                raise WebhookRejected("the body is not JSON") from None
            check_storable(data)
            webhook = parse_webhook(
                data, account_id=settings.fluent_account_id, retailer_id=settings.fluent_retailer_id
            )
        except WebhookRejected as rejected:
            # The reason names fields only; the body (customer data) is neither logged nor kept.
            log.warning("Fluent webhook rejected", reason=str(rejected))
            await Inbox(connector.runtime.store).record_rejection(
                "fluent-webhook", str(rejected), None
            )
            return JSONResponse({"message": f"invalid webhook: {rejected}"}, status_code=400)
        bound = log.bind(webhook_id=webhook.id, name=webhook.name, entity=webhook.entity_type)
        if settings.fluent_webhook_name and webhook.name not in settings.fluent_webhook_name:
            bound.info("Fluent webhook ignored", reason="name not in FLUENT_WEBHOOK_NAME")
            return JSONResponse({"status": "ignored", "reason": "webhook name not enabled"})
        if connector.runtime.registry.handler(connector.name, webhook.name) is None:
            bound.info("Fluent webhook ignored", reason="no handler for this name")
            return JSONResponse({"status": "ignored", "reason": "no handler for this webhook name"})
        try:
            stored = await connector.runtime.enqueue(webhook.message(), connectors=[connector.name])
        except Exception:
            bound.exception("Fluent webhook not stored")
            return JSONResponse({"message": "not stored; retry"}, status_code=503)
        return JSONResponse(
            {"status": "accepted" if stored else "duplicate", "id": webhook.id}, status_code=202
        )

    return router


def check_storable(data: Any) -> None:
    """Refuses, before anything is stored, identifiers no inbox column can hold: an object or
    list where an id belongs (never stored as its printed form), an over-long value, a NUL
    character (PostgreSQL text cannot hold one) or a lone UTF-16 surrogate (not encodable as
    UTF-8). Without this the store would fail on every redelivery and answer 503 forever."""
    if not isinstance(data, dict):
        return
    for name, longest in STORED_FIELDS.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise WebhookRejected(f"{name} is not a string or an integer")
        text = str(value)
        if len(text) > longest:
            raise WebhookRejected(f"{name} is longer than {longest} characters")
        if "\x00" in text:
            raise WebhookRejected(f"{name} contains a NUL character")
        if not encodable(text):
            raise WebhookRejected(f"{name} contains a lone UTF-16 surrogate")


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
