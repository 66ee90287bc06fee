"""`/openapi.json`, `/docs` and `/redoc`, served only to the admin: the API map is not public."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from ctbridge.settings import EngineSettings
from ctbridge.web.admin_auth import require_admin


def api_docs_router(app: FastAPI, settings: EngineSettings) -> APIRouter:
    """The same pages FastAPI serves by default, behind the admin credentials (403 while no
    admin password is set). The app must be built with `openapi_url=None` and `docs_url=None`."""
    router = APIRouter(dependencies=[Depends(require_admin(settings))], include_in_schema=False)

    @router.get("/openapi.json")
    async def openapi() -> dict[str, Any]:
        return app.openapi()

    @router.get("/docs")
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} API")

    @router.get("/redoc")
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} API")

    return router
