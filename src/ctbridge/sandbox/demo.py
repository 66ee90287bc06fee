"""`ctbridge demo`: emulators, ctbridge and every connector's story end to end, in one process."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ctbridge.commercetools.message_resource_types import commercetools_message_types
from ctbridge.commercetools.subscriptions import SubscriptionSpec, deploy, subscription_key
from ctbridge.engine.host import Engine
from ctbridge.engine.inbox import Inbox
from ctbridge.sandbox.catalog import generate, seed_emulator
from ctbridge.sandbox.demo_chapter import ChapterResult, DemoContext
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.sandbox.stack import SandboxStack
from ctbridge.settings import CommercetoolsSettings, EngineSettings
from ctbridge.web.app import create_app

TOPIC = "ctbridge-demo"


@dataclass
class DemoReport:
    chapters: list[tuple[ChapterResult, float]] = field(default_factory=list)
    seeded: dict[str, int] = field(default_factory=dict)
    tasks: dict[tuple[str, str], int] = field(default_factory=dict)
    dead_letters: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(result.ok for result, _ in self.chapters)


async def run_demo(
    stack: SandboxStack, *, products: int = 12, say: Callable[[str], None] = print
) -> DemoReport:
    """Seeds a catalog, wires ctbridge to the emulators and plays every chapter."""
    started = time.perf_counter()
    report = DemoReport()
    os.environ.update(stack.environment)
    emulator = stack.commercetools
    with tempfile.TemporaryDirectory(prefix="ctbridge-demo-") as folder:
        settings = EngineSettings(
            database_url=f"sqlite:///{folder}/demo.db",
            connectors=list(stack.chapters),
            retry_base_seconds=0.05,
            retry_max_seconds=1.0,
        )
        ct_settings = CommercetoolsSettings()
        engine = await Engine.open(settings, commercetools_settings=ct_settings)
        try:
            async with serve_in_loop(create_app(engine)) as url:
                events_url = f"{url}/events"
                emulator.route_topic(TOPIC, events_url)
                for name in engine.connectors:
                    types = commercetools_message_types(engine.registry.message_types(name))
                    if types:
                        spec = SubscriptionSpec.for_message_types(
                            subscription_key(name),
                            types,
                            {"type": "GoogleCloudPubSub", "projectId": "sandbox", "topic": TOPIC},
                        )
                        await deploy(engine.runtime.commercetools, spec)
                say(
                    f"ctbridge is listening on {events_url}; subscriptions deployed for {', '.join(engine.connectors) or 'no connector'}"
                )
                catalog = generate(
                    seed=7, products=products, variants_per_product=3, customers=4, orders=4
                )
                result = await asyncio.to_thread(seed_emulator, emulator, catalog)
                report.seeded = dict(result.created)
                say(
                    f"seeded the commercetools emulator: {products} products, {len(catalog.inventory)} inventory entries, {len(catalog.orders)} orders"
                )

                async def settle(timeout: float = 20.0) -> None:
                    deadline = time.monotonic() + timeout
                    while time.monotonic() < deadline:
                        remaining = max(0.1, deadline - time.monotonic())
                        await asyncio.to_thread(emulator.wait_for_deliveries, remaining)
                        processed = await engine.run_until_idle(
                            timeout=remaining, wait_for_retries=True
                        )
                        if processed == 0 and await asyncio.to_thread(
                            emulator.wait_for_deliveries, 0.05
                        ):
                            return
                    raise TimeoutError("the sandbox did not settle")

                await settle()
                context = DemoContext(
                    engine=engine,
                    commercetools=emulator,
                    events_url=events_url,
                    settle=settle,
                    extras={"catalog": catalog},
                )
                for name, chapter in stack.chapters.items():
                    chapter_started = time.perf_counter()
                    try:
                        outcome = await chapter.play(context)
                    except Exception as error:
                        outcome = ChapterResult(
                            name, [("chapter failed", f"{type(error).__name__}: {error}")], ok=False
                        )
                    report.chapters.append((outcome, time.perf_counter() - chapter_started))
                inbox = Inbox(engine.store)
                report.tasks = await inbox.task_counts()
                report.dead_letters = [
                    (letter.connector, letter.type, letter.last_error or "")
                    for letter in await inbox.dead_letters()
                ]
        finally:
            await engine.close()
    report.seconds = time.perf_counter() - started
    return report
