"""Runs jobs: one run at a time per job (a lease in the store), recorded with progress and report."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ctbridge.engine import metrics, run_sql
from ctbridge.engine.connector import AlongWrites, JobContext, JobSpec, Progress
from ctbridge.engine.job_lease import JobBusy, JobLeases, LeaseKeeper, LeaseLost, LeaseTiming
from ctbridge.engine.report import RunReport
from ctbridge.engine.state import removal
from ctbridge.engine.store import dumps, loads
from ctbridge.engine.tables import job_runs
from ctbridge.errors import ConfigurationError, Permanent

if TYPE_CHECKING:
    from ctbridge.engine.runtime import Runtime

log = structlog.get_logger("ctbridge.jobs")
CHECKPOINTS = "checkpoints"

# Progress, written while a run goes on: an UPDATE sets the columns its parameters name.
_UPDATE_RUN = update(job_runs).where(job_runs.c.id == bindparam("run_id"))
# Ends the error of a run that failed with `Permanent`: the scheduler does not retry it.
NOT_RETRIED = " [permanent: not retried automatically]"
# How often and how long a run's final outcome is retried when the store fails at that moment.
RECORD_ATTEMPTS = 8

__all__ = ["CHECKPOINTS", "JobBusy", "JobRun", "JobRunner", "UnknownJob"]


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
    heartbeat_at: float | None = None

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
            heartbeat_at=row.heartbeat_at,
        )


class JobRunner:
    """Begins, executes and records runs; the lease rules are in `ctbridge.engine.job_lease`."""

    def __init__(
        self,
        runtime: Runtime,
        owner: str,
        *,
        lease_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.leases = JobLeases(self.store, owner, LeaseTiming(lease_seconds), clock)
        self._warming: set[asyncio.Task[None]] = set()  # held: the loop keeps weak references

    def spec(self, name: str) -> JobSpec:
        found = self.runtime.registry.jobs().get(name)
        if found is None:
            known = ", ".join(sorted(self.runtime.registry.jobs())) or "none"
            raise UnknownJob(f"unknown job '{name}' (known: {known})")
        return found[1]

    async def run(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        trigger: str = "manual",
        takeover: bool = False,
    ) -> JobRun:
        run_id, merged, started_at = await self._open_run(name, params, trigger, takeover)
        recorded = await self.execute(name, run_id, merged, started_at)
        return recorded or await self.get(run_id)

    async def start(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        trigger: str = "http",
        takeover: bool = False,
    ) -> tuple[int, asyncio.Task[None]]:
        """Begins a run and executes it in the background; returns its id at once."""
        run_id, merged, started_at = await self._open_run(name, params, trigger, takeover)
        return run_id, asyncio.create_task(self.execute(name, run_id, merged, started_at))

    async def begin(
        self,
        name: str,
        params: dict[str, Any] | None,
        *,
        trigger: str,
        takeover: bool = False,
    ) -> int:
        """Takes the job's lease and records a new run; raises JobBusy while another run holds
        it. With `takeover`, takes the lease of a run whose process is gone or whose heartbeat
        stopped (see `ctbridge.engine.job_lease`)."""
        return (await self._open_run(name, params, trigger, takeover))[0]

    async def _open_run(
        self, name: str, params: dict[str, Any] | None, trigger: str, takeover: bool
    ) -> tuple[int, dict[str, Any], float]:
        spec = self.spec(name)
        if spec.warm_up is not None:
            self._warm_up(name, spec.warm_up)
        merged = {**spec.params, **(params or {})}
        now = self.clock()
        abandoned = {
            "run_job": name,
            "finished_at": now,
            "error": "its process stopped renewing its lease (taken over)"
            if takeover
            else "its process stopped renewing its lease",
        }
        run = {
            "job_name": name,
            "status": "running",
            "trigger": trigger,
            "params": dumps(merged),
            "owner": self.owner,
            "started_at": now,
            "heartbeat_at": now,
            "progress_done": 0,
        }

        def open_run(conn: Connection) -> int:
            # Runs left "running" by a process that lost the lease; if the lease is not ours to
            # take, `take` raises and this transaction (this update included) rolls back.
            conn.execute(run_sql.ABANDON_RUNNING, abandoned)
            run_id = int(conn.execute(run_sql.INSERT_RUN, run).scalar_one())
            self.leases.take(conn, name, run_id, takeover=takeover, now=now)
            return run_id

        return await self.store.transact(open_run), merged, now

    def _warm_up(self, name: str, warm_up: Callable[[], Awaitable[None]]) -> None:
        """Starts the job's warm-up beside the run's opening; nothing waits for it (the run's
        own calls share what it fetches) and its failure is left for the run to meet."""
        task = asyncio.create_task(warm_up(), name=f"job {name} warm-up")
        self._warming.add(task)
        task.add_done_callback(self._warmed)

    def _warmed(self, task: asyncio.Task[None]) -> None:
        self._warming.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("job warm-up failed", task=task.get_name(), error=repr(task.exception()))

    async def execute(
        self, name: str, run_id: int, params: dict[str, Any], started_at: float
    ) -> JobRun | None:
        """Runs the job while keeping its lease; records how it ended even if the store fails
        at that moment, and returns the run as recorded (None when it could not be recorded).
        A run that loses its lease is stopped and recorded as `lost`."""
        spec = self.spec(name)
        report = RunReport()
        context = JobContext(
            runtime=self.runtime,
            job_name=name,
            run_id=run_id,
            params=params,
            report=report,
            _progress=lambda done, total, note: self._progress(run_id, done, total, note, report),
            _load_checkpoint=lambda: self.runtime.state.get(CHECKPOINTS, name),
            _save_checkpoint=lambda value, progress, along: self._save_checkpoint(
                name, run_id, value, progress=progress, along=along, report=report
            ),
        )
        keeper = LeaseKeeper(self.leases, name, run_id, renewed_at=started_at)
        restart = spec.resumable and str(params.get("restart", "")).lower() in ("1", "true", "yes")
        job = asyncio.create_task(
            self._run_job(spec, context, name, run_id, restart), name=f"job {name} run {run_id}"
        )
        heartbeat = asyncio.create_task(self._keep_lease(keeper, job))
        bound = log.bind(job=name, run_id=run_id)
        bound.info("job started", params=params)
        status, error, interrupted = "succeeded", None, False
        recorded = None
        try:
            await job
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if keeper.lost is not None and not (current and current.cancelling()):
                status, error = "lost", keeper.lost
            else:
                status = "interrupted"
                error = "stopped before it finished; it resumes from its checkpoint"
                interrupted = True
        except LeaseLost as lost:
            status, error = "lost", f"{lost}; it stopped"
        except Permanent as refused:
            # The job said why (a bad parameter, a refused call): a reason, not a traceback.
            status, error = "failed", str(refused) + NOT_RETRIED
            bound.error("job failed", error=error)
        except Exception as failure:
            status, error = "failed", f"{type(failure).__name__}: {failure}"
            if isinstance(failure, (Permanent, ConfigurationError)):
                error += NOT_RETRIED
            bound.exception("job failed")
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            recorded = await asyncio.shield(
                self._record_outcome(name, run_id, status, error, report, spec)
            )
            metrics.JOB_RUNS.labels(name, status).inc()
            bound.info("job finished", status=status, counts=dict(report.counts))
        if interrupted:
            raise asyncio.CancelledError
        return recorded

    async def _run_job(
        self, spec: JobSpec, context: JobContext, name: str, run_id: int, restart: bool
    ) -> None:
        if restart:
            await self._save_checkpoint(name, run_id, None)
        await spec.run(context)

    async def _keep_lease(self, keeper: LeaseKeeper, job: asyncio.Task[None]) -> None:
        while not job.done():
            await asyncio.sleep(keeper.wait())
            # A renewal that hangs must not carry the run past its deadline.
            budget = max(0.01, keeper.deadline - self.clock())
            try:
                verdict = await asyncio.wait_for(keeper.tick(), budget)
            except TimeoutError:
                keeper.failing = "the store did not answer in time"
                continue
            if verdict == "lost":
                log.error(
                    "job lost its lease; stopping it",
                    job=keeper.name,
                    run_id=keeper.run_id,
                    reason=keeper.lost,
                )
                job.cancel()
                return

    async def _record_outcome(
        self,
        name: str,
        run_id: int,
        status: str,
        error: str | None,
        report: RunReport,
        spec: JobSpec,
    ) -> JobRun | None:
        for attempt in range(RECORD_ATTEMPTS):
            try:
                return await self._finish(name, run_id, status, error, report, spec)
            except Exception as failure:
                if attempt == 0:
                    log.warning(
                        "job outcome not recorded yet; retrying",
                        job=name,
                        run_id=run_id,
                        error=type(failure).__name__,
                    )
                await asyncio.sleep(min(0.1 * 2**attempt, self.leases.timing.renew_every))
        log.error("job outcome could not be recorded", job=name, run_id=run_id, status=status)
        return None

    async def _finish(
        self,
        name: str,
        run_id: int,
        status: str,
        error: str | None,
        report: RunReport,
        spec: JobSpec,
    ) -> JobRun | None:
        """Records the outcome and returns the run as recorded (read back in the same write)."""
        outcome = {
            "run_id": run_id,
            "status": status,
            "finished_at": self.clock(),
            "error": error,
            "report": dumps(report.as_dict()),
        }

        def finish(conn: Connection) -> Any:
            if status == "succeeded" and spec.resumable:
                with contextlib.suppress(LeaseLost):  # a run that took over owns it now
                    self.leases.check(conn, name, run_id)
                    conn.execute(removal(CHECKPOINTS, name))
            row = conn.execute(run_sql.FINISH_RUN, outcome).first()
            self.leases.release(conn, name, run_id)
            return row

        row = await self.store.transact(finish)
        return None if row is None else JobRun.from_row(row)

    async def _progress(
        self, run_id: int, done: int, total: int | None, note: str, report: RunReport
    ) -> None:
        async with self.store.begin() as conn:
            await self._write_progress(conn, run_id, Progress(done, total, note), report)

    @staticmethod
    async def _write_progress(
        conn: AsyncConnection, run_id: int, progress: Progress, report: RunReport
    ) -> None:
        await conn.execute(
            _UPDATE_RUN,
            {
                "run_id": run_id,
                "progress_done": progress.done,
                "progress_total": progress.total,
                "progress_note": progress.note,
                "report": dumps(report.as_dict()),
            },
        )

    async def _save_checkpoint(
        self,
        name: str,
        run_id: int,
        value: dict[str, Any] | None,
        *,
        progress: Progress | None = None,
        along: AlongWrites | None = None,
        report: RunReport | None = None,
    ) -> None:
        """Writes the checkpoint only while this run holds the lease (else raises LeaseLost),
        so a run that was taken over can never overwrite its successor's checkpoint; the rows
        `along` writes and the progress go in the same transaction."""
        async with self.store.begin() as conn:
            await conn.run_sync(self.leases.check, name, run_id)
            if along is not None:
                await along(conn)
            if value is None:
                await self.runtime.state.remove(conn, CHECKPOINTS, name)
            else:
                await self.runtime.state.write(conn, CHECKPOINTS, {name: value})
            if progress is not None:
                assert report is not None, "progress is written with the run's report"
                await self._write_progress(conn, run_id, progress, report)

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
