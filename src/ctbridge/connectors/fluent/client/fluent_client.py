"""Async client for Fluent's GraphQL and Event APIs: the endpoints and their typed errors (auth,
concurrency and retries are `ctbridge.http`'s)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from ctbridge.connectors.fluent.client.auth import (
    FluentCredentials,
    FluentToken,
)
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
from ctbridge.connectors.fluent.client.outage import FluentOutage, OutageWindow, current_window
from ctbridge.connectors.fluent.client.outage import backoff as outage_backoff
from ctbridge.http.caller import TargetCaller
from ctbridge.http.metrics import counting_client
from ctbridge.http.outcomes import SERVER_ERROR_STATUSES
from ctbridge.http.retry import ResendPolicy
from ctbridge.http.retry_after import parse_retry_after

EVENT_PATH = "/api/v4.1/event"


class RateLimiter(Protocol):
    async def acquire(self) -> None: ...


# graphql-java classifications that mean the request itself is wrong.
CLIENT_CLASSIFICATIONS = {"ValidationError", "InvalidSyntax", "OperationNotSupported"}
# The longest wait between resends while a job rides out an outage.
MAX_RIDE_WAIT_SECONDS = 30.0


class FluentClient:
    """One Fluent account. Every call waits for a concurrency slot (and the rate limiter if
    given); 401 refreshes the token once; 429, connections refused and (for idempotent calls)
    5xx and lost answers are resent under the retry policy of `ctbridge.http` before the typed
    error is raised. Inside a job riding out an outage (`outage.riding_out`) they are resent
    until Fluent has been down for the job's tolerance."""

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
        self._http = counting_client(
            "fluent",
            base_url=self.host,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
        )
        self.token = FluentToken(self._http, "/oauth/token", credentials, clock=clock)
        # Fluent documents no retry rules for its APIs: every 5xx of an idempotent call is resent,
        # as this client always did.
        policy = ResendPolicy(
            max_retries=max_retries,
            base_delay=0.1,
            max_delay=2.0,
            resend_statuses=SERVER_ERROR_STATUSES,
        )
        self._caller = TargetCaller(
            self._http,
            target="fluent",
            tokens=self.token,
            policy=policy,
            errors=_FluentErrors(),
            concurrency=max_concurrency,
            pace=rate_limiter.acquire if rate_limiter is not None else None,
        )

    @property
    def calls(self) -> int:
        """Requests sent to the Fluent API (resends included, token requests not)."""
        return self._caller.sent

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
        headers = {"Accept": "application/json"}
        content = None
        if payload is not None:
            content = json.dumps(payload, default=_json_number).encode()
            headers["Content-Type"] = "application/json"
        window = current_window()
        response = await self._caller.send(
            method,
            path,
            idempotent=idempotent,
            ride=_WindowRide(window) if window is not None else None,
            content=content,
            headers=headers,
        )
        try:
            body = response.json()
        except ValueError:
            raise FluentServerError(
                f"{method} {path}: Fluent answered {response.status_code} with a body that is "
                "not JSON"
            ) from None
        return body if isinstance(body, dict) else {"items": body}


class _WindowRide:
    """A job rides a Fluent outage out: resend until Fluent has been down for the tolerance, then
    fail the run (its checkpoint is kept)."""

    def __init__(self, window: OutageWindow) -> None:
        self._window = window

    def wait(self, attempt: int, error: Exception) -> float:
        down_for = self._window.failed()
        if self._window.exceeded(down_for):
            raise FluentOutage(
                f"Fluent unavailable for {down_for:.0f} s (tolerance "
                f"{self._window.tolerance:.0f} s); last error: {error}"
            ) from error
        retry_after = getattr(error, "retry_after", None) or 0.0
        return min(max(outage_backoff(attempt), retry_after), MAX_RIDE_WAIT_SECONDS)

    def recovered(self) -> None:
        self._window.succeeded()


class _FluentErrors:
    """Fluent answers as typed errors (`connectors.fluent.errors`)."""

    def transport(self, request: httpx.Request, error: httpx.TransportError) -> Exception:
        if isinstance(error, httpx.ConnectError):
            return FluentTransportError(f"Fluent unreachable: {type(error).__name__}")
        return FluentTransportError(f"Fluent call failed: {type(error).__name__}")

    def response(self, response: httpx.Response) -> Exception:
        status = response.status_code
        what = f"{response.request.method} {response.request.url.path}"
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            return FluentRateLimited(
                f"{what}: Fluent throttled", status=429, retry_after=retry_after
            )
        if status >= 500:
            return FluentServerError(f"{what}: Fluent answered {status}", status=status)
        return FluentRequestRejected(
            f"{what}: Fluent answered {status}: {_message(response)}", status=status
        )

    def token_refused(self, response: httpx.Response) -> Exception:
        return FluentAuthError("Fluent refused a freshly issued token", status=401)


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


def _json_number(value: Any) -> Any:
    """Money stays Decimal up to the wire, where JSON has only one number type."""
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and value.as_tuple().exponent >= 0
            else float(value)
        )
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
