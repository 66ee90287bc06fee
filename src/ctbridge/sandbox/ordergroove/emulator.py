"""An Ordergroove product API emulator: bulk create, bulk update and retrieve, rate limited."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ctbridge.sandbox.faults import FaultInjector
from ctbridge.sandbox.ordergroove.rate_window import SlidingWindow

# Rules below cite developer.ordergroove.com: "Bulk Create" (POST /products-batch/create/),
# "Bulk Update" (PATCH /products-batch/update/), "Retrieve Product" (GET /products/{id}/).
MAX_ITEMS = 100  # Bulk Create / Bulk Update: "a maximum of 100 products" per request
# Bulk Create documents the query parameter force_all_fields; Bulk Update documents none.
QUERY_PARAMETERS = {"create": {"force_all_fields"}, "update": set()}
# What a bulk create answers for a product_id that already exists is not documented; each
# behaviour a real merchant might see can be switched on (`duplicate_create`).
DUPLICATE_CREATE_MODES = ("item-400", "conflict-409", "upsert-200")
PRODUCT_TYPES = {"standard", "bundle", "club", "dynamic price bundle", "static price bundle"}
STRING_FIELDS = ("name", "sku", "image_url", "detail_url", "every_period")
BOOL_FIELDS = (
    "live",
    "autoship_enabled",
    "prepaid_eligible",
    "discontinued",
    "autoship_by_default",
)
DEFAULTS: dict[str, Any] = {
    "name": "",
    "sku": "",
    "price": None,
    "live": True,
    "image_url": "",
    "detail_url": "",
    "autoship_enabled": False,
    "prepaid_eligible": False,
    "discontinued": False,
    "autoship_by_default": False,
    "product_type": "standard",
    "every": None,
    "every_period": None,
    "premier_enabled": 0,
    "extra_data": None,
    "groups": [],
}


class ItemError(ValueError):
    """One item of a bulk call is invalid: answered as that item's status 400."""


def _validate(item: Any) -> dict[str, Any]:
    """An item as the Bulk Create/Update body schema describes it, else ItemError.

    The documented item fields are product_id (required, unique), name, sku, price (number),
    live, image_url, detail_url, autoship_enabled, prepaid_eligible, discontinued,
    autoship_by_default (booleans), product_type (enum), every, every_period, premier_enabled
    (integer), extra_data (a string holding JSON) and groups. A field outside that schema is
    refused: the docs do not say whether the real API ignores unknown fields, and refusing
    makes a misspelt field fail a test instead of vanishing silently.
    """
    if not isinstance(item, dict):
        raise ItemError("item must be an object")
    product_id = item.get("product_id")
    if not isinstance(product_id, str) or not product_id.strip():
        raise ItemError("product_id is required")
    fields: dict[str, Any] = {}
    for name, value in item.items():
        if name == "product_id":
            continue
        if name not in DEFAULTS:
            raise ItemError(f"{name} is not a product field")
        if name in ("every", "premier_enabled") and value is not None:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ItemError(f"{name} must be an integer")
        if name in STRING_FIELDS and value is not None and not isinstance(value, str):
            raise ItemError(f"{name} must be a string")
        if name in BOOL_FIELDS and not isinstance(value, bool):
            raise ItemError(f"{name} must be a boolean")
        if name == "price":
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                raise ItemError("price must be a number")
            if value < 0:
                raise ItemError("price must not be negative")
        if name == "product_type" and value not in PRODUCT_TYPES:
            raise ItemError("product_type is not one of the allowed types")
        if name == "extra_data" and value is not None:
            if not isinstance(value, str):
                raise ItemError("extra_data must be a string holding JSON")
            try:
                json.loads(value)
            except ValueError as error:
                raise ItemError("extra_data must hold valid JSON") from error
        if name == "groups":
            if not isinstance(value, list) or not all(
                isinstance(g, dict) and isinstance(g.get("name"), str) for g in value
            ):
                raise ItemError("groups must be a list of {name, group_type}")
        fields[name] = value
    return {"product_id": product_id, **fields}


