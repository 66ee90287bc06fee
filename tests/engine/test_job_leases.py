"""Job leases: a heartbeat survives transient store errors, a run that lost its lease stops
itself and says why, and two runs of one job never overlap (explored by a state machine)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from ctbridge.engine.connector import Connector, JobContext, JobSpec
from ctbridge.engine.job_lease import JobBusy, LeaseKeeper, LeaseLost
from ctbridge.engine.jobs import JobRunner
from ctbridge.engine.registry import Registry
from ctbridge.engine.runtime import Runtime
from ctbridge.engine.store import Store
from ctbridge.settings import EngineSettings
from tests.conftest import POSTGRES_URL, _admin

T = TypeVar("T")


class PartitionedStore(Store):
    """A real store that this process can be cut off from: while `down`, every transaction
    fails as an unreachable database would (the other processes still reach it)."""

    down = False
    refused = 0

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        if self.down:
            self.refused += 1
            raise ConnectionRefusedError("store unreachable (partition)")
        async with super().begin() as conn:
            yield conn

    async def transact(self, work: Callable[[Connection], T]) -> T:
        if self.down:
            self.refused += 1
            raise ConnectionRefusedError("store unreachable (partition)")
        return await super().transact(work)


class Demo(Connector):
    """A connector with one job, `demo.work`."""

    name = "demo"

    def __init__(self, runtime: Runtime, spec: JobSpec) -> None:
        super().__init__(runtime)
        self.spec = spec

    def jobs(self):
        return [self.spec]


async def noop(ctx: JobContext) -> None:
    return None


def runner_on(url: str, owner: str, spec: JobSpec, *, lease_seconds: float, **clock) -> JobRunner:
    runtime = Runtime(EngineSettings(database_url=url), PartitionedStore(url), registry=Registry())
    runtime.registry.add_connector(Demo(runtime, spec))
    return JobRunner(runtime, owner, lease_seconds=lease_seconds, **clock)


async def wait_until(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never met"
        await asyncio.sleep(0.01)


async def test_a_heartbeat_survives_a_transient_store_error_and_keeps_the_lease(database_url):
    release = asyncio.Event()

    async def slow(ctx: JobContext) -> None:
        await release.wait()

    spec = JobSpec("work", slow)
    lease = 3.0
    first = runner_on(database_url, "host-a:1:a", spec, lease_seconds=lease)
    second = runner_on(database_url, "host-b:2:b", spec, lease_seconds=lease)
    await first.store.create_schema()
    try:
        run_id, task = await first.start("demo.work")
        started = time.time()
        first.store.down = True
        await wait_until(lambda: first.store.refused >= 1, seconds=lease)
        first.store.down = False
        # Past the moment the lease would have lapsed had the failed heartbeat been its last.
        await wait_until(lambda: time.time() > started + lease + 0.5)
        with pytest.raises(JobBusy):
            await second.begin("demo.work", None, trigger="test")
        release.set()
        await task
        run = await first.get(run_id)
        assert run.status == "succeeded", run.error
    finally:
        await first.store.dispose()
        await second.store.dispose()


async def test_a_run_cut_off_from_the_store_stops_itself_and_records_why(database_url):
    stopped = asyncio.Event()

    async def endless(ctx: JobContext) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    spec = JobSpec("work", endless)
    # The lease's clock moves only when the test moves it: a loaded machine that stalls the
    # heartbeat cannot make the deadline pass before a renewal was tried and refused.
    now = [time.time()]
    runner = runner_on(database_url, "host-a:1:a", spec, lease_seconds=1.2, clock=lambda: now[0])
    await runner.store.create_schema()
    try:
        run_id, task = await runner.start("demo.work")
        runner.store.down = True
        await wait_until(lambda: runner.store.refused >= 1)
        now[0] += 1.0  # past stop_after (0.6 s) with the renewal failing
        await asyncio.wait_for(stopped.wait(), 20)
        runner.store.down = False
        await asyncio.wait_for(task, 20)
        run = await runner.get(run_id)
        assert run.status == "lost"
        assert "could not be renewed" in run.error and "ConnectionRefusedError" in run.error
    finally:
        await runner.store.dispose()


async def test_a_run_taken_over_learns_it_at_its_next_heartbeat_or_checkpoint(database_url):
    spec = JobSpec("work", noop)
    first_clock, second_clock = [1000.0], [1001.0]
    first = runner_on(
        database_url, "host-a:1:a", spec, lease_seconds=600, clock=lambda: first_clock[0]
    )
    second = runner_on(
        database_url, "host-b:2:b", spec, lease_seconds=600, clock=lambda: second_clock[0]
    )
    await first.store.create_schema()
    try:
        run_id = await first.begin("demo.work", None, trigger="test")
        with pytest.raises(JobBusy, match="is alive"):
            await second.begin("demo.work", None, trigger="test", takeover=True)
        # Seen from the store, the first run's heartbeat stopped (its clock stands still).
        second_clock[0] = 1000.0 + first.leases.timing.takeover_after + 1
        taken = await second.begin("demo.work", None, trigger="test", takeover=True)
        assert taken != run_id
        assert (await second.get(run_id)).status == "abandoned"
        keeper = LeaseKeeper(first.leases, "demo.work", run_id, renewed_at=first_clock[0])
        assert await keeper.tick() == "lost"
        assert "taken over" in (keeper.lost or "")
        with pytest.raises(LeaseLost):
            await first._save_checkpoint("demo.work", run_id, {"next": 1})

        async def along(conn):  # rows the checkpoint would move past: not written either
            await first.runtime.state.write(conn, "demo.rows", {"r": 1})

        with pytest.raises(LeaseLost):
            await first._save_checkpoint("demo.work", run_id, {"next": 1}, along=along)
        assert await first.runtime.state.get("demo.rows", "r") is None
    finally:
        await first.store.dispose()
        await second.store.dispose()


@dataclass
class Process:
    """One process running the job in the model: its runner, and its current run if any."""

    runner: JobRunner
    keeper: LeaseKeeper | None = None
    crashed: bool = False

    @property
    def store(self) -> PartitionedStore:
        return self.runner.store  # type: ignore[return-value]


LEASE = 60.0
# Time that passes before a step: none, a little, a heartbeat, past a run's own deadline, past
# the lease.
PAUSES = st.sampled_from([0.0, 1.0, LEASE / 6, LEASE / 2 + 1, LEASE + 1])


class TwoRunnersOfOneJob(RuleBasedStateMachine):
    """Two processes start, renew, finish, crash and take over one job while the clock moves
    between steps and each is cut off from the store at times. After every step: at most one run may be
    executing (a run executes until it finishes, crashes or passes its own deadline), and every
    outcome a process recorded is the one the store shows."""

    database_url = ""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.now = 1_000_000.0
        self.processes: list[Process] = []
        self.recorded: dict[int, str] = {}

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def clock(self) -> float:
        return self.now

    @initialize()
    def open_processes(self) -> None:
        spec = JobSpec("work", noop)
        for name in ("host-a:1:a", "host-b:2:b"):
            runner = runner_on(self.database_url, name, spec, lease_seconds=LEASE, clock=self.clock)
            self.processes.append(Process(runner))
        self.run(self.processes[0].store.create_schema())
        self.run(self._reset())

    async def _reset(self) -> None:
        from sqlalchemy import delete

        from ctbridge.engine.tables import job_leases, job_runs

        async with self.processes[0].store.begin() as conn:
            await conn.execute(delete(job_runs))
            await conn.execute(delete(job_leases))

    def executing(self, process: Process) -> bool:
        keeper = process.keeper
        return (
            keeper is not None
            and not process.crashed
            and keeper.lost is None
            and self.now < keeper.deadline
        )

    @rule(which=st.integers(0, 1), takeover=st.booleans(), after=PAUSES)
    def start(self, which: int, takeover: bool, after: float) -> None:
        self.now += after
        process = self.processes[which]
        if process.keeper is not None and not process.crashed:
            return
        try:
            run_id = self.run(
                process.runner.begin("demo.work", None, trigger="test", takeover=takeover)
            )
        except (JobBusy, ConnectionRefusedError):
            return
        process.crashed = False
        process.keeper = LeaseKeeper(process.runner.leases, "demo.work", run_id, self.now)

    @rule(which=st.integers(0, 1), after=PAUSES)
    def heartbeat(self, which: int, after: float) -> None:
        self.now += after
        process = self.processes[which]
        if process.keeper is None or process.crashed:
            return
        if self.run(process.keeper.tick()) == "lost" and not process.store.down:
            self.record(process, "lost", process.keeper.lost)

    @rule(which=st.integers(0, 1), after=PAUSES)
    def finish(self, which: int, after: float) -> None:
        self.now += after
        process = self.processes[which]
        if not self.executing(process) or process.store.down:
            return
        self.record(process, "succeeded", None)

    def record(self, process: Process, status: str, error: str | None) -> None:
        assert process.keeper is not None
        runner, run_id = process.runner, process.keeper.run_id
        spec = runner.spec("demo.work")
        from ctbridge.engine.report import RunReport

        self.run(runner._finish("demo.work", run_id, status, error, RunReport(), spec))
        self.recorded[run_id] = status
        process.keeper = None

    @rule(which=st.integers(0, 1))
    def crash(self, which: int) -> None:
        self.processes[which].crashed = True

    @rule(which=st.integers(0, 1), down=st.booleans())
    def partition(self, which: int, down: bool) -> None:
        self.processes[which].store.down = down

    @invariant()
    def at_most_one_run_executes(self) -> None:
        running = [p.keeper.run_id for p in self.processes if self.executing(p) and p.keeper]
        assert len(running) <= 1, f"runs {running} execute at once"

    @precondition(lambda self: bool(self.processes))
    @invariant()
    def recorded_outcomes_are_kept(self) -> None:
        if not self.recorded:
            return
        outcomes = self.run(self._outcomes())
        for run_id, status in self.recorded.items():
            assert outcomes[run_id] == status, (run_id, outcomes[run_id], status)

    async def _outcomes(self) -> dict[int, str]:
        from sqlalchemy import select

        from ctbridge.engine.tables import job_runs

        async with self.processes[0].runner.runtime.store.engine.begin() as conn:
            rows = await conn.execute(select(job_runs.c.id, job_runs.c.status))
            return {row.id: row.status for row in rows}

    def teardown(self) -> None:
        for process in self.processes:
            self.run(process.store.dispose())
        self.loop.close()


EXAMPLES = int(os.environ.get("CTBRIDGE_STATEFUL_EXAMPLES", "40"))


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_runs_of_one_job_never_overlap(database, tmp_path):
    if database == "sqlite":
        url = f"sqlite:///{tmp_path}/leases.db"
    else:
        name = f"ctb_leases_{os.getpid()}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    TwoRunnersOfOneJob.database_url = url
    try:
        run_state_machine_as_test(
            TwoRunnersOfOneJob,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=30,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        if database == "postgresql":
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
