"""Catch-up throughput: N messages made while ctbridge was down, read from the emulator's Messages
Query API (pages of 500) into a SQLite inbox through the delivery intake, then read again (all
duplicates). The emulator runs in a child process; `--latency-ms` delays each of its API calls.
The last line is `key=value` pairs: `messages=`, `first_seconds=`, `repeat_seconds=`, `per_second=`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection

from ctbridge.commercetools.catchup import catch_up
from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.engine.connector import Connector, Handler
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.engine.message import Message
from ctbridge.host import Engine
from ctbridge.settings import CommercetoolsSettings, EngineSettings

TYPES = ["InventoryEntryCreated"]


class InventoryConnector(Connector):
    name = "inventory"

    def handlers(self) -> Mapping[str, Handler]:
        return {"InventoryEntryCreated": self.handle}

    async def handle(self, message: Message) -> None:
        return None


def serve_emulator(messages: int, latency_ms: float, channel: Connection) -> None:
    from ctbridge.sandbox.commercetools import CommercetoolsEmulator
    from ctbridge.sandbox.server import BackgroundServer

    emulator = CommercetoolsEmulator(latency_ms=latency_ms)
    for n in range(messages):
        emulator.create("inventory", {"sku": f"SKU-{n:07}", "quantityOnStock": n % 50})
    with BackgroundServer(emulator.app) as server:
        channel.send(server.url)
        channel.recv()


async def run(url: str, folder: str) -> tuple[int, float, float]:
    engine = await Engine.open(
        EngineSettings(database_url=f"sqlite:///{folder}/bench.db", connectors=["inventory"]),
        commercetools_settings=CommercetoolsSettings(
            project_key="sandbox",
            client_id="sandbox-client",
            client_secret="sandbox-secret",  # noqa: S106 - the sandbox's published credential
            api_url=url,
            auth_url=url,
        ),
        factories={"inventory": InventoryConnector},
    )
    inbox = Inbox(engine.store)
    writer = IntakeWriter(inbox)
    intake = DeliveryIntake(engine.registry, inbox, writer)
    since = datetime.now(UTC) - timedelta(hours=1)
    try:
        started = time.perf_counter()
        first = await catch_up(engine.runtime.commercetools, intake, TYPES, since)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = await catch_up(engine.runtime.commercetools, intake, TYPES, since)
        repeat_seconds = time.perf_counter() - started
    finally:
        await writer.close()
        await engine.close()
    assert first.count("accepted") == first.fetched, first.outcomes
    assert again.count("duplicate") == again.fetched == first.fetched, again.outcomes
    return first.fetched, first_seconds, repeat_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(
        target=serve_emulator, args=(args.messages, args.latency_ms, child), daemon=True
    )
    process.start()
    url = parent.recv()
    try:
        with tempfile.TemporaryDirectory() as folder:
            fetched, first, repeat = asyncio.run(run(url, folder))
    finally:
        parent.send("stop")
        process.join(timeout=30)
    print(
        f"first catch-up: {fetched} messages in {first:.2f} s; repeat (all duplicates) {repeat:.2f} s"
    )
    print(
        f"messages={fetched} first_seconds={first:.3f} repeat_seconds={repeat:.3f} "
        f"per_second={fetched / first:.0f} latency_ms={args.latency_ms:g}"
    )


if __name__ == "__main__":
    main()
