"""External systems in and out: `POST /webhooks/external/{name}` → handler, handler → configured URL."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ctbridge.engine.message import Message
from ctbridge.errors import Permanent, Retryable
from ctbridge.http.tls import shared_tls_context
from ctbridge.web.body_limit import BodyTooLarge, read_bounded

if TYPE_CHECKING:
    from ctbridge.connectors.fluent.connector import FluentConnector

PATH = "/webhooks/external/{name}"
MESSAGE_PREFIX = "external."
IDEMPOTENCY_HEADER = "idempotency-key"
SIGNATURE_HEADER = "X-Ctbridge-Signature"
MAX_BODY_BYTES = 1024 * 1024


def external_message_type(name: str) -> str:
    """The handler key for payloads posted under `name`: register one with
    `registry.add_handler("fluent", "external.<name>", factory)`."""
    return MESSAGE_PREFIX + name


def external_message(name: str, body: bytes, payload: Any, idempotency_key: str | None) -> Message:
    """Keyed by the sender's Idempotency-Key, else by the body's hash: a resent payload is
    stored once."""
    key = idempotency_key or hashlib.sha256(body).hexdigest()
    return Message(
        id=f"external:{name}:{key}",
        type=external_message_type(name),
        source="external",
        resource_type="external",
        resource_id=name,
        payload={"name": name, "payload": payload},
    )


def external_webhook_router(connector: FluentConnector) -> APIRouter:
    router = APIRouter()

    def guard(request: Request) -> None:
        connector.api_token.check(request)

    @router.post(PATH, dependencies=[Depends(guard)])
    async def receive_external_webhook(name: str, request: Request) -> JSONResponse:
        message_type = external_message_type(name)
        if connector.runtime.registry.handler(connector.name, message_type) is None:
            return JSONResponse({"message": f"no handler for external webhook {name}"}, 404)
        try:
            body = await read_bounded(request, MAX_BODY_BYTES)
        except BodyTooLarge:
            return JSONResponse({"message": "body too large"}, 413, {"Connection": "close"})
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return JSONResponse({"message": "the body is not JSON"}, 400)
        message = external_message(name, body, payload, request.headers.get(IDEMPOTENCY_HEADER))
        stored = await connector.runtime.enqueue(message, connectors=[connector.name])
        return JSONResponse({"status": "accepted" if stored else "duplicate"}, 202)

    return router


class ExternalWebhookUnknown(Permanent):
    """No URL is configured for this webhook name (FLUENT_EXTERNAL_WEBHOOKS)."""


class ExternalWebhookRetryable(Retryable):
    """The receiver was unreachable, throttled or failed."""


class ExternalWebhookRejected(Permanent):
    """The receiver refused the payload (4xx)."""


class ExternalWebhookSender:
    """`await send(name, payload)` posts JSON to the URL configured for `name`, signed with
    HMAC-SHA256 (`X-Ctbridge-Signature: sha256=<hex>`) when a secret is set. Failures are typed
    so a handler that sends can simply let them propagate to the worker."""

    def __init__(
        self,
        urls: dict[str, str],
        *,
        secret: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.urls = dict(urls)
        self._secret = secret.encode() if secret else None
        self._http = httpx.AsyncClient(
            verify=shared_tls_context(),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
        )

    async def send(self, name: str, payload: Any, *, idempotency_key: str | None = None) -> int:
        url = self.urls.get(name)
        if url is None:
            raise ExternalWebhookUnknown(f"no URL configured for external webhook {name}")
        content = json.dumps(payload, default=str).encode()
        headers = {"Content-Type": "application/json"}
        if self._secret is not None:
            digest = hmac.new(self._secret, content, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = await self._http.post(url, content=content, headers=headers)
        except httpx.TransportError as error:
            raise ExternalWebhookRetryable(
                f"{name}: unreachable ({type(error).__name__})"
            ) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise ExternalWebhookRetryable(f"{name}: answered {status}")
        if status >= 300:
            raise ExternalWebhookRejected(f"{name}: answered {status}")
        return status

    async def aclose(self) -> None:
        await self._http.aclose()
