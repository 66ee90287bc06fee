"""The admin API: queue and connector status, dead letters (list, show, replay, purge), job runs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field

from ctbridge.engine.inbox import Inbox
from ctbridge.engine.jobs import JobBusy, JobRun, UnknownJob
from ctbridge.host import Engine
from ctbridge.web.admin_auth import require_admin

# Ids are 64-bit in the store; a larger number cannot name a row and must not reach the driver.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
TaskId = Annotated[int, Path(ge=1, le=2**63 - 1)]
RunId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Selection(BaseModel):
    """Which dead letters: the given task ids, or all (optionally of one connector)."""

    ids: list[RowId] | None = None
    connector: str | None = None


class JobRequest(BaseModel):
    params: dict[str, Any] = {}


def job_run_view(run: JobRun) -> dict[str, Any]:
    view = asdict(run)
    view["report"] = run.report.as_dict()
    return view


def admin_api_router(engine: Engine) -> APIRouter:
    router = APIRouter(
        prefix="/admin/api", tags=["admin"], dependencies=[Depends(require_admin(engine.settings))]
    )
    inbox = Inbox(engine.store)

    @router.get("/status")
    async def status() -> dict[str, Any]:
        stats = await inbox.stats()
        counts = await inbox.task_counts()
        per_connector: dict[str, dict[str, int]] = {}
        for (connector, state), count in counts.items():
            per_connector.setdefault(connector, {})[state] = count
        return {
            "connectors": sorted(engine.connectors),
            "queue": asdict(stats),
            "tasks": per_connector,
            "jobs": sorted(engine.registry.jobs()),
            "next_runs": await engine.scheduler.next_runs(),
        }

    @router.get("/dead-letters")
    async def dead_letters(
        connector: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[dict[str, Any]]:
        return [
            asdict(letter) for letter in await inbox.dead_letters(connector=connector, limit=limit)
        ]

    @router.get("/dead-letters/{task_id}")
    async def dead_letter(task_id: TaskId) -> dict[str, Any]:
        letter = await inbox.dead_letter(task_id)
        if letter is None:
            raise HTTPException(404, f"no dead letter {task_id}")
        return asdict(letter)

    @router.post("/dead-letters/replay")
    async def replay(selection: Selection) -> dict[str, int]:
        return {"replayed": await inbox.replay(selection.ids, connector=selection.connector)}

    @router.post("/dead-letters/purge")
    async def purge(selection: Selection) -> dict[str, int]:
        return {"purged": await inbox.purge(selection.ids, connector=selection.connector)}

    @router.get("/rejected")
    async def rejected(limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[dict[str, Any]]:
        return await inbox.rejections(limit)

    @router.get("/jobs/runs")
    async def job_runs(
        name: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 20
    ) -> list[dict[str, Any]]:
        return [job_run_view(run) for run in await engine.jobs.runs(name, limit)]

    @router.get("/jobs/runs/{run_id}")
    async def job_run(run_id: RunId) -> dict[str, Any]:
        try:
            return job_run_view(await engine.jobs.get(run_id))
        except Exception:
            raise HTTPException(404, f"no job run {run_id}") from None

    @router.post("/jobs/runs/{run_id}/takeover", status_code=202)
    async def take_over_job_run(run_id: RunId) -> dict[str, Any]:
        """Starts a new run of the job in place of run `run_id`, whose process is gone or whose
        heartbeat stopped; a resumable job resumes from its checkpoint. 409 while it is alive."""
        try:
            stale = await engine.jobs.get(run_id)
        except Exception:
            raise HTTPException(404, f"no job run {run_id}") from None
        if stale.status != "running":
            raise HTTPException(409, f"job run {run_id} is not running ({stale.status})")
        params = {key: value for key, value in stale.params.items() if key != "restart"}
        try:
            new_run = await engine.start_job(stale.job_name, params, trigger="admin", takeover=True)
        except UnknownJob as error:
            raise HTTPException(404, str(error)) from None
        except JobBusy as error:
            raise HTTPException(409, str(error)) from None
        return {"run_id": new_run, "replaces": run_id}

    @router.post("/jobs/{name}/run", status_code=202)
    async def start_job(name: str, request: JobRequest) -> dict[str, Any]:
        try:
            run_id = await engine.start_job(name, request.params, trigger="admin")
        except UnknownJob as error:
            raise HTTPException(404, str(error)) from None
        except JobBusy as error:
            raise HTTPException(409, str(error)) from None
        return {"run_id": run_id}

    return router
