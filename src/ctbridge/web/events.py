"""`POST /events`: commercetools deliveries in, validated and stored durably, answered fast."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ctbridge.commercetools.messages import IgnoredDelivery, MalformedDelivery, parse_delivery
from ctbridge.engine import metrics
from ctbridge.engine.host import Engine
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter

SOURCE = "commercetools"


class BodyTooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    """Reads the body, refusing more than `limit` bytes without buffering the excess."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def events_router(engine: Engine, writer: IntakeWriter) -> APIRouter:
    router = APIRouter(tags=["intake"])
    inbox = Inbox(engine.store)
    limit = engine.settings.max_body_bytes

    @router.post(
        "/events", status_code=202, summary="Receive a commercetools subscription delivery"
    )
    async def receive_event(request: Request) -> JSONResponse:
        """Pub/Sub push, CloudEvents or Platform format. Anything unusable is acknowledged
        (2xx) and recorded, so the sender does not redeliver it for days; only a failure to store
        a good message is answered 503, so that it is redelivered."""
        try:
            body = await read_limited(request, limit)
        except BodyTooLarge:
            metrics.REJECTED.labels(SOURCE, "too_large").inc()
            return JSONResponse({"status": "rejected", "reason": "body too large"}, status_code=413)
        try:
            message = parse_delivery(body, request.headers)
        except IgnoredDelivery as ignored:
            metrics.REJECTED.labels(SOURCE, "ignored").inc()
            return JSONResponse({"status": "ignored", "reason": ignored.reason}, status_code=200)
        except MalformedDelivery as malformed:
            metrics.REJECTED.labels(SOURCE, "malformed").inc()
            await inbox.record_rejection(SOURCE, malformed.reason, body)
            return JSONResponse({"status": "rejected", "reason": malformed.reason}, status_code=202)
        connectors = engine.registry.connectors_for(message.type)
        try:
            stored = await writer.submit(message, connectors)
        except Exception:
            return JSONResponse({"status": "error", "reason": "could not store"}, status_code=503)
        if stored:
            metrics.RECEIVED.labels(SOURCE).inc()
        else:
            metrics.DUPLICATES.labels(SOURCE).inc()
        return JSONResponse(
            {"status": "accepted" if stored else "duplicate", "connectors": connectors},
            status_code=202,
        )

    return router
