"""Async client for Ordergroove's product API: bulk create, bulk update, retrieve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from ctbridge import json_text
from ctbridge.errors import Permanent, Retryable
from ctbridge.http import json_body
from ctbridge.http.caller import Pace, TargetCaller, Throttled
from ctbridge.http.metrics import counting_client
from ctbridge.http.outcomes import SERVER_ERROR_STATUSES
from ctbridge.http.retry import ResendPolicy
from ctbridge.http.retry_after import parse_retry_after

MAX_BATCH = 100
CONFLICT = 409


class OrdergrooveRejected(Permanent):
    """The whole call was refused for a reason a retry cannot fix (400, 401, 403...)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"Ordergroove refused the call ({status}): {detail}")
        self.status = status
        self.detail = detail


class OrdergrooveUnavailable(Retryable):
    """Ordergroove throttled (429), failed (5xx) or did not answer in time; retry later."""

    def __init__(self, reason: str, *, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(reason, retry_after=retry_after)
        self.status = status


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item's outcome in a 207 answer: 200 applied, 400 rejected, 404 unknown product."""

    product_id: str
    status: int
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("message") or body)[:200]
    return str(body)[:200]


class OrdergrooveClient:
    """One Ordergroove merchant, authenticated by its application API key (`x-api-key`).

    Calls go through `ctbridge.http`: each first awaits `pace` (the engine's shared rate
    limiter); a 429's Retry-After is handed to `on_throttle`, which pauses every worker. 429, 5xx
    and transport failures are resent up to `max_retries` times with backoff and jitter, a
    Retry-After over 30 s is handed back to the worker, then `OrdergrooveUnavailable` is raised;
    a refused call raises `OrdergrooveRejected` at once. The key is never logged or put in an
    error message.
    """

    def __init__(
        self,
        *,
        api_url: str,
        api_key: str,
        timeout: float = 3.0,
        max_retries: int = 4,
        pace: Pace | None = None,
        on_throttle: Throttled | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_seconds: float = 0.25,
    ) -> None:
        self._http = counting_client(
            "ordergroove",
            base_url=api_url.rstrip("/"),
            headers={
                "x-api-key": api_key,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout, connect=timeout),
            transport=transport,
        )
        # developer.ordergroove.com "Rate Limits": a 429 "is safe to retry at any point in time";
        # reference/ordergroove.md: bounded retries for 429, 5xx and network errors only.
        policy = ResendPolicy(
            max_retries=max_retries,
            base_delay=backoff_seconds,
            max_delay=10.0,
            resend_statuses=SERVER_ERROR_STATUSES,
        )
        self._caller = TargetCaller(
            self._http,
            target="ordergroove",
            tokens=None,
            policy=policy,
            errors=_OrdergrooveErrors(),
            pace=pace,
            on_throttle=on_throttle if pace is not None else None,
        )

    @property
    def calls(self) -> int:
        """Requests sent to Ordergroove, resends included."""
        return self._caller.sent

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_products(self, products: Sequence[Mapping[str, Any]]) -> list[ItemResult]:
        """Bulk create (at most 100; developer.ordergroove.com "Bulk Create").

        `force_all_fields=false` keeps the merchant's manual product configuration rules (the
        documented query parameter). What creating an existing product answers is not
        documented, so all three plausible answers are handled: a per-item 400 (returned as
        is), a 200 that upserts (returned as is: the item is applied), or a 409 for the whole
        call, which applies nothing and is returned as status 409 for every item. Because each
        of them sends the item on through update, a resent create cannot create twice: it is
        sent as idempotent.
        """
        return await self._bulk(
            "POST", "/products-batch/create/", products, params={"force_all_fields": "false"}
        )

    async def update_products(self, products: Sequence[Mapping[str, Any]]) -> list[ItemResult]:
        """Bulk update (at most 100, partial objects allowed; per-item 404 for unknown products).

        developer.ordergroove.com "Bulk Update" lists no query parameter, so none is sent (the
        reference sends force_all_fields here too, which the page does not document).
        """
        return await self._bulk("PATCH", "/products-batch/update/", products)

    async def get_product(self, product_id: str) -> dict[str, Any] | None:
        """The product as Ordergroove holds it, or None when it does not exist."""
        try:
            response = await self._send("GET", f"/products/{quote(product_id, safe='')}/")
        except OrdergrooveRejected as refused:
            if refused.status == 404:
                return None
            raise
        return dict(response.json())

    async def _bulk(
        self,
        method: str,
        path: str,
        products: Sequence[Mapping[str, Any]],
        params: Mapping[str, str] | None = None,
    ) -> list[ItemResult]:
        if not products:
            return []
        if len(products) > MAX_BATCH:
            raise ValueError(f"Ordergroove takes at most {MAX_BATCH} products per call")
        body = json_body.encode(list(products))
        try:
            response = await self._send(method, path, content=body, params=dict(params or {}))
        except OrdergrooveRejected as refused:
            if refused.status == CONFLICT and method == "POST":
                return [
                    ItemResult(str(p["product_id"]), CONFLICT, refused.detail) for p in products
                ]
            raise
        return _item_results(products, response)

    async def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        return await self._caller.send(method, path, idempotent=True, **options)


class _OrdergrooveErrors:
    """Ordergroove answers as typed errors: 429, 5xx and no answer retryable, other 4xx not."""

    def transport(self, request: httpx.Request, error: httpx.TransportError) -> Exception:
        method, path = request.method, request.url.path
        if isinstance(error, httpx.TimeoutException):
            return OrdergrooveUnavailable(f"Ordergroove did not answer {method} {path} in time")
        return OrdergrooveUnavailable(
            f"could not reach Ordergroove for {method} {path}: {type(error).__name__}"
        )

    def response(self, response: httpx.Response) -> Exception:
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if status == 429:
            return OrdergrooveUnavailable(
                "Ordergroove throttled the call (429)", status=429, retry_after=retry_after
            )
        if status >= 500:
            return OrdergrooveUnavailable(
                f"Ordergroove failed ({status})", status=status, retry_after=retry_after
            )
        return OrdergrooveRejected(status, _detail(response))

    def token_refused(self, response: httpx.Response) -> Exception:  # no tokens: never asked
        return self.response(response)


def _item_results(
    products: Sequence[Mapping[str, Any]], response: httpx.Response
) -> list[ItemResult]:
    """One result per product sent, in order; an item Ordergroove left out counts as failed."""
    try:
        body = json_text.loads(response.content)
    except ValueError:
        body = {}
    raw = body.get("results") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        if response.status_code == 200:
            return [ItemResult(str(p["product_id"]), 200) for p in products]
        raw = []
    by_id: dict[str, dict[str, Any]] = {}
    for entry in raw:
        if isinstance(entry, dict) and entry.get("product_id") is not None:
            by_id.setdefault(str(entry["product_id"]), entry)
    results = []
    for product in products:
        product_id = str(product["product_id"])
        entry = by_id.get(product_id)
        if entry is None:
            results.append(ItemResult(product_id, 0, "no result for this item in the answer"))
            continue
        status = int(entry.get("status") or 0)
        detail = str(entry.get("detail") or entry.get("errors") or entry.get("message") or "")
        results.append(ItemResult(product_id, status, detail[:200]))
    return results
