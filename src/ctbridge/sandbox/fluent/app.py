"""The Fluent Commerce emulator: OAuth tokens that expire, GraphQL, the Event API, fault injection."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ctbridge.sandbox.faults import FaultInjector, FaultPlan
from ctbridge.sandbox.fluent import event_log
from ctbridge.sandbox.fluent.availability import Availability
from ctbridge.sandbox.fluent.entities import EntityStore
from ctbridge.sandbox.fluent.graphql import execute
from ctbridge.sandbox.fluent.logistics import Logistics
from ctbridge.sandbox.fluent.schema import FluentSchema
from ctbridge.sandbox.fluent.webhooks import WebhookSender, WebhookSigner, webhook_body
from ctbridge.sandbox.fluent.workflow import EventRejected, ProductCatalogueWorkflow

TOKEN_SECONDS = 86_386  # what a real Fluent account hands out (about 24 hours)
ORDER_WEBHOOK = "fc.connect.order.webhook.order-status-update"
FULFILMENT_WEBHOOK = "fc.connect.fulfilment.webhook.fulfilment-status-update"
CONSIGNMENT_WEBHOOK = "fc.connect.consignment.webhook.consignment-status-update"


@dataclass
class IssuedToken:
    value: str
    expires_at: float


class FluentEmulator:
    """One Fluent account and retailer with a product catalogue.

    `app` is the ASGI app (wrapped in a `FaultInjector`, reachable as `faults`). Tokens last
    `token_seconds` of the emulator's clock; `advance_clock(s)` moves that clock so a test can
    age tokens by a day without waiting (entity timestamps follow the same clock). Entities
    are readable with `entities(type)`.

    Webhooks: `webhooks` signs with an RSA key generated at start (`public_key_pem` is what
    ctbridge verifies with) and posts to `webhooks.url`; the helpers that change an order,
    fulfilment or consignment return the webhook body Fluent would send, for `deliver()`.
    """

    def __init__(
        self,
        *,
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",  # noqa: S107 - emulator credentials
        username: str = "sandbox-user",
        password: str = "sandbox-password",  # noqa: S107 - emulator credentials
        retailer_id: str = "1",
        account_id: str = "SANDBOX",
        catalogue_refs: tuple[str, ...] = ("PC:MASTER:1",),
        catalogue_types: dict[str, str] | None = None,
        locations: tuple[str, ...] = ("LOC_STORE_1",),
        token_seconds: float = TOKEN_SECONDS,
        latency_ms: float = 0.0,
    ) -> None:
        """`latency_ms` delays every request (a realistic round trip is ~50 ms), so a client's
        concurrency shows in a benchmark as it would against the real API."""
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.retailer_id = retailer_id
        self.account_id = account_id
        self.token_seconds = token_seconds
        self._offset = 0.0
        self.store = EntityStore(now=lambda: datetime.fromtimestamp(self.now(), UTC))
        self.schema = FluentSchema(
            self.store, retailer_id=retailer_id, catalogue_refs=set(catalogue_refs)
        )
        self.workflow = ProductCatalogueWorkflow(
            self.store,
            retailer_id=retailer_id,
            catalogue_refs=set(catalogue_refs),
            catalogue_types=catalogue_types,
        )
        self.logistics = Logistics(self.store, self.schema.order_view)
        self.availability = Availability(self.store, retailer_id=retailer_id)
        self.schema.schema.query.update(self.logistics.queries)
        self.schema.schema.query.update(self.availability.queries)
        self.schema.schema.mutation.update(self.availability.mutations)
        self.webhooks = WebhookSender(WebhookSigner())
        for ref in locations:
            self.store.create(
                "LOCATION", {"ref": ref, "name": ref, "type": "STORE", "status": "ACTIVE"}
            )
        self.requests: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()
        self._pending = 0
        self.accepted_events = 0
        self._down = False
        self._down_after: int | None = None
        self._refused = 0
        self.faults = FaultInjector(self._gate(self._build()), FaultPlan(latency_ms=latency_ms))
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

    # --- Fluent → commercetools: status changes, webhooks, stock, settings, events ------------
    @property
    def public_key_pem(self) -> str:
        return self.webhooks.signer.public_key_pem

    def _webhook(
        self,
        name: str,
        entity_type: str,
        entity: dict[str, Any],
        root: dict[str, Any] | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return webhook_body(
            name,
            account_id=self.account_id,
            retailer_id=self.retailer_id,
            entity_type=entity_type,
            entity=entity,
            root_type="ORDER" if root is not None else None,
            root=root,
            attributes=attributes,
        )

    def set_order_status(
        self, ref: str, status: str, *, name: str = ORDER_WEBHOOK
    ) -> dict[str, Any]:
        """Moves an order to `status`; returns the webhook body announcing it."""
        order = self.logistics.set_status("ORDER", ref, status)
        return self._webhook(name, "ORDER", dict(order), root=dict(order))

    def create_fulfilment(
        self, order_ref: str, location_ref: str, items: list[tuple[str, int, int]], **options: Any
    ) -> dict[str, Any]:
        """A fulfilment of (order item ref, requested, filled) items from one location."""
        return dict(self.logistics.create_fulfilment(order_ref, location_ref, items, **options))

    def fulfilment_webhook(
        self, ref: str, status: str | None = None, *, name: str = FULFILMENT_WEBHOOK
    ) -> dict[str, Any]:
        """Optionally moves the fulfilment to `status`; returns the webhook body."""
        fulfilment = (
            self.logistics.set_status("FULFILMENT", ref, status)
            if status
            else self.store.by_ref("FULFILMENT", ref)
        )
        if fulfilment is None:
            raise KeyError(f"no fulfilment {ref}")
        order = self.store.get("ORDER", fulfilment["orderId"])
        return self._webhook(name, "FULFILMENT", dict(fulfilment), root=dict(order or {}))

    def create_consignment(
        self, ref: str, fulfilment_refs: list[str], **options: Any
    ) -> dict[str, Any]:
        return dict(self.logistics.create_consignment(ref, fulfilment_refs, **options))

    def consignment_webhook(
        self, ref: str, *, name: str = CONSIGNMENT_WEBHOOK, **changes: Any
    ) -> dict[str, Any]:
        """Applies `changes` (status, tracking_label, tracking_url) and returns the webhook body."""
        consignment = (
            self.logistics.update_consignment(ref, **changes)
            if changes
            else self.store.by_ref("CONSIGNMENT", ref)
        )
        if consignment is None:
            raise KeyError(f"no consignment {ref}")
        return self._webhook(name, "CONSIGNMENT", dict(consignment))

    async def deliver(self, body: dict[str, Any], *, url: str | None = None) -> int:
        """Posts a signed webhook (to `webhooks.url` unless given) and returns the HTTP status."""
        return await self.webhooks.deliver(body, url=url)

    def put_setting(
        self, name: str, value: Any, *, context: str = "RETAILER", context_id: int | None = None
    ) -> dict[str, Any]:
        """Creates or replaces a JSON (LOB) setting, as an admin would in the Fluent console."""
        context_id = int(self.retailer_id) if context_id is None else context_id
        with self.store.lock:
            for setting in self.store.live("SETTING"):
                if (setting["name"], setting["context"], setting["contextId"]) == (
                    name,
                    context,
                    context_id,
                ):
                    return self.store.update("SETTING", setting["id"], {"lobValue": value})
            return self.store.create(
                "SETTING",
                {
                    "name": name,
                    "valueType": "LOB",
                    "lobValue": value,
                    "value": None,
                    "context": context,
                    "contextId": context_id,
                },
            )

    def record_event(
        self,
        name: str,
        status: str,
        *,
        entity_type: str = "ORDER",
        entity_ref: str = "",
        message: str = "",
        event_type: str = "ORCHESTRATION_AUDIT",
        generated_on: str | None = None,
    ) -> dict[str, Any]:
        """Adds an event to the log the Event API searches (e.g. a FAILED workflow rule)."""
        entry = {
            "id": str(uuid.uuid4()),
            "name": name,
            "type": event_type,
            "category": "exception" if status in ("FAILED", "NO_MATCH") else "ruleSet",
            "accountId": self.account_id,
            "retailerId": self.retailer_id,
            "entityType": entity_type,
            "entityRef": entity_ref,
            "attributes": {},
            "eventStatus": status,
            "message": message,
            "generatedOn": generated_on or self.store.timestamp(),
        }
        with self.store.lock:
            self.workflow.log.append(entry)
        return entry

    # --- the HTTP API ------------------------------------------------------------------------
    # --- outages -----------------------------------------------------------------------------
    def start_outage(self, *, after_events: int = 0) -> None:
        """Every request is answered 503 — at once, or once `after_events` more Event API events
        were accepted (so a test can cut Fluent off at an exact point of a load)."""
        with self._lock:
            if after_events <= 0:
                self._down = True
            else:
                self._down_after = self.accepted_events + after_events

    def end_outage(self) -> None:
        with self._lock:
            self._down = False
            self._down_after = None

    def refused_during_outage(self) -> int:
        with self._lock:
            return self._refused

    def _gate(self, app: ASGIApp) -> ASGIApp:
        """Answers every HTTP request 503 while an outage is on (a plain ASGI wrapper: cheap
        when there is none)."""

        async def gate(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                with self._lock:
                    down = self._down
                    if down:
                        self._refused += 1
                if down:
                    response = JSONResponse({"message": "Service Unavailable"}, 503)
                    await response(scope, receive, send)
                    return
            await app(scope, receive, send)

        return gate

    def _build(self) -> FastAPI:
        app = FastAPI(title="Fluent Commerce emulator")

        @app.get("/__sandbox/state")  # the route every sandbox emulator serves
        async def sandbox_state() -> dict[str, Any]:
            with self._lock:
                return {
                    "requests": dict(self.requests),
                    "operations": dict(self.operations),
                    "workflowLog": len(self.workflow.log),
                }

        self._token_routes(app)
        self._graphql_routes(app)
        self._event_routes(app)
        return app

    def _token_routes(self, app: FastAPI) -> None:
        """The OAuth token endpoint (password grant)."""

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

    def _graphql_routes(self, app: FastAPI) -> None:
        """The GraphQL API."""

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

    def _event_routes(self, app: FastAPI) -> None:
        """The Event API: sync and async events, search, by id."""

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
            with self._lock:
                self.accepted_events += 1
                if self._down_after is not None and self.accepted_events >= self._down_after:
                    self._down, self._down_after = True, None
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

        @app.get("/api/v4.1/event")
        async def search_events(request: Request) -> JSONResponse:
            self.requests["event/search"] += 1
            rejected = self._authenticate(request)
            if rejected is not None:
                return rejected
            try:
                return JSONResponse(event_log.search(self.events(), dict(request.query_params)))
            except (ValueError, KeyError) as error:
                return JSONResponse({"errors": [{"code": "400", "message": str(error)}]}, 400)

        @app.get("/api/v4.1/event/{event_id}")
        async def event_by_id(event_id: str, request: Request) -> JSONResponse:
            rejected = self._authenticate(request)
            if rejected is not None:
                return rejected
            for entry in self.events():
                if entry["id"] == event_id:
                    return JSONResponse(entry)
            return JSONResponse({"errors": [{"code": "404", "message": "Event not found"}]}, 404)

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
