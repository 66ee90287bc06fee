"""Async HTTP client for NewStore: order injection, stocked products, ATP export."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog

from ctbridge.connectors.newstore.auth import ClientCredentialsGrant, PasswordGrant
from ctbridge.connectors.newstore.config import NewStoreSettings
from ctbridge.connectors.newstore.errors import (
    NewStoreRateLimited,
    NewStoreRejected,
    NewStoreTokenRefused,
    NewStoreUnavailable,
    OrderConflict,
)
from ctbridge.connectors.newstore.outage import OutageWatch, current_watch
from ctbridge.http.caller import TargetCaller
from ctbridge.http.metrics import counting_client
from ctbridge.http.oauth import TokenCache, TokenGrant
from ctbridge.http.outcomes import SERVER_ERROR_STATUSES
from ctbridge.http.retry import ResendPolicy
from ctbridge.http.retry_after import parse_retry_after

log = structlog.get_logger("ctbridge.newstore")

FULFILL_ORDER_PATH = "/v0/d/fulfill_order"
# Reference source: composable-com/ct-connect-newstore common-new-store/src/service/stock.ts.
STOCKED_PRODUCTS_PATH = "/_/v0/hq/stocked_products"
# Not documented anywhere we could read (the Availabilities Export API page lists `bulk` and
# `groups` sub-resources, not their paths): a guess, used only with NEW_STORE_STOCK_SOURCE=export.
EXPORT_PATH = "/v0/d/availabilities/export"


@dataclass
class StockPage:
    """One page of stock rows and where the feed said it ended."""

    items: list[dict[str, Any]]
    total: int


@dataclass
class AvailabilityExport:
    """A finished ATP export: the rows and the watermark to ask from next time."""

    watermark: int
    rows: list[dict[str, Any]] = field(default_factory=list)


class NewStoreClient:
    """One NewStore tenant. Transient failures (transport, 5xx, 429) are resent under the retry
    policy of `ctbridge.http`, then raised as Retryable; 401/403 fetch one fresh token and
    resend; a 403 that persists is NewStore's rate limiting (backed off, Retryable), a 401 that
    persists is Permanent."""

    def __init__(
        self,
        *,
        base_url: str,
        grant: TokenGrant,
        timeout: float = 30.0,
        max_retries: int = 3,
        backoff_seconds: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 20,
        export_poll_seconds: float = 1.0,
        export_max_polls: int = 120,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.export_poll_seconds = export_poll_seconds
        self.export_max_polls = export_max_polls
        self._http = counting_client(
            "newstore",
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "ctbridge"},
        )
        self.tokens = TokenCache(grant, self._http)
        # reference/newstore.md §9: "5xx/429 -> exponential backoff; 401/403 -> one token
        # refresh then backoff; never retry 400".
        policy = ResendPolicy(
            max_retries=max_retries,
            base_delay=backoff_seconds,
            max_delay=max(backoff_seconds, 30.0),
            resend_statuses=SERVER_ERROR_STATUSES,
        )
        self._caller = TargetCaller(
            self._http,
            target="newstore",
            tokens=self.tokens,
            policy=policy,
            errors=_NewStoreErrors(),
            refresh_statuses=frozenset({401, 403}),
        )

    @classmethod
    def from_settings(cls, settings: NewStoreSettings, **options: Any) -> NewStoreClient:
        grant: TokenGrant
        if settings.uses_client_credentials:
            assert settings.client_id and settings.client_secret
            grant = ClientCredentialsGrant(
                settings.client_credentials_url,
                settings.client_id,
                settings.client_secret.get_secret_value(),
            )
        else:
            assert settings.username and settings.password
            grant = PasswordGrant(
                settings.base_url, settings.username, settings.password.get_secret_value()
            )
        options.setdefault("timeout", settings.timeout_seconds)
        options.setdefault("max_retries", settings.max_retries)
        options.setdefault("backoff_seconds", settings.retry_backoff_seconds)
        return cls(base_url=settings.base_url, grant=grant, **options)

    def __repr__(self) -> str:
        return f"NewStoreClient(base_url={self.base_url!r}, grant={self.tokens.grant!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def authenticate(self) -> None:
        """Fetches an access token now, unless a valid one is cached (a job's warm-up)."""
        await self.tokens.token()

    # Orders ---------------------------------------------------------------------------------

    async def fulfill_order(self, body: bytes) -> dict[str, Any]:
        """Injects one order. `body` is sent as given (canonical bytes): NewStore is idempotent
        on external_id for an identical payload, so resending after a lost answer is safe."""
        return await self._request("POST", FULFILL_ORDER_PATH, content=body)

    # Stock ----------------------------------------------------------------------------------

    async def stocked_products_page(self, offset: int, limit: int) -> StockPage:
        page = await self._request(
            "GET", STOCKED_PRODUCTS_PATH, params={"limit": limit, "offset": offset}
        )
        info = page.get("pagination_info") or {}
        return StockPage(items=list(page.get("items") or []), total=int(info.get("total", 0)))

    async def stocked_products(
        self, page_size: int = 500, *, concurrency: int = 1
    ) -> AsyncIterator[StockPage]:
        """Every page until `total` rows were read. The first page gives the total; the other
        offsets are then read `concurrency` at a time and yielded as they arrive (any order)."""
        first = await self.stocked_products_page(0, page_size)
        yield first
        if not first.items or len(first.items) >= first.total:
            return
        offsets = iter(range(len(first.items), first.total, len(first.items)))
        pending: set[asyncio.Task[StockPage]] = set()
        try:
            while True:
                for offset in offsets:
                    pending.add(asyncio.create_task(self.stocked_products_page(offset, page_size)))
                    if len(pending) >= concurrency:
                        break
                if not pending:
                    return
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    yield task.result()
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def availability_export(
        self, last_updated_at: int | None, page_size: int = 500
    ) -> AvailabilityExport | None:
        """Runs a global ATP export (only products changed after `last_updated_at` when given).

        Returns None when the start call is refused with any 4xx but 429 (after one fresh token
        for 401/403): the paths are undocumented, and gateways answer an unknown path with 403,
        404 or 405 alike, so callers fall back to a full read of stocked products.
        """
        body: dict[str, Any] = {}
        if last_updated_at is not None:
            body["last_updated_at"] = last_updated_at
        try:
            started = await self._request("POST", EXPORT_PATH, json=body, probe=True)
        except NewStoreRejected as error:
            log.debug("newstore.export_refused", status=error.status)
            return None
        export_id = started["id"]
        status = started
        for _ in range(self.export_max_polls):
            if status.get("state") == "finished":
                break
            if status.get("state") == "failed":
                raise NewStoreUnavailable(f"NewStore ATP export {export_id} failed")
            await asyncio.sleep(self.export_poll_seconds)
            status = await self._request("GET", f"{EXPORT_PATH}/{export_id}")
        else:
            raise NewStoreUnavailable(f"NewStore ATP export {export_id} did not finish in time")
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = await self._request(
                "GET",
                f"{EXPORT_PATH}/{export_id}/items",
                params={"limit": page_size, "offset": offset},
            )
            items = list(page.get("items") or [])
            rows.extend(items)
            offset += len(items)
            if not items or offset >= int((page.get("pagination_info") or {}).get("total", 0)):
                break
        return AvailabilityExport(watermark=int(status["last_updated_at"]), rows=rows)

    # Transport ------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        probe: bool = False,
    ) -> Any:
        """One call under the retry policy; with `probe`, a 4xx other than 429 that persists after
        a fresh token is a rejection at once (the resource may simply not exist)."""
        headers = {"Content-Type": "application/json"} if content is not None else None
        watch = current_watch()
        response = await self._caller.send(
            method,
            path,
            # Every NewStore call is safe to resend: order injection is idempotent on external_id
            # for identical bytes (fulfill_order), the others read or start an export.
            idempotent=True,
            ride=_WatchRide(watch, self.backoff_seconds) if watch is not None else None,
            errors=_PROBE_ERRORS if probe else None,
            params=params,
            json=json,
            content=content,
            headers=headers,
        )
        return response.json() if response.content else {}


