"""Async client for Ordergroove's product API: bulk create, bulk update, retrieve."""

from __future__ import annotations

import asyncio
import json
import random
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from ctbridge.engine.errors import Permanent, Retryable

MAX_BATCH = 100
CONFLICT = 409
MAX_RETRY_AFTER_SECONDS = 120.0
DEFAULT_THROTTLE_SECONDS = 1.0
Pace = Callable[[], Awaitable[None]]
Throttled = Callable[[float], Awaitable[None]]


class OrdergrooveRejected(Permanent):
    """The whole call was refused for a reason a retry cannot fix (400, 401, 403...)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"Ordergroove refused the call ({status}): {detail}")
        self.status = status


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


def encode_json(value: Any) -> str:
    """JSON text with Decimal amounts written exactly (never through a float).

    The C encoder writes each Decimal as a string marked with a NUL and a fresh random nonce,
    which is then unquoted into the number's exact digits; no real string can carry a nonce
    it could not know.
    """
    nonce = secrets.token_hex(8)

    def mark(item: Any) -> str:
        if isinstance(item, Decimal):
            return f"\x00{nonce}:{item:f}"
        raise TypeError(f"{type(item).__name__} is not JSON serializable")

    text = json.dumps(value, separators=(",", ":"), default=mark)
    marked = re.compile(rf'"\\u0000{nonce}:(-?[0-9]+(?:\.[0-9]+)?)"')
    return marked.sub(r"\1", text)


def retry_after_seconds(header: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header, given as delay-seconds or as an HTTP-date.

    Ordergroove's Bulk Create/Update pages say only that a throttled call "returns 429 with a
    Retry-After header" (developer.ordergroove.com, Bulk Update); they do not say which of the
    two forms RFC 9110 §10.2.3 allows, so both are read. A date in the past means "now".
    """
    if header is None or not header.strip():
        return None
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _retry_after(response: httpx.Response) -> float | None:
    return retry_after_seconds(response.headers.get("retry-after"))


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

    Every call first awaits `pace` (the engine's shared rate limiter); a 429's Retry-After is
    handed to `on_throttle`, which pauses every worker. 429, 5xx and timeouts are retried up to `max_retries` times with exponential
    backoff and jitter, then raised as `OrdergrooveUnavailable`; a refused call raises
    `OrdergrooveRejected` at once. The key is never logged or put in an error message.
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
        self._http = httpx.AsyncClient(
            base_url=api_url.rstrip("/"),
            headers={
                "x-api-key": api_key,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout, connect=timeout),
            transport=transport,
        )
        self._max_retries = max_retries
        self._pace = pace
        self._on_throttle = on_throttle
        self._backoff = backoff_seconds
        self.calls = 0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def create_products(self, products: Sequence[Mapping[str, Any]]) -> list[ItemResult]:
        """Bulk create (at most 100; developer.ordergroove.com "Bulk Create").

        `force_all_fields=false` keeps the merchant's manual product configuration rules (the
        documented query parameter). What creating an existing product answers is not
        documented, so all three plausible answers are handled: a per-item 400 (returned as
        is), a 200 that upserts (returned as is: the item is applied), or a 409 for the whole
        call, which applies nothing and is returned as status 409 for every item.
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
        response = await self._send("GET", f"/products/{quote(product_id, safe='')}/")
        if response.status_code == 404:
            return None
        self._raise_for_refusal(response)
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
        body = encode_json(list(products))
        response = await self._send(method, path, content=body, params=dict(params or {}))
        if response.status_code == CONFLICT and method == "POST":
            detail = _detail(response)
            return [ItemResult(str(p["product_id"]), CONFLICT, detail) for p in products]
        self._raise_for_refusal(response)
        return _item_results(products, response)

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        attempt = 0
        while True:
            if self._pace is not None:
                await self._pace()
            self.calls += 1
            try:
                response = await self._http.request(method, path, **kwargs)
            except httpx.TimeoutException:
                failure = OrdergrooveUnavailable(
                    f"Ordergroove did not answer {method} {path} in time"
                )
            except httpx.TransportError as error:
                failure = OrdergrooveUnavailable(
                    f"could not reach Ordergroove for {method} {path}: {type(error).__name__}"
                )
            else:
                if response.status_code == 429:
                    wait = _retry_after(response)
                    failure = OrdergrooveUnavailable(
                        "Ordergroove throttled the call (429)", status=429, retry_after=wait
                    )
                elif response.status_code >= 500:
                    failure = OrdergrooveUnavailable(
                        f"Ordergroove failed ({response.status_code})",
                        status=response.status_code,
                        retry_after=_retry_after(response),
                    )
                else:
                    return response
            if attempt >= self._max_retries:
                raise failure
            attempt += 1
            if failure.status == 429 and self._on_throttle is not None and self._pace is not None:
                # Every worker waits out the Retry-After through the shared limiter, which the
                # next pace() honours; the target's general 429 is "safe to retry at any point".
                await self._on_throttle(failure.retry_after or DEFAULT_THROTTLE_SECONDS)
                continue
            await asyncio.sleep(self._delay(attempt, failure.retry_after))

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        ceiling = min(self._backoff * 2 ** (attempt - 1), 10.0)
        return random.uniform(ceiling / 2, ceiling)

    @staticmethod
    def _raise_for_refusal(response: httpx.Response) -> None:
        if response.status_code >= 400:
            raise OrdergrooveRejected(response.status_code, _detail(response))


def _item_results(
    products: Sequence[Mapping[str, Any]], response: httpx.Response
) -> list[ItemResult]:
    """One result per product sent, in order; an item Ordergroove left out counts as failed."""
    try:
        body = response.json()
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
