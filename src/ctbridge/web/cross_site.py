"""Refuses state-changing requests that a browser sends on another site's behalf (CSRF)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
WORK_STARTING_GETS = ("/service",)
# A header no HTML form can set: a page of another site can only send it after a CORS
# preflight, which ctbridge never approves.
CUSTOM_HEADER = b"x-requested-with"


def refusal(scope: Scope) -> str | None:
    """Why this request must be refused, or None.

    Rules (OWASP CSRF Prevention Cheat Sheet, "Fetch Metadata" and "Verifying Origin" and
    "custom request headers"): a browser marks a request from another site with
    `Sec-Fetch-Site: cross-site` and an `Origin` that is not this host; server-to-server senders
    (Pub/Sub, Fluent, scripts) send neither. Credentials a browser attaches by itself (cached
    Basic credentials) are only honoured on a request no plain form can make: a JSON body or
    the `X-Requested-With` header. Bearer tokens and signatures are never attached by a browser.
    """
    headers = dict(scope["headers"])
    if scope["method"] in SAFE_METHODS:
        if headers.get(b"sec-fetch-site") != b"cross-site" or not headers.get(b"authorization"):
            return None
        # Following a link to the admin page is fine; an <img> or a script fetching with the
        # operator's credentials is not, nor a link to a GET that starts work (the
        # seed-compatible catalog trigger under /service).
        navigation = (
            headers.get(b"sec-fetch-mode") == b"navigate"
            and headers.get(b"sec-fetch-dest") == b"document"
        )
        if navigation and not scope["path"].startswith(WORK_STARTING_GETS):
            return None
        return "cross-site request with credentials"
    if headers.get(b"sec-fetch-site", b"") in (b"cross-site", b"same-site"):
        return "cross-site request"
    origin = headers.get(b"origin")
    if origin is not None and not same_origin(origin.decode("latin-1"), headers):
        return "request from another origin"
    if headers.get(b"authorization", b"").lower().startswith(b"basic "):
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/json" and CUSTOM_HEADER not in headers:
            return (
                "with Basic credentials, send a JSON body (Content-Type: application/json) "
                "or the X-Requested-With header"
            )
    return None


def same_origin(origin: str, headers: dict[bytes, bytes]) -> bool:
    """The Origin's host[:port] is the Host the request was sent to (or, behind a proxy that
    rewrites Host, the X-Forwarded-Host it names)."""
    if origin == "null":
        return False
    hosts = {
        headers.get(name, b"").decode("latin-1").split(",")[0].strip().lower()
        for name in (b"host", b"x-forwarded-host")
    } - {""}
    return urlsplit(origin).netloc.lower() in hosts


class CrossSiteGuard:
    """ASGI middleware answering 403 to what `refusal` names."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = refusal(scope) if scope["type"] == "http" else None
        if reason is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"message": f"refused: {reason}"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
