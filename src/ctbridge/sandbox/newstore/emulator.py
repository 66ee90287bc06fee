"""A NewStore emulator: token v0 and client credentials, stocked products, order injection with
idempotency on external_id, allocation of injected orders, and the ATP export with watermarks."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ctbridge.sandbox.faults import FaultInjector, FaultPlan
from ctbridge.sandbox.newstore.order_validation import validate_order

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


@dataclass
class InjectedOrder:
    """An order NewStore accepted: the payload as parsed and the answer it gave."""

    payload: dict[str, Any]
    response: dict[str, Any]
    requests: int = 1


@dataclass
class _Export:
    rows: list[dict[str, Any]]
    watermark: int
    polls_left: int


@dataclass
class _Token:
    expires_at: float
    grant: str


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message, **extra}, status_code=status)


@dataclass
class NewStoreEmulator:
    """State is readable and seedable directly (thread-safe); `app` is the ASGI app with faults.

    Stock rows are per product × fulfillment node; every ATP change bumps the watermark the
    export API reports (`last_updated_at`). Injected orders allocate ATP from the first node
    that has some, as NewStore's routing would.
    """

    tenant: str = "sandbox"
    username: str = "integration@sandbox"
    password: str = "sandbox-password"  # noqa: S105 - emulator credentials
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"  # noqa: S105 - emulator credentials
    token_ttl_seconds: float = 3600.0
    export_enabled: bool = True
    # What a tenant without the (undocumented) export paths answers: gateways say 403, 404 or
    # 405 for a path they do not route, so tests can choose.
    export_missing_status: int = 404
    export_polls: int = 1
    strict_products: bool = True
    # Added to every call, as a network round trip would (benches compare 0 and e.g. 50 ms).
    latency_ms: float = 0.0
    products: set[str] = field(default_factory=set)
    orders: dict[str, InjectedOrder] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._rows: dict[tuple[str, str], dict[str, Any]] = {}
        self._ordered: list[dict[str, Any]] | None = None
        self._watermark = 0
        self._tokens: dict[str, _Token] = {}
        self._exports: dict[str, _Export] = {}
        self.tokens_issued = 0
        self.faults = FaultInjector(self._build(), FaultPlan(latency_ms=self.latency_ms))
        self.app = self.faults

    # Direct state access -------------------------------------------------------------------

    def set_stock(
        self,
        product_id: str,
        node: str,
        atp: int,
        *,
        sku: str | None = None,
        present_atp: int | None = None,
        on_hand: int | None = None,
        allocations: int = 0,
        safety_stock: int = 0,
    ) -> dict[str, Any]:
        """Creates or replaces the stock row of `product_id` at `node`."""
        with self._lock:
            self._watermark += 1
            present = atp if present_atp is None else present_atp
            row = {
                "product_id": product_id,
                "sku": product_id if sku is None else sku,
                "title": f"Product {product_id}",
                "fulfillment_node_id": node,
                "compound_id": f"{product_id}:{node}",
                "on_hand": on_hand if on_hand is not None else max(0, present) + allocations,
                "allocations": allocations,
                "safety_stock": safety_stock,
                "atp": atp,
                "present_atp": present,
                "future_atp": atp - present,
                "price": None,
                "currency": None,
                "_updated": self._watermark,
            }
            if (product_id, node) not in self._rows:
                self._ordered = None
            self._rows[(product_id, node)] = row
            self.products.add(product_id)
            if self._ordered is not None:
                # Replacing a row keeps its place; refresh the cached view.
                self._ordered = None
            return dict(row)

    def remove_stock(self, product_id: str, node: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._rows if k[0] == product_id and node in (None, k[1])]:
                del self._rows[key]
            self._watermark += 1
            self._ordered = None

    def stock(self, product_id: str, node: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._rows.get((product_id, node))
            return _public(row) if row else None

    def stock_rows(self) -> list[dict[str, Any]]:
        with self._lock:
            return [_public(row) for row in self._rows.values()]

    @property
    def watermark(self) -> int:
        return self._watermark

    def expire_tokens(self) -> None:
        """Every issued token stops working (NewStore then answers 403)."""
        with self._lock:
            self._tokens.clear()

    def count(self, method: str, path_prefix: str) -> int:
        with self._lock:
            return sum(1 for m, p in self.requests if m == method and p.startswith(path_prefix))

    # HTTP ----------------------------------------------------------------------------------

    def _issue(self, grant: str) -> dict[str, Any]:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = _Token(time.monotonic() + self.token_ttl_seconds, grant)
            self.tokens_issued += 1
        return {
            "access_token": token,
            "refresh_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "scope": "newstore:all",
            "expires_in": int(self.token_ttl_seconds) or 1,
        }

    def _authorized(self, request: Request) -> JSONResponse | None:
        header = request.headers.get("authorization", "")
        if not header:
            return _error(401, "unauthorized", "missing Authorization header")
        scheme, _, token = header.partition(" ")
        with self._lock:
            issued = self._tokens.get(token) if scheme.lower() == "bearer" else None
            if issued is None or issued.expires_at <= time.monotonic():
                self._tokens.pop(token, None)
                return _error(403, "forbidden", "token invalid or expired")
        return None

    def _build(self) -> FastAPI:
        app = FastAPI(title="NewStore emulator")

        @app.get("/__sandbox/state")  # the route every sandbox emulator serves
        async def sandbox_state() -> dict[str, Any]:
            with self._lock:
                return {
                    "requests": len(self.requests),
                    "orders": len(self.orders),
                    "products": len(self.products),
                    "stockRows": len(self._rows),
                }

        @app.middleware("http")
        async def record(request: Request, call_next: Any) -> Any:
            with self._lock:
                self.requests.append((request.method, request.url.path))
            return await call_next(request)

        self._token_routes(app)
        self._stock_routes(app)
        self._order_routes(app)
        self._export_routes(app)
        return app

    def _token_routes(self, app: FastAPI) -> None:
        """OAuth token endpoints: the password grant and the client-credentials grant."""

        @app.post("/v0/token")
        async def password_token(request: Request) -> JSONResponse:
            if "password" in request.query_params:
                return _error(400, "invalid_request", "password must not be sent in the query")
            body = await _form_or_json(request)
            if body.get("grant_type") != "password":
                return _error(400, "unsupported_grant_type", "grant_type must be password")
            if body.get("username") != self.username or body.get("password") != self.password:
                return _error(401, "invalid_grant", "invalid username or password")
            return JSONResponse(self._issue("password"))

        @app.post("/auth/realms/{tenant}/protocol/openid-connect/token")
        async def client_credentials_token(tenant: str, request: Request) -> JSONResponse:
            body = await _form_or_json(request)
            client_id, client_secret = body.get("client_id"), body.get("client_secret")
            header = request.headers.get("authorization", "")
            if header.lower().startswith("basic "):
                decoded = base64.b64decode(header[6:]).decode()
                client_id, _, client_secret = decoded.partition(":")
            if tenant != self.tenant:
                return _error(404, "realm_not_found", f"realm {tenant} does not exist")
            if body.get("grant_type") != "client_credentials":
                return _error(
                    400, "unsupported_grant_type", "grant_type must be client_credentials"
                )
            if client_id != self.client_id or client_secret != self.client_secret:
                return _error(401, "invalid_client", "invalid client credentials")
            issued = self._issue("client_credentials")
            issued.pop("refresh_token")
            return JSONResponse(issued)

    def _stock_routes(self, app: FastAPI) -> None:
        """The documented stock read (stocked products)."""

        @app.get("/_/v0/hq/stocked_products")
        async def stocked_products(request: Request) -> JSONResponse:
            if (denied := self._authorized(request)) is not None:
                return denied
            try:
                limit = int(request.query_params.get("limit", DEFAULT_PAGE_SIZE))
                offset = int(request.query_params.get("offset", 0))
            except ValueError:
                return _error(400, "bad_request", "limit and offset must be integers")
            if not 1 <= limit <= MAX_PAGE_SIZE or offset < 0:
                return _error(400, "bad_request", f"limit must be 1..{MAX_PAGE_SIZE}, offset >= 0")
            with self._lock:
                if self._ordered is None:
                    self._ordered = list(self._rows.values())
                rows = self._ordered[offset : offset + limit]
                total = len(self._ordered)
                items = [_public(row) for row in rows]
            return JSONResponse(
                {
                    "items": items,
                    "pagination_info": {"count": len(items), "total": total, "offset": offset},
                }
            )

    def _order_routes(self, app: FastAPI) -> None:
        """Order injection."""

        @app.post("/v0/d/fulfill_order")
        async def fulfill_order(request: Request) -> JSONResponse:
            if (denied := self._authorized(request)) is not None:
                return denied
            try:
                payload = json.loads(await request.body(), parse_float=Decimal)
            except ValueError:
                return _error(400, "bad_request", "body is not valid JSON")
            problems = validate_order(payload)
            if problems:
                return _error(400, "validation_error", "; ".join(problems), errors=problems)
            with self._lock:
                existing = self.orders.get(payload["external_id"])
                if existing is not None:
                    if existing.payload != payload:
                        return _error(
                            409,
                            "order_conflict",
                            f"an order with external_id {payload['external_id']} exists "
                            "with a different payload",
                        )
                    existing.requests += 1
                    return JSONResponse(existing.response)
                items = [i for s in payload["shipments"] for i in s["items"]]
                unknown = sorted(
                    {i["product_id"] for i in items if i["product_id"] not in self.products}
                )
                if unknown and self.strict_products:
                    return _error(
                        400, "product_not_found", f"unknown product ids: {', '.join(unknown)}"
                    )
                response = {
                    "id": str(uuid.uuid4()),
                    "external_id": payload["external_id"],
                    "items": [
                        {
                            "id": str(uuid.uuid4()),
                            "external_item_id": i["external_item_id"],
                            "product_id": i["product_id"],
                        }
                        for i in items
                    ],
                }
                self.orders[payload["external_id"]] = InjectedOrder(payload, response)
                for item in items:
                    self._allocate(item["product_id"])
            return JSONResponse(response)

    def _export_routes(self, app: FastAPI) -> None:
        """The availabilities export (opt-in in ctbridge; not in NewStore's documents)."""

        @app.post("/v0/d/availabilities/export")
        async def start_export(request: Request) -> JSONResponse:
            if (denied := self._authorized(request)) is not None:
                return denied
            if not self.export_enabled:
                return _error(self.export_missing_status, "not_found", "no such resource")
            body = await request.body()
            since = json.loads(body).get("last_updated_at") if body else None
            if since is not None and (isinstance(since, bool) or not isinstance(since, int)):
                return _error(400, "bad_request", "last_updated_at must be an integer")
            export_id = str(uuid.uuid4())
            with self._lock:
                self._exports[export_id] = _Export(
                    self._export_rows(since), self._watermark, self.export_polls
                )
            return JSONResponse({"id": export_id, "state": "running"}, status_code=202)

        @app.get("/v0/d/availabilities/export/{export_id}")
        async def export_status(export_id: str, request: Request) -> JSONResponse:
            if (denied := self._authorized(request)) is not None:
                return denied
            with self._lock:
                export = self._exports.get(export_id)
                if export is None:
                    return _error(404, "not_found", f"export {export_id} not found")
                export.polls_left -= 1
                state = "finished" if export.polls_left < 0 else "running"
            return JSONResponse(
                {"id": export_id, "state": state, "last_updated_at": export.watermark}
            )

        @app.get("/v0/d/availabilities/export/{export_id}/items")
        async def export_items(export_id: str, request: Request) -> JSONResponse:
            if (denied := self._authorized(request)) is not None:
                return denied
            limit = min(MAX_PAGE_SIZE, int(request.query_params.get("limit", DEFAULT_PAGE_SIZE)))
            offset = int(request.query_params.get("offset", 0))
            with self._lock:
                export = self._exports.get(export_id)
                if export is None or export.polls_left >= 0:
                    return _error(404, "not_found", f"export {export_id} has no results yet")
                items = export.rows[offset : offset + limit]
                total = len(export.rows)
            return JSONResponse(
                {
                    "items": items,
                    "pagination_info": {"count": len(items), "total": total, "offset": offset},
                }
            )

    def _export_rows(self, since: int | None) -> list[dict[str, Any]]:
        """Global ATP per product; with `since`, only products with a row changed after it."""
        products: dict[str, dict[str, Any]] = {}
        changed: set[str] = set()
        for row in self._rows.values():
            entry = products.setdefault(
                row["product_id"],
                {
                    "product_id": row["product_id"],
                    "external_identifiers": {"sku": row["sku"]},
                    "atp": 0,
                },
            )
            entry["atp"] += row["atp"]
            if since is None or row["_updated"] > since:
                changed.add(row["product_id"])
        return [products[p] for p in products if p in changed]

    def _allocate(self, product_id: str) -> None:
        rows = [row for key, row in self._rows.items() if key[0] == product_id]
        if not rows:
            return
        row = next((r for r in rows if r["present_atp"] > 0), rows[0])
        self._watermark += 1
        row["allocations"] += 1
        row["atp"] -= 1
        row["present_atp"] -= 1
        row["_updated"] = self._watermark
        self._ordered = None


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if not key.startswith("_")}


async def _form_or_json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return {key: values[0] for key, values in parse_qs(body.decode()).items()}