class OrdergrooveEmulator:
    """The product endpoints of Ordergroove's REST API, with state a test can read.

    Authentication is the `x-api-key` header. Bulk create and update share a sliding-window
    rate limit (`rate_limit` calls per `rate_window_seconds`; None: unlimited) and answer 429
    with Retry-After beyond it (in seconds, or as an HTTP-date with `retry_after_as_date`).
    `duplicate_create` picks what creating an existing product answers (see
    DUPLICATE_CREATE_MODES); `latency_ms` delays every answer (a network round trip);
    `outage(seconds)` answers 503 to every bulk call for that long, `outage_after = (calls,
    seconds)` starts such an outage once that many bulk calls were accepted. `reject_items` makes those
    product ids fail with a per-item 400;
    a bulk call that carries one of `unavailable_for` is answered 503 as a whole;
    `forbid_after_calls` answers 403 to every bulk call after that many were accepted (a
    revoked key, for tests of a load that dies half-way). `faults` is the FaultInjector.
    """

    def __init__(
        self,
        api_key: str = "og-sandbox-key",
        *,
        rate_limit: int | None = 600,
        rate_window_seconds: float = 60.0,
        latency_ms: float = 0.0,
        duplicate_create: str = "item-400",
    ) -> None:
        if duplicate_create not in DUPLICATE_CREATE_MODES:
            raise ValueError(f"duplicate_create must be one of {DUPLICATE_CREATE_MODES}")
        self.api_key = api_key
        self.latency_ms = latency_ms
        self.duplicate_create = duplicate_create
        self.retry_after_as_date = False
        self._outage_until = 0.0
        self._rate_window_seconds = rate_window_seconds
        self.products: dict[str, dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.created: Counter[str] = Counter()
        self.upserted: Counter[str] = Counter()
        self.updates: list[list[dict[str, Any]]] = []
        self.reject_items: set[str] = set()
        self.unavailable_for: set[str] = set()
        self.forbid_after_calls: int | None = None
        self.outage_after: tuple[int, float] | None = None
        self._window = SlidingWindow(rate_limit, rate_window_seconds) if rate_limit else None
        self._lock = threading.Lock()
        self.app = FaultInjector(self._build())

    @property
    def faults(self) -> FaultInjector:
        return self.app

    def set_rate_limit(self, limit: int | None, window_seconds: float = 60.0) -> None:
        with self._lock:
            self._window = SlidingWindow(limit, window_seconds) if limit else None

    def outage(self, seconds: float) -> None:
        """Every bulk call is answered 503 for the next `seconds` (a total target outage)."""
        with self._lock:
            self._outage_until = time.monotonic() + seconds

    def reset(self) -> None:
        """Forgets every product, count and admitted call (a fresh merchant, same settings)."""
        with self._lock:
            self.products.clear()
            self.calls.clear()
            self.refused.clear()
            self.created.clear()
            self.upserted.clear()
            self.updates.clear()
            if self._window is not None:
                self._window = SlidingWindow(self._window.limit, self._window.window_seconds)

    def product(self, product_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self.products.get(product_id)
            return dict(found) if found is not None else None

    def snapshot(self) -> dict[str, Any]:
        """Counts a test or benchmark in another process can read (also `GET /__state`)."""
        with self._lock:
            return {
                "calls": dict(self.calls),
                "refused": dict(self.refused),
                "products": len(self.products),
                "live": sum(1 for p in self.products.values() if p.get("live")),
                "created_more_than_once": sum(1 for n in self.created.values() if n > 1),
            }

    def _build(self) -> FastAPI:
        app = FastAPI(title="Ordergroove emulator", docs_url=None, redoc_url=None)

        @app.get("/__state")
        async def state() -> dict[str, Any]:
            return self.snapshot()

        @app.post("/__control")
        async def control(request: Request) -> dict[str, Any]:
            """Sandbox only: `reset`, `outage_seconds`, `latency_ms`, `duplicate_create`."""
            orders = await request.json()
            if orders.get("reset"):
                self.reset()
            if "outage_seconds" in orders:
                self.outage(float(orders["outage_seconds"]))
            if "latency_ms" in orders:
                self.latency_ms = float(orders["latency_ms"])
            if orders.get("duplicate_create") in DUPLICATE_CREATE_MODES:
                self.duplicate_create = orders["duplicate_create"]
            return self.snapshot()

        @app.get("/__sandbox/state")  # the route every sandbox emulator serves
        async def sandbox_state() -> dict[str, Any]:
            return self.snapshot()

        @app.post("/products-batch/create/")
        async def bulk_create(request: Request) -> JSONResponse:
            return await self._bulk(request, "create")

        @app.patch("/products-batch/update/")
        async def bulk_update(request: Request) -> JSONResponse:
            return await self._bulk(request, "update")

        @app.get("/products/{product_id:path}")
        async def retrieve(product_id: str, request: Request) -> JSONResponse:
            # The path converter keeps an id with an encoded slash whole; strip the final "/".
            product_id = product_id.removesuffix("/")
            await self._delay()
            if request.headers.get("x-api-key") != self.api_key:
                return _forbidden()
            with self._lock:
                self.calls["get"] += 1
                found = self.products.get(product_id)
                if found is None:
                    return JSONResponse({"detail": "Not found."}, status_code=404)
                return JSONResponse(_as_retrieved(found))

        return app

    async def _delay(self) -> None:
        if self.latency_ms > 0:
            await asyncio.sleep(self.latency_ms / 1000)

    async def _bulk(self, request: Request, endpoint: str) -> JSONResponse:
        await self._delay()
        # Bulk Create: 403 {"detail": "Authentication Failed"} without a valid x-api-key.
        if request.headers.get("x-api-key") != self.api_key:
            with self._lock:
                self.refused["forbidden"] += 1
            return _forbidden()
        raw = await request.body()
        with self._lock:
            accepted_calls = self.calls["create"] + self.calls["update"]
            if self.outage_after is not None and accepted_calls >= self.outage_after[0]:
                self._outage_until = time.monotonic() + self.outage_after[1]
                self.outage_after = None
            if time.monotonic() < self._outage_until:
                self.refused["unavailable"] += 1
                return JSONResponse({"detail": "Service unavailable."}, status_code=503)
            # Bulk Update: create and update "share a rate limit, by default 600 requests per
            # minute per merchant. A request over the limit returns 429 with a Retry-After".
            if self._window is not None:
                wait = self._window.admit()
                if wait is not None:
                    self.refused["throttled"] += 1
                    header = SlidingWindow.retry_after_header(
                        wait, as_date=self.retry_after_as_date
                    )
                    return JSONResponse(
                        {"detail": "Request was throttled."},
                        status_code=429,
                        headers={"Retry-After": header},
                    )
            unknown = set(request.query_params) - QUERY_PARAMETERS[endpoint]
            if unknown:
                self.refused["invalid"] += 1
                return JSONResponse(
                    {"detail": f"Unknown query parameter: {', '.join(sorted(unknown))}."},
                    status_code=400,
                )
            accepted = self.calls["create"] + self.calls["update"]
            if self.forbid_after_calls is not None and accepted >= self.forbid_after_calls:
                self.refused["forbidden"] += 1
                return _forbidden()
            try:
                items = json.loads(raw, parse_float=Decimal)
            except ValueError:
                self.refused["invalid"] += 1
                return JSONResponse({"detail": "JSON parse error."}, status_code=400)
            if not isinstance(items, list):
                self.refused["invalid"] += 1
                return JSONResponse({"detail": "Expected a list of items."}, status_code=400)
            carried = {i.get("product_id") for i in items if isinstance(i, dict)}
            if carried & self.unavailable_for:
                self.refused["unavailable"] += 1
                return JSONResponse({"detail": "Service unavailable."}, status_code=503)
            if len(items) > MAX_ITEMS:
                self.refused["invalid"] += 1
                return JSONResponse(
                    {"detail": f"Ensure this list has no more than {MAX_ITEMS} items."},
                    status_code=400,
                )
            if endpoint == "create" and self.duplicate_create == "conflict-409":
                existing = sorted(
                    str(i.get("product_id"))
                    for i in items
                    if isinstance(i, dict) and i.get("product_id") in self.products
                )
                if existing:
                    self.refused["conflict"] += 1
                    return JSONResponse(
                        {"detail": f"Products already exist: {', '.join(existing)}."},
                        status_code=409,
                    )
            self.calls[endpoint] += 1
            if endpoint == "update":
                self.updates.append([dict(i) for i in items if isinstance(i, dict)])
            results = [self._apply(endpoint, item) for item in items]
        # Bulk Create / Update: 207 with results[] of {product_id, status} per item.
        if endpoint == "create" and self.duplicate_create == "upsert-200":
            return JSONResponse({"results": results}, status_code=200)
        return JSONResponse({"results": results}, status_code=207)

    def _apply(self, endpoint: str, item: Any) -> dict[str, Any]:
        product_id = item.get("product_id") if isinstance(item, dict) else None
        try:
            fields = _validate(item)
        except ItemError:
            return {"product_id": product_id, "status": 400}
        product_id = fields["product_id"]
        if product_id in self.reject_items:
            return {"product_id": product_id, "status": 400}
        now = datetime.now(UTC).isoformat()
        existing = self.products.get(product_id)
        if endpoint == "create":
            if existing is not None and self.duplicate_create == "upsert-200":
                existing.update(fields)
                existing["last_update"] = now
                self.upserted[product_id] += 1
                return {"product_id": product_id, "status": 200}
            if existing is not None:
                return {"product_id": product_id, "status": 400}
            self.products[product_id] = DEFAULTS | fields | {"created": now, "last_update": now}
            self.created[product_id] += 1
            return {"product_id": product_id, "status": 200}
        if existing is None:
            return {"product_id": product_id, "status": 404}
        existing.update(fields)
        existing["last_update"] = now
        return {"product_id": product_id, "status": 200}


def _forbidden() -> JSONResponse:
    return JSONResponse({"detail": "Authentication Failed"}, status_code=403)


def _as_retrieved(product: dict[str, Any]) -> dict[str, Any]:
    """Ordergroove returns the price as a string and the id as `external_product_id`."""
    shown = {k: v for k, v in product.items() if k != "product_id"}
    price = shown.get("price")
    shown["price"] = None if price is None else format(Decimal(price), "f")
    shown["external_product_id"] = product["product_id"]
    shown["merchant"] = "sandbox"
    return shown
