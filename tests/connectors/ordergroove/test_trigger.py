"""`POST /service?startUpload=true` starts the load for a project token or the admin only."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from .seeding import add_catalogue


@pytest.fixture
async def service(engine):
    app = FastAPI()
    for router in engine.connectors["ordergroove"].routers():
        app.include_router(router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ctbridge.test"
    ) as http:
        yield http


def project_token(ct) -> str:
    response = httpx.post(
        f"{ct.url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": f"manage_project:{ct.project_key}"},
        auth=(ct.client_id, ct.client_secret),
    )
    return response.json()["access_token"]


async def finished(engine, run_id: int):
    for _ in range(200):
        run = await engine.jobs.get(run_id)
        if run.status != "running":
            return run
        await asyncio.sleep(0.05)
    raise AssertionError("the load did not finish in 10 s")


async def test_a_commercetools_token_for_the_project_starts_the_load(ct, og, engine, service):
    add_catalogue(ct, products=3, variants=1)
    response = await service.post(
        "/service",
        params={"startUpload": "true"},
        headers={"Authorization": f"Bearer {project_token(ct)}"},
    )
    assert response.status_code == 202
    body = response.json()
    assert body["job"] == "ordergroove.load-products"
    run = await finished(engine, body["runId"])
    assert run.status == "succeeded"
    assert run.trigger == "http"
    assert og.snapshot()["products"] == 3


async def test_admin_credentials_start_the_load(ct, og, engine, service):
    response = await service.post("/service?startUpload=true", auth=("admin", "admin-secret"))
    assert response.status_code == 202
    await finished(engine, response.json()["runId"])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic YWRtaW46d3Jvbmc="},  # admin:wrong
        {"Authorization": "Basic !!!"},
    ],
    ids=["none", "unknown token", "wrong admin password", "garbled basic"],
)
async def test_anyone_else_is_refused(og, service, headers):
    response = await service.post("/service?startUpload=true", headers=headers)
    assert response.status_code == 401
    assert og.calls == {}


async def test_without_start_upload_nothing_starts(og, service):
    response = await service.post("/service", auth=("admin", "admin-secret"))
    assert response.status_code == 400
    assert og.calls == {}


async def test_only_one_load_runs_at_a_time(ct, og, engine, service):
    add_catalogue(ct, products=2, variants=1)
    og.faults.configure(latency_ms=300, paths=["/products-batch"])
    first = await service.post("/service?startUpload=true", auth=("admin", "admin-secret"))
    second = await service.post("/service?startUpload=true", auth=("admin", "admin-secret"))
    assert first.status_code == 202
    assert second.status_code == 409
    await finished(engine, first.json()["runId"])
