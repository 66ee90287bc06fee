"""`ctbridge serve` (HTTP + worker + scheduler, the embedded default) and `ctbridge worker`."""

from __future__ import annotations

import asyncio
import os
import signal

import typer
import uvicorn

from ctbridge.cli.settings_loader import open_engine
from ctbridge.web.app import create_app


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind; 0.0.0.0 in a container"),
    port: int = typer.Option(
        int(os.environ.get("PORT", "8080")), help="Port (default: $PORT or 8080)"
    ),
    worker: bool = typer.Option(True, help="Also run the worker and the scheduler in this process"),
) -> None:
    """Serves /events, webhooks, service triggers, /healthz, /readyz, /metrics and the admin API.

    Starts without reaching commercetools (`ctbridge doctor` checks reachability). On SIGTERM it
    stops taking requests, finishes the batch in hand and returns unfinished work to the queue.
    """

    async def run() -> None:
        async with open_engine() as engine:
            app = create_app(engine, background=worker)
            config = uvicorn.Config(
                app, host=host, port=port, log_config=None, access_log=False, lifespan="on"
            )
            await uvicorn.Server(config).serve()

    asyncio.run(run())


def worker(
    scheduler: bool = typer.Option(
        True, help="Also run scheduled jobs (safe on many workers: a lease stops overlaps)"
    ),
) -> None:
    """Runs the worker (and the scheduler) without HTTP, for scale-out on PostgreSQL."""

    async def run() -> None:
        async with open_engine() as engine:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await engine.serve_background(stop, scheduler=scheduler)

    asyncio.run(run())
