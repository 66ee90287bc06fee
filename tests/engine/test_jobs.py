"""Jobs: one run at a time, recorded with report and progress, resumable from checkpoints, on cron."""

from __future__ import annotations

import asyncio

import pytest

from ctbridge.engine.connector import JobContext, JobSpec
from ctbridge.engine.jobs import JobBusy
from ctbridge.engine.scheduler import next_fire
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
