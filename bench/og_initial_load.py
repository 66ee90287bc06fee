"""Benchmark: the Ordergroove initial load against the emulators at the enforced rate limit.

The commercetools and Ordergroove emulators run in a child process (so the peak RSS printed is
ctbridge's alone); Ordergroove enforces `--per-minute` with a sliding window and ctbridge paces
itself with the engine's shared limiter at the same figure.

    python bench/og_initial_load.py --variants 20000            # the real 600/min ceiling
    python bench/og_initial_load.py --variants 5000 --per-minute 6000   # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import resource
import sys
import tempfile
import time
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

import httpx

OG_KEY = "og-bench-key"


def serve_emulators(
    pipe: Connection, variants: int, per_product: int, per_minute: int, publish_events: bool
) -> None:
    """Child process: seeds commercetools, serves both emulators until told to stop."""
    from ctbridge.sandbox.commercetools import CommercetoolsEmulator
    from ctbridge.sandbox.ordergroove import OrdergrooveEmulator
    from ctbridge.sandbox.server import BackgroundServer

    ct = CommercetoolsEmulator()
    og = OrdergrooveEmulator(OG_KEY, rate_limit=per_minute)
    type_id = ct.create("product-types", {"name": "bench", "key": "bench", "description": "b"})[
        "id"
    ]
    started = time.perf_counter()
    products = math.ceil(variants / per_product)
    made = 0
    for index in range(products):
        count = min(per_product, variants - made)
        made += count
        skus = [f"B{index:06d}-{n}" for n in range(count)]
        draft: dict[str, Any] = {
            "productType": {"typeId": "product-type", "id": type_id},
            "name": {"en-US": f"Bench product {index}"},
            "slug": {"en-US": f"bench-{index}"},
            "masterVariant": _variant(skus[0], index),
            "variants": [_variant(sku, index) for sku in skus[1:]],
        }
        if publish_events:
            created = ct.create("products", draft)
            ct.update("products", created["id"], [{"action": "publish"}])
        else:
            ct.create("products", {**draft, "publish": True})
    seeded = time.perf_counter() - started
    with BackgroundServer(ct.app) as ct_server, BackgroundServer(og.app) as og_server:
        pipe.send(
            {
                "ct_url": ct_server.url,
                "og_url": og_server.url,
                "project_key": ct.project_key,
                "client_id": ct.client_id,
                "client_secret": ct.client_secret,
                "seconds_seeding": seeded,
                "products": products,
                "published": [m for m in ct.messages("ProductPublished")] if publish_events else [],
            }
        )
        pipe.recv()  # the parent says stop


def _variant(sku: str, index: int) -> dict[str, Any]:
    return {
        "sku": sku,
        "prices": [{"value": {"currencyCode": "EUR", "centAmount": 1000 + index % 997}}],
        "images": [{"url": f"https://img.example/{sku}.jpg", "dimensions": {"w": 1, "h": 1}}],
    }


class Emulators:
    """Starts the child process and hands back its URLs; `close()` stops it."""

    def __init__(
        self, variants: int, per_product: int, per_minute: int, *, publish_events: bool = False
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(
            target=serve_emulators,
            args=(child, variants, per_product, per_minute, publish_events),
            daemon=True,
        )
        self._process.start()
        if not self._pipe.poll(1800):
            raise RuntimeError("the emulators did not start within 30 minutes")
        self.info: dict[str, Any] = self._pipe.recv()

    def og_state(self) -> dict[str, Any]:
        return httpx.get(f"{self.info['og_url']}/__state", timeout=10).json()

    def close(self) -> None:
        self._pipe.send("stop")
        self._process.join(30)


async def open_engine(emulators: Emulators, folder: str, per_minute: int, **engine_options: Any):
    from ctbridge.connectors.ordergroove.config import OrdergrooveSettings
    from ctbridge.connectors.ordergroove.connector import OrdergrooveConnector
    from ctbridge.host import Engine
    from ctbridge.settings import CommercetoolsSettings, EngineSettings

    info = emulators.info
    og_settings = OrdergrooveSettings(
        ctp_language_code="en-US",
        ctp_currency_code="EUR",
        product_store_url="https://shop.example/p/[SLUG]",
        og_api_url=info["og_url"],
        og_api_key=OG_KEY,
        og_rate_limit_per_minute=per_minute,
        og_max_in_flight=4,
    )
    return await Engine.open(
        EngineSettings(database_url=f"sqlite:///{folder}/bench.db", **engine_options),
        commercetools_settings=CommercetoolsSettings(
            project_key=info["project_key"],
            client_id=info["client_id"],
            client_secret=info["client_secret"],
            api_url=info["ct_url"],
            auth_url=info["ct_url"],
        ),
        factories={"ordergroove": partial(OrdergrooveConnector, settings=og_settings)},
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench(args: argparse.Namespace) -> int:
    emulators = Emulators(args.variants, args.variants_per_product, args.per_minute)
    print(
        f"seeded {emulators.info['products']} products / {args.variants} variants "
        f"in {emulators.info['seconds_seeding']:.1f}s"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="og-bench-") as folder:
            engine = await open_engine(emulators, folder, args.per_minute)
            try:
                started = time.perf_counter()
                run = await engine.run_job("ordergroove.load-products")
                elapsed = time.perf_counter() - started
            finally:
                await engine.close()
        state = emulators.og_state()
    finally:
        emulators.close()
    calls = sum(state["calls"].values())
    expected = math.ceil(args.variants / 100)
    achieved_per_minute = calls / (elapsed / 60)
    utilization = achieved_per_minute / args.per_minute
    print(f"load {run.status} in {elapsed:.1f}s; report {dict(run.report.counts)}")
    print(
        f"Ordergroove: calls {state['calls']}, refused {state['refused']}, products {state['products']}"
    )
    print(
        f"utilization={utilization:.3f} calls={calls} expected_calls={expected} "
        f"create_calls={state['calls'].get('create', 0)} throttled={state['refused'].get('throttled', 0)} "
        f"calls_per_minute={achieved_per_minute:.1f} limit_per_minute={args.per_minute} "
        f"seconds={elapsed:.1f} variants={args.variants} sent={run.report.counts.get('sent', 0)} "
        f"rss_mb={peak_rss_mb():.1f}"
    )
    return 0 if run.status == "succeeded" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=20_000)
    parser.add_argument("--variants-per-product", type=int, default=10)
    parser.add_argument("--per-minute", type=int, default=600)
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
