"""Async client for Fluent's GraphQL and Event APIs: auth, bounded concurrency, typed errors."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from ctbridge.connectors.fluent.client.auth import FluentCredentials, PasswordGrantToken
from ctbridge.connectors.fluent.client.errors import (
    FluentAuthError,
    FluentDuplicateRef,
    FluentGraphQLPermanent,
    FluentGraphQLRetryable,
    FluentNoMatch,
    FluentRateLimited,
    FluentRequestRejected,
    FluentServerError,
    FluentTransportError,
    FluentWorkflowFailed,
)
from ctbridge.connectors.fluent.client.outage import FluentOutage, current_window
from ctbridge.connectors.fluent.client.outage import backoff as outage_backoff

EVENT_PATH = "/api/v4.1/event"
# graphql-java classifications that mean the request itself is wrong.
CLIENT_CLASSIFICATIONS = {"ValidationError", "InvalidSyntax", "OperationNotSupported"}


class RateLimiter(Protocol):
    async def acquire(self) -> None: ...


class FluentClient:
    """One Fluent account. Every call waits for a concurrency slot (and the rate limiter if
    given); 401 refreshes the token once; 429, connection failures and (for reads) 5xx are
    retried a few times with backoff before the typed error is raised."""

    def __init__(
        self,
        *,
        host: str,
        credentials: FluentCredentials,
        timeout: float = 15.0,
        max_concurrency: int = 16,
        max_retries: int = 3,
        rate_limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.host,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
        )
        self.token = PasswordGrantToken(self._http, "/oauth/token", credentials, clock=clock)
        self._slots = asyncio.Semaphore(max_concurrency)
        self._retries = max_retries
        self._limiter = rate_limiter
        self.calls = 0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, idempotent: bool = True
    ) -> dict[str, Any]:
        """Runs one operation and returns `data`; any `errors` entry raises a typed error.

        Mutations pass `idempotent=False` so that a 5xx (which may have been applied) is not
        blindly repeated; callers make those safe by looking the entity up first.
        """
        body = await self._call(
            "POST", "/graphql", {"query": query, "variables": variables or {}}, idempotent
        )
        errors = body.get("errors")
        if errors:
            raise graphql_error(errors, body.get("data"))
        data = body.get("data")
        if not isinstance(data, dict):
            raise FluentServerError("Fluent GraphQL answered without data", status=200)
        return data

    async def send_event(self, event: dict[str, Any], *, sync: bool) -> dict[str, Any]:
        """Posts to the Event API. A sync event that ran and FAILED is retryable (usually a
        parent not there yet); one that matched no rule is permanent."""
        path = f"{EVENT_PATH}/sync" if sync else f"{EVENT_PATH}/async"
        body = await self._call("POST", path, event, idempotent=True)
        status = str(body.get("eventStatus", "")).upper()
        if sync and status == "FAILED":
            raise FluentWorkflowFailed(
                f"Fluent event {event.get('name')} {event.get('entityRef')} failed"
            )
        if sync and status == "NO_MATCH":
            raise FluentNoMatch(f"Fluent event {event.get('name')} matched no workflow rule")
        return body

    async def search_events(self, filters: Mapping[str, Any]) -> dict[str, Any]:
        """`GET /api/v4.1/event` with Fluent's filters (`eventStatus`, `from`, `to`, `start`,
        `count`, `context.entityType`...); returns `{start, count, hasMore, results}`."""
        query = urlencode({k: v for k, v in filters.items() if v is not None})
        return await self._call("GET", f"{EVENT_PATH}?{query}", None, idempotent=True)

    async def get_event(self, event_id: str) -> dict[str, Any]:
        return await self._call("GET", f"{EVENT_PATH}/{event_id}", None, idempotent=True)

    async def _call(self, method: str, path: str, payload: Any, idempotent: bool) -> dict[str, Any]:
        attempt = 0
        refreshed = False
        window = current_window()
        while True:
            try:
                body = await self._once(method, path, payload)
            except _Unauthorized as rejected:
                if refreshed:
                    raise FluentAuthError(
                        "Fluent refused a freshly issued token", status=401
                    ) from None
                refreshed = True
                self.token.invalidate(rejected.header)
                continue
            except (FluentRateLimited, FluentTransportError, FluentServerError) as error:
                retry = isinstance(error, FluentRateLimited) or idempotent or _never_sent(error)
                if not retry:
                    raise
                attempt += 1
                if window is not None:
                    # A job rides the outage out: retry until Fluent has been down for the
                    # tolerance, then fail the run (its checkpoint is kept).
                    down_for = window.failed()
                    if window.exceeded(down_for):
                        raise FluentOutage(
                            f"Fluent unavailable for {down_for:.0f} s (tolerance "
                            f"{window.tolerance:.0f} s); last error: {error}"
                        ) from error
                    await asyncio.sleep(
                        min(max(outage_backoff(attempt), error.retry_after or 0), 30.0)
                    )
                    continue
                if attempt > self._retries:
                    raise
                await asyncio.sleep(_backoff(attempt, error.retry_after))
                continue
            if window is not None:
                window.succeeded()
            return body

    async def _once(self, method: str, path: str, payload: Any) -> dict[str, Any]:
        async with self._slots:
            if self._limiter is not None:
                await self._limiter.acquire()
            header = await self.token.header()
            headers = {"Authorization": header, "Accept": "application/json"}
            content = None
            if payload is not None:
                content = json.dumps(payload, default=_json_number).encode()
                headers["Content-Type"] = "application/json"
            self.calls += 1
            try:
                response = await self._http.request(method, path, content=content, headers=headers)
            except httpx.ConnectError as error:
                raise _NeverSent(f"Fluent unreachable: {type(error).__name__}") from None
            except httpx.TransportError as error:
                raise FluentTransportError(f"Fluent call failed: {type(error).__name__}") from None
        return _decode(response, header, f"{method} {path}")


class _Unauthorized(Exception):
    def __init__(self, header: str) -> None:
        self.header = header


class _NeverSent(FluentTransportError):
    """The connection was refused: the request cannot have been applied."""


def _never_sent(error: Exception) -> bool:
    return isinstance(error, _NeverSent)


def _decode(response: httpx.Response, header: str, what: str) -> dict[str, Any]:
    status = response.status_code
    if status == 401:
        raise _Unauthorized(header)
    if status == 429:
        raise FluentRateLimited(
            f"{what}: Fluent throttled", status=429, retry_after=_retry_after(response)
        )
    if status >= 500:
        raise FluentServerError(f"{what}: Fluent answered {status}", status=status)
    if status >= 400:
        raise FluentRequestRejected(
            f"{what}: Fluent answered {status}: {_message(response)}", status=status
        )
    try:
        body = response.json()
    except ValueError:
        raise FluentServerError(
            f"{what}: Fluent answered {status} with a body that is not JSON"
        ) from None
    return body if isinstance(body, dict) else {"items": body}


def graphql_error(errors: list[dict[str, Any]], data: Any) -> Exception:
    """Classifies GraphQL errors: Fluent codes `C…` and graphql-java validation errors are the
    client's fault (permanent), duplicates are told apart, anything else is retryable."""
    messages = "; ".join(str(e.get("message", "")) for e in errors)[:500]
    partial = data if isinstance(data, dict) else None
    if any("already exists" in str(e.get("message", "")).lower() for e in errors):
        return FluentDuplicateRef(f"Fluent GraphQL: {messages}", errors, partial)
    client_fault = False
    for error in errors:
        extensions = error.get("extensions") or {}
        code = str(extensions.get("code", ""))
        if code.startswith("C") or extensions.get("classification") in CLIENT_CLASSIFICATIONS:
            client_fault = True
    if client_fault:
        return FluentGraphQLPermanent(f"Fluent GraphQL: {messages}", errors, partial)
    return FluentGraphQLRetryable(f"Fluent GraphQL: {messages}", errors, partial)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))[:300]
        return str(body.get("message") or body.get("error") or body)[:300]
    return str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _backoff(attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(retry_after, 30.0)
    return min(0.1 * 2**attempt, 2.0) * (0.5 + random.random() / 2)


def _json_number(value: Any) -> Any:
    """Money stays Decimal up to the wire, where JSON has only one number type."""
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and value.as_tuple().exponent >= 0
            else float(value)
        )
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
