"""Liveness, readiness (the store is still ours and takes writes) and Prometheus metrics (behind
a token if one is set)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ctbridge.engine import metrics
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.store import StoreLost
from ctbridge.host import Engine


def health_router(engine: Engine) -> APIRouter:
    router = APIRouter(tags=["health"])
    inbox = Inbox(engine.store)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        try:
            await engine.store.check_writable()
        except StoreLost as lost:
            return JSONResponse({"status": "unavailable", "store": str(lost)}, status_code=503)
        except Exception as error:
            return JSONResponse(
                {"status": "unavailable", "database": type(error).__name__}, status_code=503
            )
        return JSONResponse({"status": "ready"})

    @router.get("/metrics")
    async def prometheus(request: Request) -> Response:
        """With CTBRIDGE_METRICS_TOKEN set, only `Authorization: Bearer <token>` may read."""
        token = engine.settings.metrics_token
        if token is not None and not bearer_matches(
            request.headers.get("authorization"), token.get_secret_value()
        ):
            return JSONResponse(
                {"message": "metrics token required"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="ctbridge metrics"'},
            )
        try:
            stats = await inbox.stats()
        except Exception:
            # Metrics must still answer while the store is down: that is when they are read.
            metrics.STORE_FAILURES.labels("metrics").inc()
        else:
            metrics.QUEUE_DEPTH.labels("pending").set(stats.pending)
            metrics.QUEUE_DEPTH.labels("running").set(stats.running)
            metrics.QUEUE_DEPTH.labels("dead").set(stats.dead)
            metrics.OLDEST_PENDING_SECONDS.set(stats.oldest_pending_age or 0)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(
        given.strip().encode(), token.encode()
    )
