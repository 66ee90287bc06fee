"""Starts jobs on their cron schedules; across many processes each due run starts exactly once."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import structlog
from cronsim import CronSim, CronSimError
from sqlalchemy import select, update

from ctbridge.engine import retention
from ctbridge.engine.job_retry import TRIGGER, JobRetryPolicy, retry_due
from ctbridge.engine.jobs import JobBusy, JobRunner
from ctbridge.engine.tables import job_leases
from ctbridge.errors import ConfigurationError

log = structlog.get_logger("ctbridge.scheduler")


def next_fire(expression: str, after: float) -> float:
    """The first time strictly after `after` (epoch seconds, UTC) that `expression` matches."""
    iterator = CronSim(expression, datetime.fromtimestamp(after, UTC))
    return next(iterator).timestamp()


def validate_schedule(job_name: str, expression: str) -> None:
    try:
        CronSim(expression, datetime.now(UTC))
    except CronSimError as error:
        raise ConfigurationError([f"schedule of job '{job_name}': {error}"]) from None


class Scheduler:
    def __init__(self, runner: JobRunner, *, tick_seconds: float = 1.0) -> None:
        self.runner = runner
        self.store = runner.store
        self.tick_seconds = tick_seconds
        self._running: set[asyncio.Task[Any]] = set()

    def scheduled(self) -> dict[str, str]:
        return {
            name: spec.schedule
            for name, (_, spec) in self.runner.runtime.registry.jobs().items()
            if spec.schedule
        }

    async def run(self, stop: asyncio.Event) -> None:
        for name, expression in self.scheduled().items():
            validate_schedule(name, expression)
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler tick failed")
            try:
                await asyncio.wait_for(stop.wait(), self.tick_seconds)
            except TimeoutError:
                pass
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    async def tick(self, now: float | None = None) -> list[str]:
        """Starts every job whose next fire time has come (and the retention purge when its
        slot comes); returns the jobs' names."""
        now = time.time() if now is None else now
        if await self._claim_slot(retention.SLOT_NAME, retention.SCHEDULE, now):
            self._background(self._purge())
        started = []
        for name, expression in self.scheduled().items():
            if await self._claim_slot(name, expression, now):
                try:
                    run_id, task = await self.runner.start(name, trigger="schedule")
                except JobBusy:
                    log.info("scheduled run skipped: previous run still going", job=name)
                    continue
                self._background(task)
                started.append(name)
                log.info("scheduled run started", job=name, run_id=run_id)
        started += await self._retry_failed_loads(now)
        return started

    def retry_policy(self) -> JobRetryPolicy:
        settings = self.runner.runtime.settings
        return JobRetryPolicy(
            retries=settings.job_retries,
            base_seconds=settings.job_retry_base_seconds,
            max_seconds=settings.retry_max_seconds,
        )

    async def _retry_failed_loads(self, now: float) -> list[str]:
        """Restarts failed resumable runs whose backoff is over; they resume from their
        checkpoint. A run elsewhere (JobBusy) means someone else already did."""
        policy = self.retry_policy()
        if policy.retries <= 0:
            return []
        retried = []
        for name, (_, spec) in self.runner.runtime.registry.jobs().items():
            if not spec.resumable:
                continue
            params = retry_due(await self.runner.runs(name, policy.retries + 1), now, policy)
            if params is None:
                continue
            try:
                run_id, task = await self.runner.start(name, params, trigger=TRIGGER)
            except JobBusy:
                continue
            self._background(task)
            retried.append(name)
            log.info("failed run retried from its checkpoint", job=name, run_id=run_id)
        return retried

    def _background(self, work: Any) -> asyncio.Task[Any]:
        task = work if isinstance(work, asyncio.Task) else asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    async def _purge(self) -> None:
        days = self.runner.runtime.settings.retention_days
        try:
            await retention.Retention(self.store, days).purge()
        except Exception as error:
            log.warning("retention purge failed; retried at its next slot", error=repr(error))

    async def next_runs(self) -> dict[str, float | None]:
        async with self.store.begin() as conn:
            rows = await conn.execute(select(job_leases.c.job_name, job_leases.c.next_run_at))
            return {row.job_name: row.next_run_at for row in rows}

    async def _claim_slot(self, name: str, expression: str, now: float) -> bool:
        async with self.store.begin() as conn:
            await conn.execute(
                self.store.insert(job_leases)
                .values(job_name=name, next_run_at=next_fire(expression, now))
                .on_conflict_do_nothing(index_elements=[job_leases.c.job_name])
            )
            row = (
                await conn.execute(
                    select(job_leases.c.next_run_at).where(job_leases.c.job_name == name)
                )
            ).one()
            if row.next_run_at is None:
                await conn.execute(
                    update(job_leases)
                    .where(job_leases.c.job_name == name)
                    .values(next_run_at=next_fire(expression, now))
                )
                return False
            if row.next_run_at > now:
                return False
            # Whoever moves next_run_at forward owns this slot; the others see rowcount 0.
            moved = await conn.execute(
                update(job_leases)
                .where(job_leases.c.job_name == name, job_leases.c.next_run_at == row.next_run_at)
                .values(next_run_at=next_fire(expression, now))
            )
            return moved.rowcount == 1
