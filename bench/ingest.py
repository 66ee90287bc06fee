"""Deliveries per second through `POST /events` into the durable inbox (SQLite), over real HTTP.

    python bench/ingest.py [--deliveries 20000] [--connections 32]

The server runs in its own process (uvicorn, as `ctbridge serve` runs it, worker off so only
intake is measured); the load generator runs in this one. Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_load import post_all  # noqa: E402

SERVER = """
import asyncio, sys
sys.path.insert(0, sys.argv[3])
import uvicorn
from ctbridge.host import Engine
from ctbridge.settings import EngineSettings
from ctbridge.web.app import create_app
from noop_connector import NoopConnector

async def main():
    engine = await Engine.open(EngineSettings(database_url=sys.argv[1]), factories={"noop": NoopConnector})
    app = create_app(engine, background=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
    await uvicorn.Server(config).serve()
    await engine.close()

asyncio.run(main())
"""


def delivery(i: int) -> bytes:
    message = {
        "notificationType": "Message",
        "projectKey": "bench",
        "id": f"bench-{i}",
        "version": 1,
        "sequenceNumber": 1,
        "resource": {"typeId": "product", "id": f"p-{i}"},
        "resourceVersion": 1,
        "type": "ProductPublished",
        "createdAt": "2026-11-23T10:00:00.000Z",
        "productProjection": {
            "id": f"p-{i}",
            "key": f"key-{i}",
            "masterVariant": {"sku": f"sku-{i}"},
        },
    }
    data = base64.b64encode(json.dumps(message).encode()).decode()
    return json.dumps(
        {
            "message": {"data": data, "messageId": str(i), "attributes": {}},
            "subscription": "projects/bench/subscriptions/s",
        }
    ).encode()


def wait_for_port(port: int, timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    from ctbridge.sandbox.server import free_port

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, url, str(port), str(Path(__file__).resolve().parent)],
            env={**os.environ, "CTBRIDGE_LOG_LEVEL": "WARNING"},
        )
        try:
            wait_for_port(port)
            asyncio.run(
                post_all("127.0.0.1", port, [delivery(-i - 1) for i in range(500)], connections=8)
            )  # warm-up
            bodies = [delivery(i) for i in range(args.deliveries)]
            seconds, latencies, statuses = asyncio.run(
                post_all("127.0.0.1", port, bodies, connections=args.connections)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        import sqlite3

        stored = (
            sqlite3.connect(f"{folder}/bench.db")
            .execute("select count(*) from inbox_messages where message_id not like 'bench--%'")
            .fetchone()[0]
        )
    latencies.sort()
    rate = args.deliveries / seconds
    print(f"deliveries: {args.deliveries} over {args.connections} connections in {seconds:.2f} s")
    print(f"statuses: {statuses}; stored in inbox: {stored}")
    print(
        f"latency ms: p50 {statistics.median(latencies) * 1000:.1f}  p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f}"
    )
    print(
        f"deliveries_per_s={rate:.0f} stored={stored} p99_ms={latencies[int(len(latencies) * 0.99)] * 1000:.1f} target_per_s=2000"
    )


if __name__ == "__main__":
    main()
