"""Benchmark: the Ordergroove initial load, ctbridge against the reference's strategy.

The commercetools and Ordergroove emulators run in a child process (so the peak RSS printed is
ctbridge's alone); Ordergroove enforces `--per-minute` with a sliding window. For each
`--latency-ms` (Ordergroove round trip), the emulator is reset and the reference connector's
strategy (bench/og_reference.py: offset pages, every batch fired at once, 1 s retries forever)
loads the catalogue, then it is reset again and ctbridge's load runs; both times and their
ratio are printed, with the quota's ceiling (the first quota at once, the next a minute later).

    python bench/og_initial_load.py --variants 10000                  # 600/min, 0 and 50 ms
    python bench/og_initial_load.py --variants 10000 --per-minute 60  # the binding limit
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
from og_reference import client_token, reference_load

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
    from ctbridge.engine.host import Engine
    from ctbridge.settings import CommercetoolsSettings, EngineSettings

    info = emulators.info
    og_settings = OrdergrooveSettings(
        ctp_language_code="en-US",
        ctp_currency_code="EUR",
        product_store_url="https://shop.example/p/[SLUG]",
        og_api_url=info["og_url"],
        og_api_key=OG_KEY,
        og_rate_limit_per_minute=per_minute,
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


def control(emulators: Emulators, **orders: Any) -> dict[str, Any]:
    return httpx.post(f"{emulators.info['og_url']}/__control", json=orders, timeout=10).json()


async def run_reference(emulators: Emulators) -> dict[str, Any]:
    info = emulators.info
    token = await client_token(
        info["ct_url"], info["client_id"], info["client_secret"], info["project_key"]
    )
    return await reference_load(info["ct_url"], info["project_key"], token, info["og_url"], OG_KEY)


async def run_ctbridge(emulators: Emulators, per_minute: int) -> tuple[Any, float]:
    with tempfile.TemporaryDirectory(prefix="og-bench-") as folder:
        engine = await open_engine(emulators, folder, per_minute)
        try:
            started = time.perf_counter()
            run = await engine.run_job("ordergroove.load-products")
            return run, time.perf_counter() - started
        finally:
            await engine.close()


def ceiling_seconds(calls: int, per_minute: int) -> float:
    """The fastest any client may go: the first quota at once, the next a window later..."""
    return ((calls - 1) // per_minute) * 60.0


async def bench(args: argparse.Namespace) -> int:
    emulators = Emulators(args.variants, args.variants_per_product, args.per_minute)
    print(
        f"seeded {emulators.info['products']} products / {args.variants} variants "
        f"in {emulators.info['seconds_seeding']:.1f}s"
    )
    failures = 0
    try:
        for latency in args.latency_ms:
            control(emulators, reset=True, latency_ms=latency)
            reference = await run_reference(emulators)
            ref_state = emulators.og_state()
            control(emulators, reset=True, latency_ms=latency)
            run, elapsed = await run_ctbridge(emulators, args.per_minute)
            state = emulators.og_state()
            calls = sum(state["calls"].values())
            expected = math.ceil(args.variants / 100)
            ceiling = ceiling_seconds(expected, args.per_minute)
            print(
                f"latency {latency:g} ms: reference {reference['seconds']:.1f}s "
                f"({reference['calls']} calls, {reference['failed_calls']} failed, "
                f"{ref_state['products']} products); ctbridge {run.status} in {elapsed:.1f}s, "
                f"calls {state['calls']}, refused {state['refused']}, "
                f"report {dict(run.report.counts)}"
            )
            ok = (
                run.status == "succeeded"
                and state["products"] == args.variants
                and ref_state["products"] == args.variants
            )
            failures += not ok
            print(
                f"latency_ms={latency:g} reference_seconds={reference['seconds']:.2f} "
                f"ctbridge_seconds={elapsed:.2f} "
                f"ratio_ctbridge_to_reference={elapsed / reference['seconds']:.3f} "
                f"ceiling_seconds={ceiling:.1f} "
                f"ctbridge_over_ceiling_seconds={elapsed - ceiling:.2f} "
                f"reference_calls={reference['calls']} "
                f"reference_failed_calls={reference['failed_calls']} "
                f"calls={calls} expected_calls={expected} "
                f"throttled={state['refused'].get('throttled', 0)} "
                f"limit_per_minute={args.per_minute} variants={args.variants} "
                f"sent={run.report.counts.get('sent', 0)} rss_mb={peak_rss_mb():.1f} ok={ok}"
            )
    finally:
        emulators.close()
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=20_000)
    parser.add_argument("--variants-per-product", type=int, default=10)
    parser.add_argument("--per-minute", type=int, default=600)
    parser.add_argument(
        "--latency-ms",
        type=lambda text: [float(v) for v in text.split(",")],
        default=[0.0, 50.0],
        help="Ordergroove round-trip latencies to run, comma separated (default 0,50)",
    )
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
