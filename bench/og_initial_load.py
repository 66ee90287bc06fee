"""Benchmark: the Ordergroove initial load, ctbridge against the reference's strategy.

The commercetools and Ordergroove emulators run in a child process (so the peak RSS printed is
ctbridge's alone); Ordergroove enforces `--per-minute` with a sliding window. For each
`--latency-ms` (Ordergroove round trip), the reference connector's strategy
(bench/og_reference.py: offset pages, every batch fired at once, 1 s retries forever) and
ctbridge's load each load the catalogue `--repeat` times on a freshly reset emulator, in
alternating order; the medians and their ratio are printed (each run's time too), with the
quota's ceiling (the first quota at once, the next a minute later).

    python bench/og_initial_load.py --variants 10000                  # 600/min, 0 and 50 ms
    python bench/og_initial_load.py --variants 10000 --per-minute 60 --repeat 1  # binding limit
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import resource
import statistics
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
            reference_times: list[float] = []
            ctbridge_times: list[float] = []
            for attempt in range(args.repeat):
                # Alternating which side goes first, so that neither always meets a warmer (or
                # a more fragmented) emulator than the other.
                sides = ("reference", "ctbridge") if attempt % 2 == 0 else ("ctbridge", "reference")
                for side in sides:
                    control(emulators, reset=True, latency_ms=latency)
                    if side == "reference":
                        reference = await run_reference(emulators)
                        ref_state = emulators.og_state()
                        reference_times.append(reference["seconds"])
                        ok = ref_state["products"] == args.variants
                    else:
                        run, elapsed = await run_ctbridge(emulators, args.per_minute)
                        state = emulators.og_state()
                        ctbridge_times.append(elapsed)
                        ok = run.status == "succeeded" and state["products"] == args.variants
                    failures += not ok
            calls = sum(state["calls"].values())
            expected = math.ceil(args.variants / 100)
            ceiling = ceiling_seconds(expected, args.per_minute)
            reference_median = statistics.median(reference_times)
            ctbridge_median = statistics.median(ctbridge_times)
            print(
                f"latency {latency:g} ms: reference {_times(reference_times)} "
                f"({reference['calls']} calls, {reference['failed_calls']} failed, "
                f"{ref_state['products']} products); ctbridge {run.status} in "
                f"{_times(ctbridge_times)}, calls {state['calls']}, refused {state['refused']}, "
                f"report {dict(run.report.counts)}"
            )
            print(
                f"latency_ms={latency:g} runs={args.repeat} "
                f"reference_seconds={reference_median:.2f} ctbridge_seconds={ctbridge_median:.2f} "
                f"ratio_ctbridge_to_reference={ctbridge_median / reference_median:.3f} "
                f"reference_best={min(reference_times):.2f} ctbridge_best={min(ctbridge_times):.2f} "
                f"ceiling_seconds={ceiling:.1f} "
                f"ctbridge_over_ceiling_seconds={ctbridge_median - ceiling:.2f} "
                f"reference_calls={reference['calls']} "
                f"reference_failed_calls={reference['failed_calls']} "
                f"calls={calls} expected_calls={expected} "
                f"throttled={state['refused'].get('throttled', 0)} "
                f"limit_per_minute={args.per_minute} variants={args.variants} "
                f"sent={run.report.counts.get('sent', 0)} rss_mb={peak_rss_mb():.1f} "
                f"ok={failures == 0}"
            )
    finally:
        emulators.close()
    return 1 if failures else 0


def _times(seconds: list[float]) -> str:
    return "/".join(f"{s:.2f}" for s in seconds) + "s"


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
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each side per latency; the figures are their medians (default 3)",
    )
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
