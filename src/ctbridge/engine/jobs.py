"""Runs jobs: one run at a time per job (a lease in the store), recorded with progress and report."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import or_, select, update

from ctbridge.engine import metrics
from ctbridge.engine.connector import JobContext, JobSpec
from ctbridge.engine.errors import Permanent
from ctbridge.engine.report import RunReport
from ctbridge.engine.store import dumps, loads
from ctbridge.engine.tables import job_leases, job_runs

if TYPE_CHECKING:
    from ctbridge.engine.runtime import Runtime

log = structlog.get_logger("ctbridge.jobs")
CHECKPOINTS = "checkpoints"


class JobBusy(Exception):
    """The job is running elsewhere (its lease is held)."""


class UnknownJob(Exception):
    pass


@dataclass(frozen=True, slots=True)
class JobRun:
    id: int
    job_name: str
    status: str
    trigger: str
    params: dict[str, Any]
    started_at: float
    finished_at: float | None
    progress_done: int
    progress_total: int | None
    progress_note: str | None
    report: RunReport
    error: str | None

    @classmethod
    def from_row(cls, row: Any) -> JobRun:
        return cls(
            id=row.id,
            job_name=row.job_name,
            status=row.status,
            trigger=row.trigger,
            params=loads(row.params) or {},
            started_at=row.started_at,
            finished_at=row.finished_at,
            progress_done=row.progress_done or 0,
            progress_total=row.progress_total,
            progress_note=row.progress_note,
            report=RunReport.from_dict(loads(row.report)),
            error=row.error,
        )


class JobRunner:
    def __init__(self, runtime: Runtime, owner: str, *, lease_seconds: float = 60.0) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.owner = owner
        self.lease_seconds = lease_seconds

    def spec(self, name: str) -> JobSpec:
        found = self.runtime.registry.jobs().get(name)
        if found is None:
            known = ", ".join(sorted(self.runtime.registry.jobs())) or "none"
            raise UnknownJob(f"unknown job '{name}' (known: {known})")
        return found[1]

    async def run(
        self, name: str, params: dict[str, Any] | None = None, *, trigger: str = "manual"
    ) -> JobRun:
        run_id = await self.begin(name, params, trigger=trigger)
        await self.execute(name, run_id)
        return await self.get(run_id)

    async def start(
        self, name: str, params: dict[str, Any] | None = None, *, trigger: str = "http"
    ) -> tuple[int, asyncio.Task[None]]:
        """Begins a run and executes it in the background; returns its id at once."""
        run_id = await self.begin(name, params, trigger=trigger)
        return run_id, asyncio.create_task(self.execute(name, run_id))

    async def begin(self, name: str, params: dict[str, Any] | None, *, trigger: str) -> int:
        spec = self.spec(name)
        merged = {**spec.params, **(params or {})}
        now = time.time()
        async with self.store.begin() as conn:
            await conn.execute(
                self.store.insert(job_leases)
                .values(job_name=name, owner=None, lease_until=None)
                .on_conflict_do_nothing(index_elements=[job_leases.c.job_name])
            )
            taken = await conn.execute(
                update(job_leases)
                .where(
                    job_leases.c.job_name == name,
                    or_(job_leases.c.lease_until.is_(None), job_leases.c.lease_until < now),
                )
                .values(owner=self.owner, lease_until=now + self.lease_seconds)
            )
            if taken.rowcount != 1:
                raise JobBusy(f"job '{name}' is already running")
            await conn.execute(
                update(job_runs)
                .where(job_runs.c.job_name == name, job_runs.c.status == "running")
                .values(status="abandoned", finished_at=now, error="its process stopped")
            )
            run_id = (
                await conn.execute(
                    job_runs.insert()
                    .values(
                        job_name=name,
                        status="running",
                        trigger=trigger,
                        params=dumps(merged),
                        owner=self.owner,
                        started_at=now,
                        heartbeat_at=now,
                        progress_done=0,
                    )
                    .returning(job_runs.c.id)
                )
            ).scalar_one()
            await conn.execute(
                update(job_leases).where(job_leases.c.job_name == name).values(run_id=run_id)
            )
        return int(run_id)

    async def execute(self, name: str, run_id: int) -> None:
        spec = self.spec(name)
        run = await self.get(run_id)
        report = RunReport()
        context = JobContext(
            runtime=self.runtime,
            job_name=name,
            run_id=run_id,
            params=run.params,
            report=report,
            _progress=lambda done, total, note: self._progress(run_id, done, total, note, report),
            _load_checkpoint=lambda: self.runtime.state.get(CHECKPOINTS, name),
            _save_checkpoint=lambda value: self._save_checkpoint(name, value),
        )
        if spec.resumable and str(run.params.get("restart", "")).lower() in ("1", "true", "yes"):
            await self.runtime.state.delete(CHECKPOINTS, name)
        heartbeat = asyncio.create_task(self._heartbeat(name, run_id))
        bound = log.bind(job=name, run_id=run_id)
        bound.info("job started", params=run.params)
        status, error = "succeeded", None
        try:
            await spec.run(context)
        except asyncio.CancelledError:
            status, error = (
                "interrupted",
                "stopped before it finished; it resumes from its checkpoint",
            )
            raise
        except Permanent as refused:
            # The job said why (a bad parameter, a refused call): a reason, not a traceback.
            status, error = "failed", str(refused)
            bound.error("job failed", error=error)
        except Exception as failure:
            status, error = "failed", f"{type(failure).__name__}: {failure}"
            bound.exception("job failed")
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await asyncio.shield(self._finish(name, run_id, status, error, report, spec))
            metrics.JOB_RUNS.labels(name, status).inc()
            bound.info("job finished", status=status, counts=dict(report.counts))

    async def _finish(
        self,
        name: str,
        run_id: int,
        status: str,
        error: str | None,
        report: RunReport,
        spec: JobSpec,
    ) -> None:
        if status == "succeeded" and spec.resumable:
            await self.runtime.state.delete(CHECKPOINTS, name)
        async with self.store.begin() as conn:
            await conn.execute(
                update(job_runs)
                .where(job_runs.c.id == run_id)
                .values(
                    status=status,
                    finished_at=time.time(),
                    error=error,
                    report=dumps(report.as_dict()),
                )
            )
            await conn.execute(
                update(job_leases)
                .where(job_leases.c.job_name == name, job_leases.c.owner == self.owner)
                .values(owner=None, lease_until=None)
            )

    async def _heartbeat(self, name: str, run_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            now = time.time()
            async with self.store.begin() as conn:
                await conn.execute(
                    update(job_leases)
                    .where(job_leases.c.job_name == name, job_leases.c.owner == self.owner)
                    .values(lease_until=now + self.lease_seconds)
                )
                await conn.execute(
                    update(job_runs).where(job_runs.c.id == run_id).values(heartbeat_at=now)
                )

    async def _progress(
        self, run_id: int, done: int, total: int | None, note: str, report: RunReport
    ) -> None:
        async with self.store.begin() as conn:
            await conn.execute(
                update(job_runs)
                .where(job_runs.c.id == run_id)
                .values(
                    progress_done=done,
                    progress_total=total,
                    progress_note=note,
                    heartbeat_at=time.time(),
                    report=dumps(report.as_dict()),
                )
            )

    async def _save_checkpoint(self, name: str, value: dict[str, Any] | None) -> None:
        if value is None:
            await self.runtime.state.delete(CHECKPOINTS, name)
        else:
            await self.runtime.state.put(CHECKPOINTS, name, value)

    async def get(self, run_id: int) -> JobRun:
        async with self.store.begin() as conn:
            row = (await conn.execute(select(job_runs).where(job_runs.c.id == run_id))).one()
        return JobRun.from_row(row)

    async def runs(self, name: str | None = None, limit: int = 20) -> list[JobRun]:
        query = select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)
        if name:
            query = query.where(job_runs.c.job_name == name)
        async with self.store.begin() as conn:
            return [JobRun.from_row(row) for row in await conn.execute(query)]
