"""`ctbridge demo`: emulators, ctbridge and every connector's story end to end, in one process."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ctbridge.commercetools.message_resource_types import commercetools_message_types
from ctbridge.commercetools.subscriptions import (
    SubscriptionSpec,
    deploy,
    subscription_key,
    undeploy,
)
from ctbridge.engine.inbox import Inbox
from ctbridge.host import Engine
from ctbridge.sandbox.catalog import generate, seed_emulator
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.demo_chapter import ChapterResult, DemoChapter, DemoContext, plural
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.sandbox.stack import SandboxStack
from ctbridge.settings import CommercetoolsSettings, EngineSettings
from ctbridge.web.app import create_app

TOPIC = "ctbridge-demo"
IDLE_TIMEOUT_SECONDS = 60.0


@dataclass
class DemoReport:
    chapters: list[tuple[ChapterResult, float]] = field(default_factory=list)
    seeded: dict[str, int] = field(default_factory=dict)
    tasks: Counter[tuple[str, str]] = field(default_factory=Counter)
    dead_letters: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(result.ok for result, _ in self.chapters)


async def run_demo(
    stack: SandboxStack, *, products: int = 12, say: Callable[[str], None] = print
) -> DemoReport:
    """Seeds a catalog, then plays every chapter with a ctbridge of its own.

    Each chapter's ctbridge enables only that chapter's connector and subscribes only for it,
    so one story's data (the NewStore chapter's order, say) never reaches another connector;
    its report is taken once its queue is idle (nothing pending, running or waiting to retry).
    """
    started = time.perf_counter()
    report = DemoReport()
    os.environ.update(stack.environment)
    # Seeded before any subscription exists: the catalog is data to read, not news to deliver.
    catalog = generate(seed=7, products=products, variants_per_product=3, customers=4, orders=4)
    seeded = await asyncio.to_thread(seed_emulator, stack.commercetools, catalog)
    report.seeded = dict(seeded.created)
    say(
        f"seeded the commercetools emulator: {plural(products, 'product')} "
        f"({plural(3 * products, 'variant')}), "
        f"{plural(len(catalog.inventory), 'inventory entry', 'inventory entries')}, "
        f"{plural(len(catalog.orders), 'order')}"
    )
    with tempfile.TemporaryDirectory(prefix="ctbridge-demo-") as folder:
        for name, chapter in stack.chapters.items():
            chapter_started = time.perf_counter()
            outcome = await play_chapter(stack, name, chapter, folder, catalog, report, say)
            report.chapters.append((outcome, time.perf_counter() - chapter_started))
    report.seconds = time.perf_counter() - started
    return report


async def play_chapter(
    stack: SandboxStack,
    name: str,
    chapter: DemoChapter,
    folder: str,
    catalog: Any,
    report: DemoReport,
    say: Callable[[str], None],
) -> ChapterResult:
    emulator = stack.commercetools
    settings = EngineSettings(
        database_url=f"sqlite:///{folder}/{name}.db",
        connectors=[name],
        retry_base_seconds=0.05,
        retry_max_seconds=1.0,
    )
    engine = await Engine.open(settings, commercetools_settings=CommercetoolsSettings())
    try:
        async with serve_in_loop(create_app(engine)) as url:
            events_url = f"{url}/events"
            emulator.route_topic(f"{TOPIC}-{name}", events_url)
            subscribed = await subscribe(engine, name)
            say(
                f"{name}: ctbridge with only the {name} connector listens on {events_url}"
                + ("; subscription deployed" if subscribed else "")
            )

            async def settle(timeout: float = 20.0) -> None:
                await settle_queue(engine, emulator, timeout)

            context = DemoContext(
                engine=engine,
                commercetools=emulator,
                events_url=events_url,
                settle=settle,
                extras={"catalog": catalog},
            )
            try:
                try:
                    outcome = await chapter.play(context)
                except Exception as error:
                    outcome = ChapterResult(
                        name, [("chapter failed", f"{type(error).__name__}: {error}")], ok=False
                    )
                await wait_until_idle(engine, emulator)
                inbox = Inbox(engine.store)
                report.tasks.update(await inbox.task_counts())
                report.dead_letters += [
                    (letter.connector, letter.type, letter.last_error or "")
                    for letter in await inbox.dead_letters()
                ]
            finally:
                if subscribed:
                    await undeploy(engine.runtime.commercetools, subscription_key(name))
                await asyncio.to_thread(emulator.wait_for_deliveries, 10.0)
    finally:
        await engine.close()
    return outcome


async def subscribe(engine: Engine, name: str) -> bool:
    """Subscribes this chapter's connector to the commercetools messages it handles."""
    types = commercetools_message_types(engine.registry.message_types(name))
    if not types:
        return False
    spec = SubscriptionSpec.for_message_types(
        subscription_key(name),
        types,
        {"type": "GoogleCloudPubSub", "projectId": "sandbox", "topic": f"{TOPIC}-{name}"},
    )
    await deploy(engine.runtime.commercetools, spec)
    return True


async def settle_queue(engine: Engine, emulator: CommercetoolsEmulator, timeout: float) -> None:
    """Waits until commercetools delivered everything and the worker has nothing left to do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        remaining = max(0.1, deadline - time.monotonic())
        await asyncio.to_thread(emulator.wait_for_deliveries, remaining)
        processed = await engine.run_until_idle(timeout=remaining, wait_for_retries=True)
        if processed == 0 and await asyncio.to_thread(emulator.wait_for_deliveries, 0.05):
            return
    raise TimeoutError("the sandbox did not settle")


async def wait_until_idle(engine: Engine, emulator: CommercetoolsEmulator) -> None:
    """Settles, then checks the inbox itself: no task pending or running (a retry waiting for
    its time is pending), so the counts reported afterwards are final."""
    deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
    inbox = Inbox(engine.store)
    while True:
        await settle_queue(engine, emulator, max(1.0, deadline - time.monotonic()))
        stats = await inbox.stats()
        if stats.pending == 0 and stats.running == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"the queue did not empty: {stats.pending} pending, {stats.running} running"
            )
