"""One process's engine: store, runtime, connectors, worker, jobs and scheduler, opened and closed
together. The host wires the engine to what it must not know: the process settings, the
commercetools client and the dead-letter notifications."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import structlog

from ctbridge import startup_heap
from ctbridge.engine.connector import Connector, ConnectorFactory
from ctbridge.engine.discovery import connector_factories, load_extensions
from ctbridge.engine.jobs import JobRun, JobRunner
from ctbridge.engine.queue import TaskResult
from ctbridge.engine.registry import Registry
from ctbridge.engine.runtime import Runtime
from ctbridge.engine.scheduler import Scheduler
from ctbridge.engine.store import Store
from ctbridge.engine.worker import Worker, worker_name
from ctbridge.errors import ConfigurationError
from ctbridge.notifications import (
    DeadLetterSummary,
    NotificationSettings,
    Notifier,
    notifier_from_settings,
    notify_dead_letters,
)
from ctbridge.settings import CommercetoolsSettings, EngineSettings, load

if TYPE_CHECKING:
    from ctbridge.commercetools.client import CommercetoolsClient

log = structlog.get_logger("ctbridge.engine")


class Engine:
    """Build with `await Engine.open(...)`; `close()` releases everything.

    `factories` maps connector names to factories; when omitted, the connectors named in
    CTBRIDGE_CONNECTORS are loaded from their entry points. Configuration problems of all
    connectors are collected and raised together as one `ConfigurationError`.
    """

    def __init__(
        self, runtime: Runtime, connectors: dict[str, Connector], notifier: Notifier | None = None
    ) -> None:
        self.runtime = runtime
        # The host always builds the runtime with the process settings (see `open`).
        self.settings = cast(EngineSettings, runtime.settings)
        self.store = runtime.store
        self.registry = runtime.registry
        self.connectors = connectors
        self.name = worker_name()
        self.worker = Worker(runtime, name=self.name)
        self.notifier = notifier
        if notifier is not None and notifier.enabled:
            self.worker.on_dead_letters = self._alert_dead_letters
        self.jobs = JobRunner(runtime, self.name)
        self.scheduler = Scheduler(self.jobs)
        self._background: set[asyncio.Task[Any]] = set()
        runtime.use_job_starter(
            lambda name, params, trigger: self.start_job(name, params, trigger=trigger)
        )

    @classmethod
    async def open(
        cls,
        settings: EngineSettings | None = None,
        *,
        commercetools_settings: CommercetoolsSettings | None = None,
        factories: Mapping[str, ConnectorFactory] | None = None,
        registry: Registry | None = None,
        create_schema: bool = True,
    ) -> Engine:
        settings = settings or EngineSettings()
        if factories is None:
            factories = connector_factories(settings.connectors)
        store = Store(settings.database_url)
        runtime = Runtime(
            settings,
            store,
            commercetools_settings=commercetools_settings,
            commercetools_factory=commercetools_client,
            registry=registry,
        )
        problems: list[str] = []
        connectors: dict[str, Connector] = {}
        for name, factory in factories.items():
            try:
                connector = factory(runtime)
            except ConfigurationError as error:
                problems.extend(error.problems)
                continue
            connectors[name] = connector
            runtime.registry.add_connector(connector)
        try:
            load_extensions(runtime.registry, settings.extensions)
        except ConfigurationError as error:
            problems.extend(error.problems)
        notifier = None
        try:
            notifier = notifier_from_settings(load(NotificationSettings))
        except ConfigurationError as error:
            problems.extend(error.problems)
        if problems:
            await store.dispose()
            raise ConfigurationError(problems)
        if create_schema:
            try:
                await store.create_schema()
            except Exception as error:  # any driver's way of saying "not reachable"
                await store.dispose()
                raise ConfigurationError(
                    [f"CTBRIDGE_DATABASE_URL: cannot use the database ({describe_error(error)})"]
                ) from None
        for connector in connectors.values():
            await connector.open()
        startup_heap.freeze_once()
        log.info(
            "engine opened",
            connectors=sorted(connectors),
            database=store.engine.url.render_as_string(),
        )
        return cls(runtime, connectors, notifier)

    async def run_until_idle(self, timeout: float = 30.0, *, wait_for_retries: bool = False) -> int:
        """Processes the inbox until nothing is due; returns how many tasks were processed."""
        processed = await self.worker.run_until_idle(timeout, wait_for_retries=wait_for_retries)
        await self.runtime.drain_coalescers()
        return processed

    async def run_job(
        self, name: str, params: dict[str, Any] | None = None, *, trigger: str = "manual"
    ) -> JobRun:
        return await self.jobs.run(name, params, trigger=trigger)

    async def start_job(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        trigger: str = "http",
        takeover: bool = False,
    ) -> int:
        """Starts a run in the background and returns its id (raises JobBusy if one is going;
        with `takeover`, only if that run's process is alive)."""
        run_id, task = await self.jobs.start(name, params, trigger=trigger, takeover=takeover)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return run_id

    async def serve_background(
        self, stop: asyncio.Event, *, worker: bool = True, scheduler: bool = True
    ) -> None:
        """Runs the worker and the scheduler until `stop` is set, then stops them gracefully."""
        loops = []
        if worker:
            loops.append(self.worker.run(stop))
        if scheduler:
            loops.append(self.scheduler.run(stop))
        await asyncio.gather(*loops)

    async def _alert_dead_letters(self, dead: list[TaskResult]) -> None:
        assert self.notifier is not None
        summaries = [
            DeadLetterSummary(
                r.task.id, r.task.connector, r.task.message.type, r.task.message.id, r.error or ""
            )
            for r in dead
        ]
        for failure in await notify_dead_letters(self.notifier, summaries):
            log.warning(
                "dead-letter alert not sent", channel=failure.channel, reason=failure.reason
            )

    async def close(self) -> None:
        await self.worker.wait_for_alerts()
        if self.notifier is not None:
            await self.notifier.aclose()
        for task in list(self._background):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._background, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.worker.release()
        for connector in self.connectors.values():
            with contextlib.suppress(Exception):
                await connector.close()
        await self.runtime.close()
        await self.store.dispose()


def commercetools_client(settings: CommercetoolsSettings) -> CommercetoolsClient:
    """The runtime's commercetools client factory (imported when first used, not at start)."""
    from ctbridge.commercetools.client import CommercetoolsClient

    return CommercetoolsClient.from_settings(settings)


def describe_error(error: BaseException) -> str:
    """The error's kind and first line, without SQL parameters or a traceback."""
    original = getattr(error, "orig", None) or error
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {first_line}"[:300]
