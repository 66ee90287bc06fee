"""`GET /service/fluent-catalog-ingestion`: Basic-auth trigger of the catalog load job."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ctbridge.engine.jobs import JobBusy

if TYPE_CHECKING:
    from ctbridge.connectors.fluent.connector import FluentConnector

PATH = "/service/fluent-catalog-ingestion"
CHALLENGE = {"WWW-Authenticate": 'Basic realm="ctbridge fluent catalog ingestion", charset="UTF-8"'}


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) from a Basic Authorization header; the password may contain ':'."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, separator, password = decoded.partition(":")
    return (user, password) if separator else None


def authorized(header: str | None, project_key: str, secret: str | None) -> bool:
    """Constant-time comparison of both parts; no secret configured means nobody gets in."""
    credentials = basic_credentials(header)
    if credentials is None or not secret:
        return False
    user_ok = hmac.compare_digest(credentials[0].encode(), project_key.encode())
    password_ok = hmac.compare_digest(credentials[1].encode(), secret.encode())
    return user_ok and password_ok


def ingestion_router(connector: FluentConnector) -> APIRouter:
    router = APIRouter()

    @router.get(PATH)
    async def start_catalog_load(request: Request) -> JSONResponse:
        settings = connector.settings
        secret = (
            settings.basic_auth_secret.get_secret_value() if settings.basic_auth_secret else None
        )
        project_key = connector.project_key()
        if not authorized(request.headers.get("authorization"), project_key, secret):
            return JSONResponse({"message": "Unauthorized"}, status_code=401, headers=CHALLENGE)
        job = f"{connector.name}.load-products"
        try:
            run_id = await connector.runtime.start_job(
                job, dict(request.query_params), trigger="http"
            )
        except JobBusy:
            return JSONResponse(
                {"message": f"{job} is already running", "job": job}, status_code=409
            )
        return JSONResponse({"job": job, "runId": run_id}, status_code=202)

    return router
