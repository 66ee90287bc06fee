"""The reference Ordergroove connector's initial-load strategy (v1.0.0), for side-by-side benches.

What it does, from /work/shared/reference/ordergroove.md §2.1 and §2.3 (not its code): read
product projections by offset (`limit=100`, `sort=createdAt asc`, `withTotal=false`,
`priceCurrency`), save the `{currentOffset, status}` custom object after each page, split the
page's variants into batches of 100 and dispatch every batch at once without awaiting it
(fire-and-forget, unbounded concurrency), POST each to `/products-batch/create/
?force_all_fields=false`, and on any non-2xx or network error retry that batch after 1 s,
forever. The bench waits for every batch to be accepted (the reference itself never knows).
Its >20-batches-per-page slicing bug is not reproduced: the benches' pages hold 10 batches.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

BATCH = 100
RETRY_SECONDS = 1.0


def _variants(product: dict[str, Any]) -> list[dict[str, Any]]:
    return [product["masterVariant"], *product.get("variants", [])]


def _to_ordergroove(product: dict[str, Any], currency: str, locale: str) -> list[dict[str, Any]]:
    """The seven fields per variant (§3); the price is the first one in the currency."""
    items = []
    master_image = (product["masterVariant"].get("images") or [{}])[0].get("url", "")
    for variant in _variants(product):
        price = next(
            (p for p in variant.get("prices", []) if p["value"]["currencyCode"] == currency), None
        )
        if price is None:
            continue
        value = price["value"]
        items.append(
            {
                "product_id": variant.get("sku", ""),
                "sku": variant.get("sku", ""),
                "name": product["name"][locale],
                "price": value["centAmount"] / 10 ** value.get("fractionDigits", 2),
                "live": True,
                "image_url": (variant.get("images") or [{}])[0].get("url", "") or master_image,
                "detail_url": "",
            }
        )
    return items


async def reference_load(
    ct_url: str,
    project_key: str,
    token: str,
    og_url: str,
    og_key: str,
    *,
    currency: str = "EUR",
    locale: str = "en-US",
    timeout: float = 900.0,
) -> dict[str, Any]:
    """Runs the strategy and returns {seconds, calls, failed_calls, pages}."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    counts = {"calls": 0, "failed_calls": 0, "pages": 0}
    started = time.perf_counter()
    async with (
        httpx.AsyncClient(
            base_url=ct_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as ct,
        httpx.AsyncClient(
            base_url=og_url,
            headers={"x-api-key": og_key, "Accept": "application/json"},
            limits=limits,
            timeout=None,  # the reference sets no timeout
        ) as og,
    ):

        async def send(batch: list[dict[str, Any]]) -> None:
            while True:
                counts["calls"] += 1
                try:
                    response = await og.post(
                        "/products-batch/create/",
                        params={"force_all_fields": "false"},
                        json=batch,
                    )
                    if response.is_success:
                        return
                except httpx.HTTPError:
                    pass
                counts["failed_calls"] += 1
                await asyncio.sleep(RETRY_SECONDS)

        sends: list[asyncio.Task[None]] = []
        offset = 0
        while True:
            page = (
                await ct.get(
                    f"/{project_key}/product-projections",
                    params={
                        "limit": 100,
                        "offset": offset,
                        "sort": "createdAt asc",
                        "withTotal": "false",
                        "priceCurrency": currency,
                    },
                )
            ).json()
            counts["pages"] += 1
            items = [i for p in page["results"] for i in _to_ordergroove(p, currency, locale)]
            for start in range(0, len(items), BATCH):
                sends.append(asyncio.create_task(send(items[start : start + BATCH])))
            done = page["count"] < 100
            await ct.post(
                f"/{project_key}/custom-objects",
                json={
                    "container": "Ordergroove",
                    "key": "JobStatusSchema",
                    "value": {
                        "currentOffset": offset,
                        "status": "COMPLETED" if done else "ACTIVE",
                    },
                },
            )
            if done:
                break
            offset += 100
        await asyncio.wait_for(asyncio.gather(*sends), timeout)
    return {"seconds": time.perf_counter() - started, **counts}


async def client_token(ct_url: str, client_id: str, client_secret: str, project_key: str) -> str:
    async with httpx.AsyncClient(base_url=ct_url, timeout=30) as auth:
        response = await auth.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": f"manage_project:{project_key}"},
            auth=(client_id, client_secret),
        )
        response.raise_for_status()
        return str(response.json()["access_token"])
