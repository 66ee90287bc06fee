"""The reference connector's catalogue ingestion strategy, re-run against our emulators.

Orium's ct-connect-fluent `service/src/services/fluent-catalog-ingestion.ts`, as described in
/work/shared/reference/fluent.md §4 and §1.6: log in to Fluent with query-string parameters;
page through commercetools `GET /products` (Product, `masterData.current`) 2 at a time by
offset; per product send the standard product to `/event/sync`, then each variant to
`/event/async`, one after the other. Every commercetools call and every Fluent call goes through
a Bottleneck limiter `{maxConcurrent: 1, minTime: 300}` (one limiter per system): one call at a
time, each started at least 300 ms after the previous one.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlencode

import httpx

PAGE_SIZE = 2
MIN_TIME_SECONDS = 0.3


class Bottleneck:
    """`maxConcurrent: 1, minTime: 300`: a call starts once the previous one finished and at
    least `min_time` after the previous one started."""

    def __init__(self, min_time: float = MIN_TIME_SECONDS) -> None:
        self.min_time = min_time
        self._lock = asyncio.Lock()
        self._next_start = 0.0

    async def schedule(self, call: Any) -> Any:
        async with self._lock:
            wait = self._next_start - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_start = time.monotonic() + self.min_time
            return await call()


def _variant_events(product: dict[str, Any], envelope: dict[str, Any], locale: str) -> list:
    current = product["masterData"]["current"]
    key = product["key"]
    name = current["name"][locale]
    events = []
    for variant in [current["masterVariant"], *current.get("variants", [])]:
        sku = variant.get("sku")
        if not sku or sku == key:  # §2.2 rule 3
            continue
        prices = [
            {
                "type": "TYPE",
                "currency": p["value"]["currencyCode"],
                "value": p["value"]["centAmount"] / 100,
            }
            for p in variant.get("prices") or []
        ]
        events.append(
            {
                **envelope,
                "attributes": {
                    "ref": sku,
                    "type": "VARIANT",
                    "status": "ACTIVE",
                    "gtin": "D45",
                    "name": name,
                    "summary": "",
                    "standardProductRef": key,
                    "attributes": [],
                    "categoryRefs": [],
                    "prices": prices,
                },
            }
        )
    return events


async def reference_ingest(
    *,
    ct_url: str,
    ct_project: str,
    ct_credentials: tuple[str, str],
    fluent_url: str,
    fluent_form: dict[str, str],
    catalogue_ref: str,
    retailer_id: str,
    max_products: int,
    locale: str = "en-US",
) -> dict[str, Any]:
    """Runs the strategy until `max_products` products were sent; returns what it measured."""
    ct_limiter, fluent_limiter = Bottleneck(), Bottleneck()
    envelope = {
        "name": "UPSERT_PRODUCT",
        "retailerId": retailer_id,
        "entityRef": catalogue_ref,
        "entityType": "PRODUCT_CATALOGUE",
        "entitySubtype": "MASTER",
        "rootEntityRef": catalogue_ref,
        "rootEntityType": "PRODUCT_CATALOGUE",
    }
    fluent_calls = ct_calls = sent = 0
    async with httpx.AsyncClient(timeout=30) as http:
        started = time.perf_counter()
        ct_token = (
            await http.post(
                f"{ct_url}/oauth/token",
                content=b"grant_type=client_credentials",
                auth=ct_credentials,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        ).json()["access_token"]
        login = await fluent_limiter.schedule(
            lambda: http.post(f"{fluent_url}/oauth/token?{urlencode(fluent_form)}")
        )
        fluent_calls += 1
        fluent_auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        page = 0
        while sent < max_products:
            offset = page * PAGE_SIZE
            answer = await ct_limiter.schedule(
                lambda offset=offset, page=page: http.get(
                    f"{ct_url}/{ct_project}/products",
                    params={"limit": PAGE_SIZE, "offset": offset, "page": page},
                    headers={"Authorization": f"Bearer {ct_token}"},
                )
            )
            ct_calls += 1
            body = answer.json()
            for product in body["results"]:
                if sent >= max_products:
                    break
                current = product["masterData"]["current"]
                if not product.get("key") or not current.get("name", {}).get(locale):
                    continue
                standard = {
                    **envelope,
                    "attributes": {
                        "ref": product["key"],
                        "type": "STANDARD",
                        "status": "ACTIVE",
                        "gtin": "NOTFORSALE",
                        "name": current["name"][locale],
                        "summary": "",
                        "categoryRefs": [],
                    },
                }
                calls = [("sync", standard)] + [
                    ("async", e) for e in _variant_events(product, envelope, locale)
                ]
                for mode, event in calls:
                    response = await fluent_limiter.schedule(
                        lambda mode=mode, event=event: http.post(
                            f"{fluent_url}/api/v4.1/event/{mode}", json=event, headers=fluent_auth
                        )
                    )
                    response.raise_for_status()
                    fluent_calls += 1
                sent += 1
            page += 1
            if page * PAGE_SIZE >= body.get("total", 0):
                break
        elapsed = time.perf_counter() - started
    return {
        "products": sent,
        "seconds": elapsed,
        "fluent_calls": fluent_calls,
        "ct_calls": ct_calls,
    }
