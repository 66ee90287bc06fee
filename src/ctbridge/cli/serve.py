"""`ctbridge serve` (HTTP + worker + scheduler, the embedded default) and `ctbridge worker`."""

from __future__ import annotations

import asyncio
import os
import signal

import typer
import uvicorn

from ctbridge.cli.settings_loader import err, open_engine
from ctbridge.commercetools.intake import DeliveryIntake
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.web.app import create_app
from ctbridge.web.pull import run_pull_consumer
from ctbridge.web.server_config import server_config


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind; 0.0.0.0 in a container"),
    port: str = typer.Option(
        os.environ.get("PORT", "8080"), help="Port (default: $PORT or 8080)", show_default=False
    ),
    worker: bool = typer.Option(True, help="Also run the worker and the scheduler in this process"),
) -> None:
    """Serves /events, webhooks, service triggers, /healthz, /readyz, /metrics and the admin API.

    Starts without reaching commercetools (`ctbridge doctor` checks reachability). On SIGTERM it
    stops taking requests, finishes the batch in hand and returns unfinished work to the queue.
    """

    port_number = valid_port(port)

    async def run() -> None:
        async with open_engine() as engine:
            app = create_app(engine, background=worker)
            config = server_config(
                app,
                host=host,
                port=port_number,
                settings=engine.settings,
                log_config=None,
                access_log=False,
                lifespan="on",
            )
            await uvicorn.Server(config).serve()

    asyncio.run(run())


def valid_port(text: str) -> int:
    """The port as a number, or one line on stderr and exit status 2."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        err.print(f"--port (or $PORT) must be a number from 1 to 65535, got {text!r}")
        raise typer.Exit(2)
    return int(text)


def worker(
    scheduler: bool = typer.Option(
        True, help="Also run scheduled jobs (safe on many workers: a lease stops overlaps)"
    ),
) -> None:
    """Runs the worker (and the scheduler) without HTTP, for scale-out on PostgreSQL; with
    CTBRIDGE_PUBSUB_SUBSCRIPTION set it also pulls commercetools messages from Pub/Sub."""

    async def run() -> None:
        async with open_engine() as engine:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            inbox = Inbox(engine.store)
            writer = IntakeWriter(inbox)
            writer.start()
            intake = DeliveryIntake(engine.registry, inbox, writer)
            try:
                await asyncio.gather(
                    engine.serve_background(stop, scheduler=scheduler),
                    run_pull_consumer(engine, intake, stop),
                )
            finally:
                await writer.close()

    asyncio.run(run())
