"""Builds the ASGI app of `ctbridge serve` around an open engine."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from ctbridge import tracing
from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.commercetools.transports.push import PushIntake
from ctbridge.commercetools.transports.settings import TransportSettings
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.host import Engine
from ctbridge.settings import load
from ctbridge.web.admin_api import admin_api_router
from ctbridge.web.admin_page import admin_page_router
from ctbridge.web.api_docs import api_docs_router
from ctbridge.web.body_limit import BodyLimit
from ctbridge.web.cross_site import CrossSiteGuard
from ctbridge.web.events import EventsFastLane, event_handler, events_router
from ctbridge.web.health import health_router
from ctbridge.web.pull import run_pull_consumer, run_sqs_consumer
from ctbridge.web.request_deadline import RequestDeadline
from ctbridge.web.webhook_handshake import webhook_handshake_router


def create_app(
    engine: Engine,
    *,
    background: bool = False,
    close_engine: bool = False,
    transports: TransportSettings | None = None,
) -> FastAPI:
    """The app serves intake, health, admin and every enabled connector's routes.

    With `background=True` the worker and scheduler run in the app's lifespan (the embedded
    `serve` mode); on shutdown they finish the batch in hand and stop.
    """
    inbox = Inbox(engine.store)
    writer = IntakeWriter(inbox)
    intake = DeliveryIntake(engine.registry, inbox, writer)
    transports = transports or load(TransportSettings)
    push = PushIntake(intake, transports)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        writer.start()
        stop = asyncio.Event()
        loops = (
            asyncio.gather(
                engine.serve_background(stop),
                run_pull_consumer(engine, intake, stop),
                run_sqs_consumer(transports, intake, stop),
            )
            if background
            else None
        )
        try:
            yield
        finally:
            stop.set()
            if loops is not None:
                await loops
            await writer.close()
            await push.aclose()
            if close_engine:
                await engine.close()

    app = FastAPI(
        title="ctbridge",
        summary="commercetools integration connectors",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    receive_event = event_handler(push, engine.settings.max_body_bytes)
    app.include_router(events_router(receive_event))
    app.include_router(webhook_handshake_router())
    app.include_router(health_router(engine))
    app.include_router(admin_api_router(engine))
    app.include_router(admin_page_router(engine))
    for connector in engine.connectors.values():
        for router in connector.routers():
            app.include_router(router)
    app.include_router(api_docs_router(app, engine.settings))
    # Added innermost first. From the outside in: a cross-site request is refused before its
    # body is read; every body is bounded; every request is answered within the deadline;
    # then deliveries take their fast lane.
    app.add_middleware(EventsFastLane, handler=receive_event)
    app.add_middleware(RequestDeadline, seconds=engine.settings.request_deadline_seconds)
    app.add_middleware(BodyLimit, limit=engine.settings.max_body_bytes)
    app.add_middleware(CrossSiteGuard)
    tracing.instrument_app(app)
    return app
