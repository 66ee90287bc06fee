"""Benchmark: N ProductPublished for Ordergroove through real HTTP intake, drained to Ordergroove.

Each of N single-variant products is published in the commercetools emulator (child process);
the N recorded messages are POSTed as Pub/Sub pushes to `POST /events` of ctbridge's app, served
by uvicorn with the worker running (as `ctbridge serve` runs them), by a load generator in its
own process. The clock runs from the first POST until every task is finished and Ordergroove
holds all N products. `ideal_seconds` is the rate-limited minimum: calls ÷ quota per second.
With `--existing`, the products are loaded first, so every event is for a product Ordergroove
already holds (one bulk update per 100 expected). With `--worker-process`, the worker runs in a
process of its own on the same SQLite file (`ctbridge serve --no-worker` beside `ctbridge
worker`), so intake and the worker each have a core.

    python bench/og_events.py --events 10000                  # 0 and 50 ms Ordergroove latency
    python bench/og_events.py --events 250 --existing --latency-ms 0
    python bench/og_events.py --events 10000 --worker-process
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from og_initial_load import Emulators, control, open_engine, peak_rss_mb

LOAD_GENERATOR = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from http_load import post_all
bodies = [line.encode() for line in open(sys.argv[2]).read().splitlines()]
seconds, _, statuses = asyncio.run(post_all("127.0.0.1", int(sys.argv[3]), bodies, connections=16))
print(json.dumps({"seconds": seconds, "statuses": statuses}))
"""

# `ctbridge worker` beside the serving process: the same engine settings, the same SQLite file;
# it runs until SIGTERM, then finishes the batch in hand (as the command does).
WORKER_PROCESS = """
import asyncio, json, signal, sys, types
sys.path.insert(0, sys.argv[1])
from og_initial_load import open_engine
options = json.loads(sys.argv[2])
async def main():
    emulators = types.SimpleNamespace(info=options.pop("info"))
    engine = await open_engine(emulators, options.pop("folder"), options.pop("per_minute"), **options)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    try:
        await engine.serve_background(stop, scheduler=False)
    finally:
        await engine.close()
asyncio.run(main())
"""


def push_body(document: dict[str, Any]) -> str:
    data = base64.b64encode(json.dumps(document).encode()).decode()
    return json.dumps(
        {
            "message": {"data": data, "messageId": document["id"], "attributes": {}},
            "subscription": "projects/bench/subscriptions/ctbridge-ordergroove",
        }
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def unfinished(engine: Any) -> int:
    from sqlalchemy import func, select

    from ctbridge.engine.tables import tasks

    async with engine.store.begin() as conn:
        query = select(func.count()).where(tasks.c.status.in_(("pending", "running")))
        return int((await conn.execute(query)).scalar_one())


async def one_run(args: argparse.Namespace, emulators: Emulators, latency: float) -> bool:
    import uvicorn

    from ctbridge.web.app import create_app

    control(emulators, reset=True, latency_ms=0)
    documents = emulators.info["published"]
    with tempfile.TemporaryDirectory(prefix="og-events-") as folder:
        bodies = Path(folder) / "bodies.txt"
        bodies.write_text("\n".join(push_body(d) for d in documents))
        options = {
            "worker_concurrency": args.concurrency,
            "worker_batch": args.concurrency,
            "poll_seconds": 0.05,
        }
        engine = await open_engine(emulators, folder, args.per_minute, **options)
        worker = None
        if args.worker_process:
            worker = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                WORKER_PROCESS,
                str(Path(__file__).parent),
                json.dumps(
                    {
                        "info": {k: v for k, v in emulators.info.items() if k != "published"},
                        "folder": folder,
                        "per_minute": args.per_minute,
                        **options,
                    }
                ),
                stdout=subprocess.PIPE,
            )
            assert worker.stdout is not None
            await worker.stdout.readline()  # "ready": its engine is open
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(engine, background=not args.worker_process),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                access_log=False,
            )
        )
        serving = asyncio.create_task(server.serve())
        try:
            for _ in range(400):
                if server.started:
                    break
                await asyncio.sleep(0.05)
            if args.existing:
                run = await engine.run_job("ordergroove.load-products")
                assert run.status == "succeeded", run.error
            control(emulators, reset=not args.existing, latency_ms=latency)
            before = emulators.og_state()
            started = time.perf_counter()
            generator = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                LOAD_GENERATOR,
                str(Path(__file__).parent),
                str(bodies),
                str(port),
                stdout=subprocess.PIPE,
            )
            out, _ = await generator.communicate()
            posted = json.loads(out)
            # Polled without blocking the event loop the server and the worker run on, and over
            # one kept connection (a client per poll spends the loop's time on TLS contexts).
            async with httpx.AsyncClient(base_url=emulators.info["og_url"], timeout=10) as og:
                while True:
                    state = (await og.get("/__state")).json()
                    if state["products"] >= args.events and not await unfinished(engine):
                        break
                    if time.perf_counter() - started > args.timeout:
                        break
                    await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            server.should_exit = True
            await serving
            if worker is not None:
                worker.terminate()
                await worker.wait()
            await engine.close()
    calls = {k: v - before["calls"].get(k, 0) for k, v in state["calls"].items()}
    total_calls = sum(calls.values())
    ideal_calls = math.ceil(args.events / 100)
    ideal_seconds = ideal_calls / (args.per_minute / 60)
    ok = state["products"] == args.events and posted["statuses"] == {"202": args.events}
    print(
        f"latency {latency:g} ms: posted in {posted['seconds']:.1f}s {posted['statuses']}; "
        f"Ordergroove calls {calls}, refused {state['refused']}, products {state['products']}"
    )
    print(
        f"latency_ms={latency:g} events={args.events} existing={args.existing} "
        f"worker_process={args.worker_process} "
        f"calls={total_calls} ideal_calls={ideal_calls} "
        f"create_calls={calls.get('create', 0)} update_calls={calls.get('update', 0)} "
        f"seconds={elapsed:.2f} ideal_seconds={ideal_seconds:.2f} "
        f"over_ideal={elapsed / ideal_seconds:.2f} intake_seconds={posted['seconds']:.2f} "
        f"rss_mb={peak_rss_mb():.1f} ok={ok}"
    )
    return ok


async def bench(args: argparse.Namespace) -> int:
    emulators = Emulators(args.events, 1, args.per_minute, publish_events=True)
    print(f"seeded {args.events} published products in {emulators.info['seconds_seeding']:.1f}s")
    try:
        results = [await one_run(args, emulators, latency) for latency in args.latency_ms]
    finally:
        emulators.close()
    return 0 if all(results) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--per-minute", type=int, default=600)
    parser.add_argument("--existing", action="store_true", help="load the products first")
    parser.add_argument(
        "--latency-ms",
        type=lambda text: [float(v) for v in text.split(",")],
        default=[0.0, 50.0],
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=200,
        help="worker concurrency (CTBRIDGE_WORKER_CONCURRENCY); batches fill up to it",
    )
    parser.add_argument(
        "--worker-process",
        action="store_true",
        help="run the worker in its own process (ctbridge serve --no-worker + ctbridge worker)",
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
