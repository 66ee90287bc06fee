"""The admin page: behind the admin credentials, it shows queue, connectors, failures, dead letters,
jobs, rejected deliveries and subscription health, and never fails because commercetools does."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest

from ctbridge.commercetools.subscriptions import subscription_key
from ctbridge.engine.connector import JobContext, JobSpec
from ctbridge.engine.throughput import Throughput
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer, free_port, serve_in_loop
from ctbridge.sandbox.stack import CLIENT_ID, CLIENT_SECRET, PROJECT_KEY
from ctbridge.settings import CommercetoolsSettings
from ctbridge.web.admin_view import ago, render_overview, text
from ctbridge.web.app import create_app
from ctbridge.web.subscription_health import (
    SubscriptionHealth,
    subscription_where,
)
from tests.engine.recording import open_engine, product_message
from tests.web.test_events import ct_message

AUTH = ("admin", "s3cret")


def section(html: str, name: str) -> str:
    found = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
    assert found, f"no section {name}"
    return found.group(1)


@pytest.fixture
async def served(sqlite_url):
    # A long backoff keeps a failed task visibly "retrying" for the whole test.
    engine, made = await open_engine(
        sqlite_url, admin_password="s3cret", retry_base_seconds=60, retry_max_seconds=120
    )
    app = create_app(engine)
    async with serve_in_loop(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield engine, made["recorder"], client
    await engine.close()


async def test_the_page_asks_the_browser_for_credentials_and_refuses_wrong_ones(served):
    engine, recorder, client = served
    anonymous = await client.get("/admin")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    assert (await client.get("/admin", auth=("admin", "nope"))).status_code == 401
    assert (await client.get("/admin/overview", auth=("root", "s3cret"))).status_code == 401
    assert (await client.get("/admin/api/overview")).status_code == 401


async def test_the_page_is_disabled_without_an_admin_password(sqlite_url):
    engine, _ = await open_engine(sqlite_url)
    try:
        async with (
            serve_in_loop(create_app(engine)) as url,
            httpx.AsyncClient(base_url=url) as client,
        ):
            assert (await client.get("/admin", auth=("admin", ""))).status_code == 403
    finally:
        await engine.close()


async def test_the_page_is_html_that_loads_its_script_and_refreshes_itself(served):
    engine, recorder, client = served
    page = await client.get("/admin", auth=AUTH)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert 'data-refresh-ms="3000"' in page.text
    assert '<script type="module" src="/admin/admin.mjs">' in page.text
    for name in (
        "queue",
        "connectors",
        "subscriptions",
        "failures",
        "dead-letters",
        "jobs",
        "rejected",
    ):
        section(page.text, name)
    script = await client.get("/admin/admin.mjs", auth=AUTH)
    assert script.headers["content-type"].startswith("text/javascript")
    assert "/admin/overview" in script.text and "/admin/api/dead-letters/replay" in script.text


async def test_the_page_shows_throughput_failures_dead_letters_and_rejections(served):
    engine, recorder, client = served
    recorder.failures["poison"] = ["permanent"]
    recorder.failures["flaky"] = ["crash"]
    await client.post("/events", json=ct_message("good", sequence=1))
    await client.post(
        "/events", json=ct_message("poison", sequence=2, resource={"typeId": "product", "id": "p2"})
    )
    await client.post(
        "/events", json=ct_message("flaky", sequence=3, resource={"typeId": "product", "id": "p3"})
    )
    await client.post("/events", content=b"not json", headers={"content-type": "application/json"})
    await engine.run_until_idle()

    html = (await client.get("/admin/overview", auth=AUTH)).text

    connectors = section(html, "connectors")
    row = re.search(r"<tr><td>recorder</td>(.*?)</tr>", connectors, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert "dead letters" in cells[0]
    # pending running done skipped stale dead | finished 5 min | finished 60 min | oldest pending
    assert cells[1:7] == ["1", "0", "1", "0", "0", "1"]
    assert cells[7:9] == ["1", "1"]
    assert 'data-stat="pending"><span>pending</span><strong>1</strong>' in section(html, "queue")

    failures = section(html, "failures")
    assert "flaky" in failures and "handler bug" in failures and "poison" not in failures

    dead = section(html, "dead-letters")
    assert "poison" in dead and "permanent: invalid payload" in dead
    task_id = (await client.get("/admin/api/dead-letters", auth=AUTH)).json()[0]["task_id"]
    for action in ("show", "replay", "purge"):
        assert f'data-action="{action}" data-id="{task_id}"' in dead

    rejected = section(html, "rejected")
    assert "body is not JSON" in rejected and "not json" in rejected


async def test_jobs_show_schedule_next_run_last_report_and_the_progress_of_a_running_load(served):
    engine, recorder, client = served
    release = asyncio.Event()

    async def nightly(ctx: JobContext) -> None:
        ctx.report.item("sent", "p1")
        ctx.report.item("skipped", "p2", "no price")

    async def load(ctx: JobContext) -> None:
        await ctx.progress(40, 160, "page 2")
        await asyncio.wait_for(release.wait(), 10)

    recorder.extra_jobs += [
        JobSpec("nightly", nightly, schedule="0 3 * * *"),
        JobSpec("load", load),
    ]
    engine.registry.invalidate()
    await engine.scheduler.tick()
    await engine.run_job("recorder.nightly")
    run_id = await engine.start_job("recorder.load")
    try:
        for _ in range(100):
            running = (await client.get("/admin/api/overview", auth=AUTH)).json()["running"]
            if running and running[0]["progress_done"] == 40:
                break
            await asyncio.sleep(0.05)
        html = (await client.get("/admin/overview", auth=AUTH)).text
    finally:
        release.set()
    jobs = section(html, "jobs")
    assert '<progress value="40" max="160"></progress> 40/160 (25%)' in jobs
    assert "page 2" in jobs
    listing = jobs.split('data-table="jobs"')[1]
    nightly_row = re.search(r"<tr><td>recorder\.nightly</td>(.*?)</tr>", listing, re.S).group(1)
    assert "<code>0 3 * * *</code>" in nightly_row
    assert "succeeded" in nightly_row and "sent 1, skipped 1" in nightly_row
    assert re.search(r"<time [^>]*>in \d+ (s|min|h)</time></td>$", nightly_row)
    load_row = re.search(r"<tr><td>recorder\.load</td>(.*?)</tr>", listing, re.S).group(1)
    assert "on demand" in load_row and f"/admin/api/jobs/runs/{run_id}" in load_row


async def test_subscription_health_without_commercetools_settings_says_not_configured(served):
    engine, recorder, client = served
    snapshot = (await client.get("/admin/api/overview", auth=AUTH)).json()
    assert snapshot["subscriptions"]["state"] == "not configured"
    assert "not configured" in section(
        (await client.get("/admin", auth=AUTH)).text, "subscriptions"
    )


async def test_subscription_health_reports_what_commercetools_says_per_connector(sqlite_url):
    emulator = CommercetoolsEmulator(PROJECT_KEY, CLIENT_ID, CLIENT_SECRET)
    emulator.create(
        "subscriptions",
        {
            "key": subscription_key("recorder"),
            "destination": {"type": "GoogleCloudPubSub", "projectId": "p", "topic": "t"},
            "messages": [{"resourceTypeId": "product", "types": ["ProductPublished"]}],
        },
    )
    engine, _ = await open_engine(sqlite_url, "recorder", "other", admin_password="s3cret")
    try:
        with BackgroundServer(emulator.app) as server:
            engine.runtime.commercetools_settings = CommercetoolsSettings(
                project_key=PROJECT_KEY,
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                api_url=server.url,
                auth_url=server.url,
            )
            report = await SubscriptionHealth(engine).report()
    finally:
        await engine.close()
    assert report.state == "ok"
    assert [(s.connector, s.key, s.status, s.destination) for s in report.subscriptions] == [
        ("other", "ctbridge-other", "not deployed", None),
        ("recorder", "ctbridge-recorder", "Healthy", "GoogleCloudPubSub"),
    ]


async def test_unreachable_commercetools_is_shown_as_such_and_the_page_still_renders(sqlite_url):
    engine, _ = await open_engine(sqlite_url, admin_password="s3cret")
    closed = f"http://127.0.0.1:{free_port()}"
    engine.runtime.commercetools_settings = CommercetoolsSettings(
        project_key="demo", client_id="id", client_secret="secret", api_url=closed, auth_url=closed
    )
    try:
        async with (
            serve_in_loop(create_app(engine)) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as client,
        ):
            page = await client.get("/admin", auth=AUTH)
    finally:
        await engine.close()
    assert page.status_code == 200
    assert "unreachable" in section(page.text, "subscriptions")
    assert "secret" not in section(page.text, "subscriptions")


async def test_subscription_health_is_cached_between_refreshes(served):
    engine, recorder, client = served
    health = SubscriptionHealth(engine, ttl=60)
    first = await health.report()
    assert await health.report() is first


async def test_stale_subscription_health_is_served_while_a_fresh_answer_is_fetched(served):
    engine, recorder, client = served
    health = SubscriptionHealth(engine, ttl=0)
    first = await health.report()
    assert await health.report() is first
    for _ in range(100):
        await asyncio.sleep(0.01)
        if health._cached is not first:
            break
    assert (await health.report()).checked_at > first.checked_at


async def test_throughput_counts_finished_tasks_per_window(sqlite_url):
    engine, made = await open_engine(sqlite_url)
    try:
        for index in range(3):
            await engine.runtime.enqueue(product_message(f"m{index}", product_id=f"p{index}"))
        await engine.run_until_idle()
        await engine.runtime.enqueue(product_message("waiting", product_id="p9"))
        throughput = Throughput(engine.store)
        now = await throughput.by_connector((300, 3600))
        later = await throughput.by_connector((300, 3600), now=time.time() + 1000)
    finally:
        await engine.close()
    assert now["recorder"].finished == {300: 3, 3600: 3}
    assert later["recorder"].finished == {300: 0, 3600: 3}
    assert now["recorder"].oldest_pending_age is not None


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "–"),
        (-3, "0 s"),
        (12.4, "12 s"),
        (89, "89 s"),
        (240, "4 min"),
        (3 * 3600, "3 h"),
        (3 * 86400, "3 d"),
    ],
)
def test_durations_are_shown_in_the_largest_sensible_unit(seconds, shown):
    assert ago(seconds) == shown


def test_every_value_from_the_store_is_escaped():
    hostile = '<script>alert("x")</script>'
    snapshot = {
        "generated_at": 1_700_000_000.0,
        "worker": hostile,
        "queue": {"pending": 0, "running": 0, "dead": 1, "oldest_pending_age": None},
        "connectors": [
            {
                "name": hostile,
                "enabled": True,
                "state": hostile,
                "tasks": {"dead": 1},
                "finished_5m": 0,
                "finished_60m": 0,
                "oldest_pending_age": None,
            }
        ],
        "failures": [],
        "dead_letters": [
            {
                "task_id": 1,
                "message_id": hostile,
                "connector": hostile,
                "type": hostile,
                "resource_key": None,
                "attempts": 1,
                "last_error": hostile,
                "finished_at": None,
                "payload": None,
            }
        ],
        "jobs": [],
        "running": [],
        "rejected": [
            {
                "id": 1,
                "received_at": 1.0,
                "source": hostile,
                "reason": hostile,
                "body_preview": hostile,
                "body_truncated": False,
            }
        ],
        "subscriptions": {
            "state": hostile,
            "checked_at": 1.0,
            "detail": hostile,
            "subscriptions": [],
        },
    }
    html = render_overview(snapshot)
    assert "<script>" not in html
    assert text(hostile) in html


def test_subscription_keys_are_the_deployed_keys_and_quoted_in_the_query():
    assert subscription_key("fluent") == "ctbridge-fluent"
    assert subscription_where(["ctbridge-a", 'b"c']) == 'key in ("ctbridge-a", "b\\"c")'
