"""The admin page at `/admin`: a server-rendered overview that refreshes itself, behind Basic auth."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from string import Template
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from ctbridge.host import Engine
from ctbridge.web.admin_auth import require_admin
from ctbridge.web.admin_overview import AdminOverview
from ctbridge.web.admin_view import render_overview

REFRESH_SECONDS = 3
NO_STORE = {"Cache-Control": "no-store"}
# The page loads its own script and nothing else; no other site may frame it (clickjacking).
PAGE_HEADERS = {
    **NO_STORE,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
}


@cache
def page_template() -> Template:
    return Template(files("ctbridge.web").joinpath("templates/admin.html").read_text("utf-8"))


@cache
def page_script() -> str:
    return files("ctbridge.web").joinpath("static/admin.mjs").read_text("utf-8")


def admin_page_router(engine: Engine, *, refresh_seconds: float = REFRESH_SECONDS) -> APIRouter:
    router = APIRouter(tags=["admin"], dependencies=[Depends(require_admin(engine.settings))])
    overview = AdminOverview(engine)

    @router.get("/admin", response_class=HTMLResponse, summary="The admin page")
    async def admin_page() -> HTMLResponse:
        html = page_template().substitute(
            overview=render_overview(await overview.snapshot()),
            refresh_seconds=f"{refresh_seconds:g}",
            refresh_ms=str(int(refresh_seconds * 1000)),
        )
        return HTMLResponse(html, headers=PAGE_HEADERS)

    @router.get(
        "/admin/overview",
        response_class=HTMLResponse,
        summary="The admin page's overview, as the HTML fragment the page refreshes itself with",
    )
    async def admin_overview_fragment() -> HTMLResponse:
        return HTMLResponse(render_overview(await overview.snapshot()), headers=PAGE_HEADERS)

    @router.get("/admin/admin.mjs", summary="The admin page's script", include_in_schema=False)
    async def admin_script() -> Response:
        return Response(page_script(), media_type="text/javascript", headers=NO_STORE)

    @router.get("/admin/api/overview", summary="Everything the admin page shows, as JSON")
    async def overview_json() -> dict[str, Any]:
        return await overview.snapshot()

    return router
