"""The Fluent Commerce emulator: OAuth tokens that expire, GraphQL, the Event API, fault injection."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ctbridge.sandbox.faults import FaultInjector
from ctbridge.sandbox.fluent.entities import EntityStore
from ctbridge.sandbox.fluent.graphql import execute
from ctbridge.sandbox.fluent.schema import FluentSchema
from ctbridge.sandbox.fluent.workflow import EventRejected, ProductCatalogueWorkflow

TOKEN_SECONDS = 86_386  # what a real Fluent account hands out (about 24 hours)


@dataclass
class IssuedToken:
    value: str
    expires_at: float


class FluentEmulator:
    """One Fluent account and retailer with a product catalogue.

    `app` is the ASGI app (wrapped in a `FaultInjector`, reachable as `faults`). Tokens last
    `token_seconds` of the emulator's clock; `advance_clock(s)` moves that clock so a test can
    age tokens by a day without waiting. Entities are readable with `entities(type)`.
    """

    def __init__(
        self,
        *,
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",  # noqa: S107 - emulator credentials
        username: str = "sandbox-user",
        password: str = "sandbox-password",  # noqa: S107 - emulator credentials
        retailer_id: str = "1",
        catalogue_refs: tuple[str, ...] = ("PC:MASTER:1",),
        locations: tuple[str, ...] = ("LOC_STORE_1",),
        token_seconds: float = TOKEN_SECONDS,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.retailer_id = retailer_id
        self.token_seconds = token_seconds
        self.store = EntityStore()
        self.schema = FluentSchema(
            self.store, retailer_id=retailer_id, catalogue_refs=set(catalogue_refs)
        )
        self.workflow = ProductCatalogueWorkflow(
            self.store, retailer_id=retailer_id, catalogue_refs=set(catalogue_refs)
        )
        for ref in locations:
            self.store.create(
                "LOCATION", {"ref": ref, "name": ref, "type": "STORE", "status": "ACTIVE"}
            )
        self.requests: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()
        self._tokens: dict[str, IssuedToken] = {}
        self._offset = 0.0
        self._lock = threading.Lock()
        self._pending = 0
        self.faults = FaultInjector(self._build())
        self.app = self.faults

    # --- test and demo helpers ---------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self._offset

    def advance_clock(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def entities(self, entity_type: str) -> list[dict[str, Any]]:
        """Copies of every stored entity of a type: PRODUCT, CATEGORY, CUSTOMER, ORDER,
        FINANCIAL_TRANSACTION, SETTING, LOCATION."""
        return self.store.all(entity_type)

    def product(self, ref: str, catalogue: str = "PC:MASTER:1") -> dict[str, Any] | None:
        found = self.store.by_ref("PRODUCT", ref, scope=catalogue)
        return json.loads(json.dumps(found)) if found else None

    def events(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return json.loads(json.dumps(self.workflow.log))

    def seed_product(
        self, ref: str, *, standard_ref: str | None = None, catalogue: str = "PC:MASTER:1"
    ) -> None:
        """Puts a product straight into the catalogue (an order test needs no ingestion)."""
        with self.store.lock:
            if standard_ref and self.store.by_ref("PRODUCT", standard_ref, scope=catalogue) is None:
                self.store.create(
                    "PRODUCT",
                    {
                        "ref": standard_ref,
                        "type": "STANDARD",
                        "name": standard_ref,
                        "gtin": "0",
                        "status": "ACTIVE",
                        "catalogueRef": catalogue,
                        "attributes": [],
                        "prices": [],
                    },
                    scope=catalogue,
                )
            if self.store.by_ref("PRODUCT", ref, scope=catalogue) is None:
                self.store.create(
                    "PRODUCT",
                    {
                        "ref": ref,
                        "type": "VARIANT" if standard_ref else "STANDARD",
                        "name": ref,
                        "gtin": "0",
                        "status": "ACTIVE",
                        "catalogueRef": catalogue,
                        "standardProductRef": standard_ref,
                        "attributes": [],
                        "prices": [],
                    },
                    scope=catalogue,
                )

    def pending_events(self) -> int:
        with self._lock:
            return self._pending

    def wait_for_events(self, timeout: float = 10.0) -> None:
        """Blocks until every async event was processed."""
        deadline = time.monotonic() + timeout
        while self.pending_events():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.pending_events()} async events still pending")
            time.sleep(0.01)

    def tokens_issued(self) -> int:
        with self._lock:
            return len(self._tokens)

    # --- the HTTP API ------------------------------------------------------------------------
    def _build(self) -> FastAPI:
        app = FastAPI(title="Fluent Commerce emulator")

        @app.post("/oauth/token")
        async def token(request: Request) -> JSONResponse:
            self.requests["token"] += 1
            params = dict(request.query_params)
            if request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                params.update(parse_qsl((await request.body()).decode()))
            if (
                params.get("client_id") != self.client_id
                or params.get("client_secret") != self.client_secret
            ):
                return JSONResponse(
                    {"error": "invalid_client", "error_description": "Bad client credentials"}, 401
                )
            if params.get("grant_type") != "password":
                return JSONResponse({"error": "unsupported_grant_type"}, 400)
            if params.get("username") != self.username or params.get("password") != self.password:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "Bad credentials"}, 400
                )
            value = str(uuid.uuid4())
            with self._lock:
                self._tokens[value] = IssuedToken(value, self.now() + self.token_seconds)
            return JSONResponse(
                {
                    "access_token": value,
                    "token_type": "bearer",
                    "expires_in": int(self.token_seconds),
                    "scope": "api",
                    "Retailer_id": self.retailer_id,
                    "FirstName": "Sandbox",
                    "LastName": "User",
                }
            )

        @app.post("/graphql")
        async def graphql(request: Request) -> JSONResponse:
            self.requests["graphql"] += 1
            rejected = self._authenticate(request)
            if rejected is not None:
                return rejected
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"errors": [{"message": "Request body is not JSON"}]}, 400)
            if not isinstance(body, dict) or not isinstance(body.get("query"), str):
                return JSONResponse({"errors": [{"message": "No query in the request"}]}, 400)
            result = execute(
                self.schema.schema, body["query"], body.get("variables"), body.get("operationName")
            )
            for name in result.get("data") or {}:
                self.operations[name] += 1
            return JSONResponse(result)

        @app.post("/api/v4.1/event/{mode}")
        async def event(mode: str, request: Request) -> JSONResponse:
            self.requests[f"event/{mode}"] += 1
            rejected = self._authenticate(request)
            if rejected is not None:
                return rejected
            if mode not in ("sync", "async"):
                return JSONResponse({"errors": [{"code": "404", "message": "Not found"}]}, 404)
            try:
                body = await request.json()
                self.workflow.validate(body)
            except (ValueError, EventRejected) as error:
                return JSONResponse({"errors": [{"code": "400", "message": str(error)}]}, 400)
            entry = self.workflow.accept(body)
            if mode == "sync":
                result = self.workflow.run(entry)
                return JSONResponse(
                    {
                        "eventId": result.event_id,
                        "entityId": result.entity_id,
                        "eventStatus": result.status,
                    }
                )
            with self._lock:
                self._pending += 1
            asyncio.get_running_loop().call_soon(self._run_async, entry)
            return JSONResponse({"id": entry["id"]})

        @app.get("/api/v4.1/event/{event_id}")
        async def event_by_id(event_id: str, request: Request) -> JSONResponse:
            rejected = self._authenticate(request)
            if rejected is not None:
                return rejected
            for entry in self.events():
                if entry["id"] == event_id:
                    return JSONResponse(entry)
            return JSONResponse({"errors": [{"code": "404", "message": "Event not found"}]}, 404)

        return app

    def _run_async(self, entry: dict[str, Any]) -> None:
        try:
            self.workflow.run(entry)
        finally:
            with self._lock:
                self._pending -= 1

    def _authenticate(self, request: Request) -> JSONResponse | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        with self._lock:
            issued = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if issued is None:
            return JSONResponse(
                {"error": "invalid_token", "error_description": "Invalid access token"}, 401
            )
        if self.now() >= issued.expires_at:
            return JSONResponse(
                {"error": "invalid_token", "error_description": "Access token expired"}, 401
            )
        return None
