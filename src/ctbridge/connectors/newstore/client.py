"""Async HTTP client for NewStore: order injection, stocked products, ATP export."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog

from ctbridge.connectors.newstore.auth import (
    ClientCredentialsGrant,
    PasswordGrant,
    TokenCache,
    TokenGrant,
)
from ctbridge.connectors.newstore.config import NewStoreSettings
from ctbridge.connectors.newstore.errors import (
    NewStoreRateLimited,
    NewStoreRejected,
    NewStoreUnavailable,
    OrderConflict,
)
from ctbridge.connectors.newstore.outage import current_watch
from ctbridge.errors import Retryable

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
    """One NewStore tenant. Transient failures (transport, 5xx, 429) are retried here with
    exponential backoff and jitter, then raised as Retryable; 401/403 fetch one fresh token and
    retry, and a 403 that persists is treated as NewStore's rate limiting."""

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
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "ctbridge"},
        )
        self.tokens = TokenCache(grant, self._http)

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
        """One call with retries; with `probe`, a 4xx other than 429 that persists after a fresh
        token is a rejection at once (the resource may simply not exist)."""
        refreshed = False
        attempt = 0
        watch = current_watch()
        while True:
            error: Retryable
            try:
                token = await self.tokens.token()
            except NewStoreUnavailable as failure:
                error = failure
            else:
                headers = {"Authorization": f"Bearer {token}"}
                if content is not None:
                    headers["Content-Type"] = "application/json"
                try:
                    response = await self._http.request(
                        method, path, params=params, json=json, content=content, headers=headers
                    )
                except httpx.HTTPError as failure:
                    error = NewStoreUnavailable(f"NewStore {method} {path}: {failure!r}")
                else:
                    status = response.status_code
                    if status in (401, 403) and not refreshed:
                        self.tokens.invalidate(token)
                        refreshed = True
                        continue
                    if status < 400:
                        if watch is not None:
                            watch.recovered()
                        return response.json() if response.content else {}
                    if probe and status < 500 and status != 429:
                        raise _rejection(method, path, response)
                    if status in (401, 403, 429):
                        error = NewStoreRateLimited(
                            f"NewStore {method} {path} answered {status}",
                            retry_after=_retry_after(response),
                        )
                    elif status >= 500:
                        error = NewStoreUnavailable(f"NewStore {method} {path} answered {status}")
                    else:
                        raise _rejection(method, path, response)
            attempt += 1
            delay = error.retry_after or self.backoff_seconds * 2 ** min(attempt - 1, 16)
            if watch is not None:
                watch.failed()
                if watch.exhausted():
                    raise NewStoreUnavailable(
                        f"NewStore unavailable for {watch.down_for():.1f} s, the tolerance "
                        f"(NEW_STORE_OUTAGE_TOLERANCE_SECONDS={watch.tolerance_seconds:g}): "
                        f"{error.reason}"
                    ) from None
                delay = watch.delay(delay)
            elif attempt > self.max_retries:
                raise error
            log.info("newstore.retry", path=path, attempt=attempt, reason=error.reason)
            await asyncio.sleep(random.uniform(delay / 2, delay))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


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
