"""Jobs: one run at a time, recorded with report and progress, resumable from checkpoints, on cron."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest

from ctbridge.engine.connector import JobContext, JobSpec, Progress
from ctbridge.engine.job_retry import JobRetryPolicy, retry_due
from ctbridge.engine.jobs import NOT_RETRIED, JobBusy, JobRun
from ctbridge.engine.report import RunReport
from ctbridge.engine.scheduler import next_fire
from ctbridge.errors import Permanent, Retryable
from tests.engine.recording import open_engine


async def test_a_run_is_recorded_with_its_report_and_progress(sqlite_url):
    async def count_things(ctx: JobContext) -> None:
        ctx.report.item("sent", "a")
        ctx.report.item("skipped", "b", "no price")
        await ctx.progress(2, 2, "done")

    engine, made = await open_engine(sqlite_url)
    made["recorder"].extra_jobs.append(JobSpec("count", count_things))
    engine.registry.invalidate()
    try:
        run = await engine.run_job("recorder.count", {"x": 1})
        assert run.status == "succeeded"
        assert run.params == {"x": 1}
        assert run.report.counts == {"sent": 1, "skipped": 1}
        assert run.report.details[1] == {"outcome": "skipped", "id": "b", "reason": "no price"}
        assert (run.progress_done, run.progress_total) == (2, 2)
    finally:
        await engine.close()


async def test_a_warm_up_starts_with_the_run_which_neither_waits_for_it_nor_fails_with_it(
    sqlite_url,
):
    began, job_started, ended = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def fetch_tokens() -> None:
        began.set()
        try:
            await job_started.wait()  # a run that waited for its warm-up would never start
            raise ConnectionError("token endpoint unreachable")
        finally:
            ended.set()

    async def work(ctx: JobContext) -> None:
        assert began.is_set()  # started beside the run's opening, not after it
        job_started.set()

    unhandled: list[dict] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: unhandled.append(ctx))
    engine, made = await open_engine(sqlite_url)
    made["recorder"].extra_jobs.append(JobSpec("warm", work, warm_up=fetch_tokens))
    engine.registry.invalidate()
    try:
        run = await asyncio.wait_for(engine.run_job("recorder.warm"), 30)
        await asyncio.wait_for(ended.wait(), 30)
        await asyncio.sleep(0)  # its done-callback runs
        gc.collect()  # an exception nobody retrieved is reported when its task is collected
    finally:
        await engine.close()
    assert run.status == "succeeded", run.error
    assert unhandled == []


async def test_a_checkpoint_is_saved_with_its_rows_and_progress_all_or_nothing(database_url):
    async def load(ctx: JobContext) -> None:
        async def rows(conn) -> None:
            await ctx.runtime.state.write(conn, "recorder.rows", {"a": 1, "b": 2})

        await ctx.save_checkpoint({"next": 2}, progress=Progress(2, 5, "two"), along=rows)

        async def refused(conn) -> None:
            await ctx.runtime.state.write(conn, "recorder.rows", {"c": 3})
            raise ConnectionError("the target went away mid-write")

        await ctx.save_checkpoint({"next": 3}, progress=Progress(3, 5, "three"), along=refused)

    engine, made = await open_engine(database_url)
    made["recorder"].extra_jobs.append(JobSpec("load", load, resumable=True))
    engine.registry.invalidate()
    try:
        run = await engine.run_job("recorder.load")
        assert run.status == "failed" and "went away" in (run.error or "")
        state = engine.runtime.state
        assert await state.get("checkpoints", "recorder.load") == {"next": 2}
        assert await state.get_many("recorder.rows", ["a", "b", "c"]) == {"a": 1, "b": 2}
        assert (run.progress_done, run.progress_total, run.progress_note) == (2, 5, "two")
    finally:
        await engine.close()


async def test_a_job_never_runs_twice_at_once(database_url):
    release = asyncio.Event()

    async def slow(ctx: JobContext) -> None:
        await release.wait()

    engine, made = await open_engine(database_url)
    made["recorder"].extra_jobs.append(JobSpec("slow", slow))
    engine.registry.invalidate()
    try:
        run_id = await engine.start_job("recorder.slow")
        with pytest.raises(JobBusy):
            await engine.start_job("recorder.slow")
        release.set()
        for _ in range(100):
            if (await engine.jobs.get(run_id)).status != "running":
                break
            await asyncio.sleep(0.02)
        assert (await engine.jobs.get(run_id)).status == "succeeded"
        second = await engine.start_job("recorder.slow")
        assert second != run_id
    finally:
        await engine.close()


async def test_a_failed_resumable_job_resumes_from_its_checkpoint(sqlite_url):
    seen: list[int] = []

    async def load(ctx: JobContext) -> None:
        start = (await ctx.checkpoint() or {}).get("next", 0)
        for page in range(start, 5):
            if page == 3 and ctx.params.get("crash"):
                raise ConnectionError("target went away")
            seen.append(page)
            await ctx.save_checkpoint({"next": page + 1})

    engine, made = await open_engine(sqlite_url)
    made["recorder"].extra_jobs.append(JobSpec("load", load, resumable=True))
    engine.registry.invalidate()
    try:
        first = await engine.run_job("recorder.load", {"crash": True})
        assert first.status == "failed" and "target went away" in first.error
        second = await engine.run_job("recorder.load")
        assert second.status == "succeeded"
        assert seen == [0, 1, 2, 3, 4]
        assert await engine.runtime.state.get("checkpoints", "recorder.load") is None
    finally:
        await engine.close()


async def test_the_scheduler_starts_a_due_job_once_across_two_engines(postgres_url):
    runs: list[int] = []

    async def tick(ctx: JobContext) -> None:
        runs.append(ctx.run_id)

    engines = []
    for _ in range(2):
        engine, made = await open_engine(postgres_url)
        made["recorder"].extra_jobs.append(JobSpec("tick", tick, schedule="* * * * *"))
        engine.registry.invalidate()
        engines.append(engine)
    try:
        now = 1_800_000_000.0
        for engine in engines:
            assert await engine.scheduler.tick(now) == []  # first sight: schedules the next slot
        due = next_fire("* * * * *", now) + 1
        started = [await engine.scheduler.tick(due) for engine in engines]
        assert sorted(len(s) for s in started) == [0, 1]
        for _ in range(100):
            if runs:
                break
            await asyncio.sleep(0.02)
        assert len(runs) == 1
    finally:
        for engine in engines:
            await engine.close()


def test_next_fire_follows_the_cron_expression():
    after = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    assert next_fire("*/5 * * * *", after) == after + 300


async def test_restart_makes_a_resumable_job_ignore_its_checkpoint(sqlite_url):
    starts: list[int] = []

    async def load(ctx: JobContext) -> None:
        starts.append((await ctx.checkpoint() or {}).get("next", 0))
        if ctx.params.get("crash"):
            raise ConnectionError("stop here")

    engine, made = await open_engine(sqlite_url)
    made["recorder"].extra_jobs.extend([JobSpec("load", load, resumable=True)])
    engine.registry.invalidate()
    try:
        await engine.runtime.state.put("checkpoints", "recorder.load", {"next": 7})
        await engine.run_job("recorder.load", {"crash": True})
        await engine.run_job("recorder.load", {"restart": "true"})
        assert starts == [7, 0]
    finally:
        await engine.close()


async def retry_until(engine, name: str, done, *, ticks: int = 200) -> None:
    """Ticks the scheduler (each tick an hour later, so any backoff is over) until `done()`."""
    now = time.time()
    for tick in range(ticks):
        if await done():
            return
        await engine.scheduler.tick(now + 3600 * tick)
        for _ in range(500):
            if not any(r.status == "running" for r in await engine.jobs.runs(name, 5)):
                break
            await asyncio.sleep(0.01)
    raise AssertionError("never done")


async def test_a_failed_resumable_load_is_retried_by_the_scheduler_from_its_checkpoint(sqlite_url):
    seen: list[int] = []
    outage = {"calls_left_failing": 2}

    async def load(ctx: JobContext) -> None:
        start = (await ctx.checkpoint() or {}).get("next", 0)
        for page in range(start, 5):
            if page == 3 and outage["calls_left_failing"] > 0:
                outage["calls_left_failing"] -= 1
                raise Retryable("target unavailable")
            seen.append(page)
            await ctx.save_checkpoint({"next": page + 1})

    engine, made = await open_engine(sqlite_url, job_retry_base_seconds=0.01)
    made["recorder"].extra_jobs.append(JobSpec("load", load, resumable=True))
    engine.registry.invalidate()
    try:
        first = await engine.run_job("recorder.load", {"batch": "100"}, trigger="cli")
        assert first.status == "failed"

        async def succeeded() -> bool:
            return (await engine.jobs.runs("recorder.load", 1))[0].status == "succeeded"

        await retry_until(engine, "recorder.load", succeeded)
        runs = list(reversed(await engine.jobs.runs("recorder.load")))
        assert [(r.status, r.trigger) for r in runs] == [
            ("failed", "cli"),
            ("failed", "retry"),
            ("succeeded", "retry"),
        ]
        assert runs[-1].params == {"batch": "100"}
        assert seen == [0, 1, 2, 3, 4]  # each page once: the retries resumed
    finally:
        await engine.close()


async def test_retries_are_bounded_and_a_permanent_failure_is_not_retried(sqlite_url):
    async def down(ctx: JobContext) -> None:
        raise Retryable("target unavailable")

    async def invalid(ctx: JobContext) -> None:
        raise Permanent("the feed is not valid CSV")

    engine, made = await open_engine(sqlite_url, job_retries=2, job_retry_base_seconds=0.01)
    made["recorder"].extra_jobs += [
        JobSpec("down", down, resumable=True),
        JobSpec("invalid", invalid, resumable=True),
    ]
    engine.registry.invalidate()
    try:
        await engine.run_job("recorder.down")
        await engine.run_job("recorder.invalid")

        async def never() -> bool:
            return False

        with pytest.raises(AssertionError, match="never done"):
            await retry_until(engine, "recorder.down", never, ticks=6)
        assert len(await engine.jobs.runs("recorder.down")) == 3  # the run and two retries
        assert len(await engine.jobs.runs("recorder.invalid")) == 1
    finally:
        await engine.close()


def make_run(status: str, finished_at: float, *, trigger: str = "retry", error: str = "") -> JobRun:
    return JobRun(
        id=1,
        job_name="x.load",
        status=status,
        trigger=trigger,
        params={"restart": "true", "batch": "5"},
        started_at=finished_at - 1,
        finished_at=finished_at,
        progress_done=0,
        progress_total=None,
        progress_note=None,
        report=RunReport(),
        error=error or None,
    )


def test_the_retry_backoff_doubles_up_to_its_cap_and_never_restarts_from_scratch():
    policy = JobRetryPolicy(retries=5, base_seconds=60, max_seconds=300)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]
    failed_twice = [make_run("failed", 1000), make_run("failed", 900, trigger="cli")]
    assert retry_due(failed_twice, 1000 + 119, policy) is None
    assert retry_due(failed_twice, 1000 + 120, policy) == {"batch": "5"}
    assert retry_due([make_run("succeeded", 1000)] + failed_twice, 10**9, policy) is None
    assert retry_due([make_run("failed", 1000)] * 6, 10**9, policy) is None
    permanent = make_run("failed", 1000, error="Permanent: bad" + NOT_RETRIED)
    assert retry_due([permanent], 10**9, policy) is None
    assert retry_due([make_run("lost", 1000)], 1060, policy) == {"batch": "5"}
