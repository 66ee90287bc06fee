"""`OPTIONS /events`: the CloudEvents webhook handshake Azure Event Grid sends before delivering."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ctbridge.commercetools.transports.eventgrid import handshake_headers


def webhook_handshake_router() -> APIRouter:
    router = APIRouter(tags=["intake"])

    @router.options("/events", summary="CloudEvents webhook validation (Azure Event Grid)")
    async def validate_webhook(request: Request) -> Response:
        """Answers `WebHook-Request-Origin` with `WebHook-Allowed-Origin`; it stores nothing."""
        headers = handshake_headers(request.headers)
        if headers is None:
            return Response(status_code=400)
        return Response(status_code=200, headers=headers)

    return router
