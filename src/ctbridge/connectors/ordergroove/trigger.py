"""The seed's HTTP trigger of the initial load, `POST /service?startUpload=true`, authenticated."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ctbridge.engine.jobs import JobBusy
from ctbridge.http.tls import shared_tls_context
from ctbridge.settings import EngineSettings

LOAD_JOB = "ordergroove.load-products"
StartJob = Callable[[str, dict[str, Any] | None], Awaitable[int]]


class ProjectTokenVerifier:
    """Accepts a bearer token only if commercetools itself lets it read the project.

    Like the seed's trigger, a caller proves itself with a commercetools token for this
    project; we check it with `GET /{projectKey}` on the API host using that token (200 means a
    live token with a scope on this project, e.g. manage_project or view_project_settings).
    """

    def __init__(
        self,
        api_base: str,
        project_key: str,
        *,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.project_key = project_key
        self._http = httpx.AsyncClient(
            verify=shared_tls_context(),
            base_url=api_base.rstrip("/"),
            timeout=timeout,
            transport=transport,
        )

    async def verify(self, token: str) -> bool:
        response = await self._http.get(
            f"/{self.project_key}", headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code == 200:
            return True
        if response.status_code in (401, 403):
            return False
        response.raise_for_status()
        return False

    async def aclose(self) -> None:
        await self._http.aclose()


def _admin_ok(encoded: str, settings: EngineSettings) -> bool:
    if settings.admin_password is None:
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user_ok = secrets.compare_digest(user.encode(), settings.admin_username.encode())
    password_ok = secrets.compare_digest(
        password.encode(), settings.admin_password.get_secret_value().encode()
    )
    return user_ok and password_ok


def trigger_router(
    start_job: StartJob,
    verifier: Callable[[], ProjectTokenVerifier | None],
    settings: EngineSettings,
) -> APIRouter:
    """`POST /service?startUpload=true` starts the load in the background: 202 with the run id,
    409 while a load is running, 401 without a valid token or admin credentials."""
    router = APIRouter(tags=["ordergroove"])

    @router.post("/service")
    async def start_upload(request: Request) -> JSONResponse:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        allowed = False
        if scheme.lower() == "basic":
            allowed = _admin_ok(credential.strip(), settings)
        elif scheme.lower() == "bearer" and credential.strip():
            token_check = verifier()
            if token_check is None:
                return JSONResponse({"message": "commercetools is not configured"}, status_code=503)
            try:
                allowed = await token_check.verify(credential.strip())
            except httpx.HTTPError:
                return JSONResponse(
                    {"message": "could not verify the token with commercetools"},
                    status_code=503,
                )
        if not allowed:
            return JSONResponse(
                {
                    "message": "a commercetools bearer token for this project or the admin "
                    "credentials are required"
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="ctbridge"'},
            )
        if request.query_params.get("startUpload") != "true":
            return JSONResponse(
                {"message": "nothing to do: pass startUpload=true to start the product load"},
                status_code=400,
            )
        try:
            run_id = await start_job(LOAD_JOB, {})
        except JobBusy:
            return JSONResponse({"message": "a product load is already running"}, status_code=409)
        return JSONResponse(
            {
                "message": "product load started",
                "job": LOAD_JOB,
                "runId": run_id,
            },
            status_code=202,
        )

    return router
