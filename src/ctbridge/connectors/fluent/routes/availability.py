"""`GET /fluent/availability?sku=...&location=...&quantity=...`: live availability, behind the API token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from ctbridge.connectors.fluent.client import operations
from ctbridge.connectors.fluent.client.errors import FluentPermanent, FluentRetryable
from ctbridge.connectors.fluent.routes.availability_mapping import (
    availability,
    fulfilment_option_input,
)

if TYPE_CHECKING:
    from ctbridge.connectors.fluent.connector import FluentConnector

PATH = "/fluent/availability"


def availability_router(connector: FluentConnector) -> APIRouter:
    router = APIRouter()

    def guard(request: Request) -> None:
        connector.api_token.check(request)

    @router.get(PATH, dependencies=[Depends(guard)])
    async def product_availability(
        sku: str = Query(min_length=1, max_length=256),
        location: str | None = Query(default=None, max_length=256),
        quantity: int = Query(default=1, ge=1, le=100_000),
    ) -> JSONResponse:
        """The only synchronous path to Fluent: asks for fulfilment options now, answers 502/503
        when Fluent refuses or is unreachable rather than guessing."""
        settings = connector.settings
        fields = fulfilment_option_input(
            sku,
            quantity,
            retailer_id=settings.fluent_retailer_id,
            catalogue_ref=settings.fluent_catalogue_ref,
            location=location,
        )
        try:
            data = await connector.fluent().graphql(
                operations.FULFILMENT_OPTIONS, {"input": fields}, idempotent=True
            )
        except FluentRetryable as error:
            return JSONResponse({"message": f"Fluent unavailable: {error.reason}"}, status_code=503)
        except FluentPermanent as error:
            return JSONResponse({"message": f"Fluent refused: {error.reason}"}, status_code=502)
        mapper = connector.runtime.mapper("fluent.availability", availability)
        return JSONResponse(mapper(data.get("createFulfilmentOption") or {}, sku, location))

    return router
