"""Taking over a job run from the admin API and page: only a run whose heartbeat stopped."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from ctbridge.engine.connector import JobContext, JobSpec
from ctbridge.engine.jobs import JobRunner
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.web.app import create_app
from tests.engine.recording import open_engine

AUTH = ("admin", "s3cret")


@pytest.fixture
async def served(database_url):
    engine, made = await open_engine(database_url, admin_password="s3cret")
    release = asyncio.Event()
    pages: list[int] = []

    async def load(ctx: JobContext) -> None:
        start = (await ctx.checkpoint() or {}).get("next", 0)
        pages.append(start)
        await release.wait()

    made["recorder"].extra_jobs.append(JobSpec("load", load, resumable=True))
    engine.registry.invalidate()
    async with (
        serve_in_loop(create_app(engine)) as url,
        httpx.AsyncClient(base_url=url, timeout=10, auth=AUTH) as client,
    ):
        yield engine, client, release, pages
    release.set()
    await engine.close()


async def wait_for_status(engine, run_id: int, status: str) -> None:
    deadline = time.monotonic() + 20
    while (await engine.jobs.get(run_id)).status != status:
        assert time.monotonic() < deadline, (await engine.jobs.get(run_id)).status
        await asyncio.sleep(0.02)


async def test_a_run_whose_heartbeat_stopped_is_taken_over_from_the_admin_api(served):
    engine, client, release, pages = served
    # A run of another process that died 100 s ago: its lease (600 s) is still held.
    gone = JobRunner(
        engine.runtime, "other-host:1:gone", lease_seconds=600, clock=lambda: time.time() - 100
    )
    stale = await gone.begin("recorder.load", None, trigger="schedule")
    await engine.runtime.state.put("checkpoints", "recorder.load", {"next": 7})
    busy = await client.post("/admin/api/jobs/recorder.load/run", json={})
    assert busy.status_code == 409 and "can be taken over in" in busy.json()["detail"]
    page = (await client.get("/admin/overview")).text
    assert f'data-action="takeover" data-id="{stale}"' in page
    taken = await client.post(f"/admin/api/jobs/runs/{stale}/takeover", json={})
    assert taken.status_code == 202, taken.text
    new_run = taken.json()["run_id"]
    assert (await engine.jobs.get(stale)).status == "abandoned"
    release.set()
    await wait_for_status(engine, new_run, "succeeded")
    assert pages == [7]  # it resumed from the checkpoint
    again = await client.post(f"/admin/api/jobs/runs/{stale}/takeover", json={})
    assert again.status_code == 409 and "not running" in again.json()["detail"]


async def test_a_live_run_is_not_taken_over(served):
    engine, client, release, pages = served
    live = await engine.start_job("recorder.load")
    refused = await client.post(f"/admin/api/jobs/runs/{live}/takeover", json={})
    assert refused.status_code == 409 and "is alive" in refused.json()["detail"]
    assert (await engine.jobs.get(live)).status == "running"
    assert (await client.post("/admin/api/jobs/runs/999/takeover", json={})).status_code == 404
