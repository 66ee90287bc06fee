"""`ctbridge serve` (HTTP + worker + scheduler, the embedded default) and `ctbridge worker`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import TYPE_CHECKING

import typer
from dotenv import dotenv_values

from ctbridge.cli.catchup import auto_catch_up
from ctbridge.cli.settings_loader import configuration_errors, err, open_engine

if TYPE_CHECKING:
    from ctbridge.commercetools.transports.settings import TransportSettings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def default_port() -> str:
    """$PORT (the container convention), else PORT in ./.env (`ctbridge sandbox` writes it)."""
    return os.environ.get("PORT") or dotenv_values(".env").get("PORT") or "8080"


def open_events_warning(host: str, transports: TransportSettings) -> str | None:
    """One line when /events would accept anyone's deliveries on a reachable interface."""
    if transports.authentication_configured or host in LOOPBACK_HOSTS or host.startswith("127."):
        return None
    return (
        f"warning: /events on {host} accepts deliveries from anyone: set CTBRIDGE_EVENTS_TOKEN "
        "or CTBRIDGE_PUSH_AUDIENCE and CTBRIDGE_PUSH_SERVICE_ACCOUNT"
    )


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind; 0.0.0.0 in a container"),
    port: str | None = typer.Option(
        None, help="Port (default: $PORT, else PORT in ./.env, else 8080)", show_default=False
    ),
    worker: bool = typer.Option(True, help="Also run the worker and the scheduler in this process"),
) -> None:
    """Serves /events, webhooks, service triggers, /healthz, /readyz, /metrics and the admin API.

    Starts without reaching commercetools (`ctbridge doctor` checks reachability). On SIGTERM it
    stops taking requests, finishes the batch in hand and returns unfinished work to the queue.
    """
    import uvicorn

    from ctbridge.commercetools.transports.settings import TransportSettings
    from ctbridge.settings import load
    from ctbridge.web.app import create_app
    from ctbridge.web.server_config import server_config

    port_number = valid_port(port or default_port())
    with configuration_errors():
        transports = load(TransportSettings).checked()
    warning = open_events_warning(host, transports)
    if warning:
        err.print(warning, style="yellow", markup=False, highlight=False, soft_wrap=True)

    async def run() -> None:
        async with open_engine() as engine:
            app = create_app(engine, background=worker, transports=transports)
            config = server_config(
                app,
                host=host,
                port=port_number,
                settings=engine.settings,
                log_config=None,
                access_log=False,
                lifespan="on",
            )
            catching_up = asyncio.create_task(auto_catch_up(engine), name="catch-up")
            try:
                await uvicorn.Server(config).serve()
            finally:
                # A catch-up cut short is harmless: the messages it stored stay, a rerun skips them.
                catching_up.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await catching_up

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
    CTBRIDGE_PUBSUB_SUBSCRIPTION / CTBRIDGE_SQS_QUEUE_URL set it also consumes commercetools
    messages from Pub/Sub / SQS."""
    from ctbridge.commercetools.delivery_intake import DeliveryIntake
    from ctbridge.commercetools.transports.settings import TransportSettings
    from ctbridge.engine.inbox import Inbox
    from ctbridge.engine.intake import IntakeWriter
    from ctbridge.settings import load
    from ctbridge.web.pull import run_pull_consumer, run_sqs_consumer

    with configuration_errors():
        transports = load(TransportSettings).checked()

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
                    auto_catch_up(engine),
                    run_sqs_consumer(transports, intake, stop),
                )
            finally:
                await writer.close()

    asyncio.run(run())
