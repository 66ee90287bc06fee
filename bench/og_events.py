"""Benchmark: Ordergroove calls for a burst of N ProductPublished messages (coalescing).

Each of N single-variant products is published in the commercetools emulator; the N recorded
ProductPublished messages are enqueued at once and the worker drains them. A connector that
called Ordergroove per message would make N calls or more; ctbridge's coalescer makes bulk
calls of up to 100.

    python bench/og_events.py --events 2000
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time

from og_initial_load import Emulators, open_engine, peak_rss_mb


async def bench(args: argparse.Namespace) -> int:
    from ctbridge.commercetools.messages import to_message

    emulators = Emulators(args.events, 1, args.per_minute, publish_events=True)
    messages = [to_message(document) for document in emulators.info["published"]]
    print(f"seeded {len(messages)} published products in {emulators.info['seconds_seeding']:.1f}s")
    try:
        with tempfile.TemporaryDirectory(prefix="og-events-") as folder:
            engine = await open_engine(
                emulators,
                folder,
                args.per_minute,
                worker_concurrency=args.concurrency,
                worker_batch=args.concurrency,
            )
            try:
                started = time.perf_counter()
                for message in messages:
                    await engine.runtime.enqueue(message)
                enqueued = time.perf_counter() - started
                processed = await engine.run_until_idle(timeout=args.timeout)
                elapsed = time.perf_counter() - started
            finally:
                await engine.close()
        state = emulators.og_state()
    finally:
        emulators.close()
    calls = sum(state["calls"].values())
    print(f"enqueued in {enqueued:.1f}s, processed {processed} tasks in {elapsed:.1f}s")
    print(
        f"Ordergroove: calls {state['calls']}, refused {state['refused']}, products {state['products']}"
    )
    print(
        f"events={args.events} calls={calls} ideal_calls={math.ceil(args.events / 100)} "
        f"events_per_call={args.events / max(calls, 1):.1f} products={state['products']} "
        f"seconds={elapsed:.1f} rss_mb={peak_rss_mb():.1f}"
    )
    return 0 if state["products"] == args.events else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--per-minute", type=int, default=600)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=200,
        help="worker concurrency (CTBRIDGE_WORKER_CONCURRENCY); batches fill up to it",
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
