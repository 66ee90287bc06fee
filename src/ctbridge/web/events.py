"""`POST /events`: commercetools deliveries in, validated and stored durably, answered fast."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from ctbridge.commercetools.delivery_intake import SOURCE
from ctbridge.commercetools.transports.push import PushIntake
from ctbridge.commercetools.transports.sns import SnsRejected
from ctbridge.engine import metrics
from ctbridge.web.body_limit import BodyTooLarge, read_bounded

log = structlog.get_logger("ctbridge.events")


def unauthorized() -> JSONResponse:
    return JSONResponse(
        {"status": "unauthorized"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
    )


Handler = Callable[[Request], Awaitable[Response]]
PATH = "/events"


def event_handler(intake: PushIntake, limit: int) -> Handler:
    async def receive_event(request: Request) -> Response:
        """Pub/Sub push, CloudEvents or Platform format. Anything unusable is acknowledged
        (2xx) and recorded, so the sender does not redeliver it for days; only a failure to store
        a good message is answered 503, so that it is redelivered. With credentials configured
        (CTBRIDGE_EVENTS_TOKEN, Pub/Sub OIDC, Event Grid key), a delivery without them is 401."""
        # The query string is parsed only when credentials are configured: most deliveries
        # carry none, and parsing it for each one is a measurable part of intake's cost.
        if intake.requires_credentials and not await intake.allows(
            request.headers, request.query_params
        ):
            metrics.REJECTED.labels(SOURCE, "unauthorized").inc()
            return unauthorized()
        try:
            body = await read_bounded(request, limit)
        except BodyTooLarge:
            metrics.REJECTED.labels(SOURCE, "too_large").inc()
            return JSONResponse({"status": "rejected", "reason": "body too large"}, status_code=413)
        except ClientDisconnect:
            # The sender gave up; it redelivers what it did not see acknowledged. Nothing to fix.
            metrics.REJECTED.labels(SOURCE, "client_disconnected").inc()
            log.debug("client disconnected before sending the whole body")
            return Response(status_code=400)
        try:
            result = await intake.accept(body, request.headers)
        except SnsRejected as rejected:
            metrics.REJECTED.labels(SOURCE, "unauthorized").inc()
            return JSONResponse({"status": "unauthorized", "reason": rejected.reason}, 401)
        except Exception:
            return JSONResponse({"status": "error", "reason": "could not store"}, status_code=503)
        if result.reply is not None:
            return JSONResponse(result.reply, status_code=200)
        if result.status in ("accepted", "duplicate"):
            return JSONResponse(
                {"status": result.status, "connectors": result.connectors}, status_code=202
            )
        status_code = 200 if result.status == "ignored" else 202
        return JSONResponse(
            {"status": result.status, "reason": result.reason}, status_code=status_code
        )

    return receive_event


def events_router(handler: Handler) -> APIRouter:
    """The route as the API documents it; `EventsFastLane` answers the same requests first."""
    router = APIRouter(tags=["intake"])
    router.add_api_route(
        PATH,
        handler,
        methods=["POST"],
        status_code=202,
        summary="Receive a commercetools subscription delivery",
    )
    return router


class EventsFastLane:
    """ASGI middleware handing `POST /events` straight to its handler, past FastAPI's routing,
    dependency and exception layers: they did a third of intake's work per delivery, and the
    handler needs none of them (it reads the raw body and answers every outcome itself). The
    middlewares outside this one (cross-site guard, body limit, deadline) still apply."""

    def __init__(self, app: ASGIApp, handler: Handler) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST":
            response = await self.handler(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