class _NewStoreErrors:
    """NewStore answers as typed errors (`connectors.newstore.errors`)."""

    def transport(self, request: httpx.Request, error: httpx.TransportError) -> Exception:
        return NewStoreUnavailable(f"NewStore {request.method} {request.url.path}: {error!r}")

    def response(self, response: httpx.Response) -> Exception:
        status = response.status_code
        method, path = response.request.method, response.request.url.path
        if status == 429:
            return NewStoreRateLimited(
                f"NewStore {method} {path} answered 429",
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        if status >= 500:
            return NewStoreUnavailable(f"NewStore {method} {path} answered {status}")
        return _rejection(method, path, response)

    def token_refused(self, response: httpx.Response) -> Exception:
        method, path = response.request.method, response.request.url.path
        if response.status_code == 403:
            # reference/newstore.md §8.1 [community]: NewStore also answers 403 when rate
            # limiting, so a 403 to a fresh token is backed off, not given up on.
            return NewStoreRateLimited(
                f"NewStore {method} {path} answered 403 to a fresh token",
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        # A 401 means no usable Authorization header (ibid.): a fresh token refused too is ours.
        return NewStoreTokenRefused(f"NewStore {method} {path} answered 401 to a fresh token")


class _ProbeErrors(_NewStoreErrors):
    """For an undocumented path: any 4xx but 429 is a rejection, 403 after a refresh included."""

    def token_refused(self, response: httpx.Response) -> Exception:
        return _rejection(response.request.method, response.request.url.path, response)


_PROBE_ERRORS = _ProbeErrors()


class _WatchRide:
    """A job rides a NewStore outage out: resend until NewStore has been down for the
    tolerance (NEW_STORE_OUTAGE_TOLERANCE_SECONDS), then fail the run."""

    def __init__(self, watch: OutageWatch, backoff_seconds: float) -> None:
        self._watch = watch
        self._backoff = backoff_seconds

    def wait(self, attempt: int, error: Exception) -> float:
        self._watch.failed()
        if self._watch.exhausted():
            raise NewStoreUnavailable(
                f"NewStore unavailable for {self._watch.down_for():.1f} s, the tolerance "
                f"(NEW_STORE_OUTAGE_TOLERANCE_SECONDS={self._watch.tolerance_seconds:g}): {error}"
            ) from None
        wanted = getattr(error, "retry_after", None) or self._backoff * 2 ** min(attempt - 1, 16)
        delay = self._watch.delay(wanted)
        return random.uniform(delay / 2, delay)

    def recovered(self) -> None:
        self._watch.recovered()


def _rejection(method: str, path: str, response: httpx.Response) -> NewStoreRejected:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:500]
    message = body.get("message") if isinstance(body, dict) else body
    reason = f"NewStore {method} {path} answered {response.status_code}: {message}"
    if response.status_code == 409 and path == FULFILL_ORDER_PATH:
        return OrderConflict(reason, status=409, body=body)
    return NewStoreRejected(reason, status=response.status_code, body=body)
