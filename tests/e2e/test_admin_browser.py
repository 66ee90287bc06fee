"""The admin page in headless Chromium: an operator logs in, sees a dead letter arrive, replays it
and sees it processed, without reloading the page."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import expect

from ctbridge.sandbox.server import serve_in_loop
from ctbridge.web.app import create_app
from tests.engine.recording import open_engine
from tests.support.browser import chromium
from tests.web.test_events import ct_message

CREDENTIALS = ("admin", "s3cret")


@pytest.fixture
async def serving(sqlite_url):
    """`ctbridge serve` in miniature: intake, admin page, worker and scheduler in one loop."""
    engine, made = await open_engine(sqlite_url, admin_password=CREDENTIALS[1])
    try:
        async with serve_in_loop(create_app(engine, background=True)) as url:
            yield url, made["recorder"]
    finally:
        await engine.close()


async def test_an_operator_replays_a_dead_letter_and_sees_it_processed(serving, tmp_path):
    url, recorder = serving
    recorder.failures["poison"] = ["permanent"]
    async with chromium(tmp_path / "profile", credentials=CREDENTIALS) as browser:
        page = await browser.new_page()
        response = await page.goto(f"{url}/admin")
        assert response is not None and response.status == 200
        dead_letters = page.locator("#dead-letters")
        await expect(dead_letters).to_contain_text("No dead letters.")

        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            accepted = await client.post("/events", json=ct_message("poison"))
        assert accepted.json()["status"] == "accepted"

        # The page refreshes itself: the dead letter appears without a reload.
        await expect(dead_letters).to_contain_text("poison")
        await expect(dead_letters).to_contain_text("permanent: invalid payload")
        assert recorder.failures["poison"] == []  # its next attempt succeeds

        await dead_letters.locator("button[data-action=show]").click()
        detail = page.locator("#detail")
        await expect(detail).to_be_visible()
        await expect(detail.locator("pre")).to_contain_text('"message_id": "poison"')
        await detail.locator("button", has_text="close").click()
        await expect(detail).to_be_hidden()

        await dead_letters.locator("button[data-action=replay]").click()
        await expect(page.locator("#status")).to_contain_text("replayed 1")
        await expect(dead_letters).to_contain_text("No dead letters.")
        connector_row = page.locator("#connectors tbody tr", has_text="recorder")
        await expect(connector_row.locator("td").nth(1)).to_have_text("idle")
        await expect(connector_row.locator("td").nth(4)).to_have_text("1")  # done

    for _ in range(100):
        if [message.id for message in recorder.applied] == ["poison"]:
            break
        await asyncio.sleep(0.05)
    assert [message.id for message in recorder.applied] == ["poison"]


async def test_without_credentials_the_browser_gets_the_login_challenge(serving, tmp_path):
    url, _ = serving
    async with chromium(tmp_path / "profile") as browser:
        page = await browser.new_page()
        # Headless, nobody answers the prompt: the navigation ends with the challenge unmet.
        async with page.expect_response(f"{url}/admin") as challenge:
            with pytest.raises(PlaywrightError, match="ERR_INVALID_AUTH_CREDENTIALS"):
                await page.goto(f"{url}/admin")
        response = await challenge.value
        assert response.status == 401
        assert (await response.header_value("www-authenticate")).startswith("Basic")
        assert await page.locator("#overview").count() == 0


async def test_credentials_in_the_address_also_work_for_the_pages_own_refreshes(serving, tmp_path):
    url, _ = serving
    async with chromium(tmp_path / "profile") as browser:
        page = await browser.new_page()
        with_credentials = url.replace("http://", f"http://{CREDENTIALS[0]}:{CREDENTIALS[1]}@")
        response = await page.goto(f"{with_credentials}/admin")
        assert response is not None and response.status == 200
        await expect(page.locator("#status")).to_contain_text("updated")


async def test_the_last_hour_shows_as_charts_an_operator_can_glance_at(serving, tmp_path):
    url, recorder = serving
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        for index in range(3):
            document = ct_message(
                f"chart-{index}", resource={"typeId": "product", "id": f"p{index}"}
            )
            accepted = await client.post("/events", json=document)
            assert accepted.json()["status"] == "accepted"
    for _ in range(200):
        if len(recorder.applied) == 3:
            break
        await asyncio.sleep(0.05)
    assert len(recorder.applied) == 3

    async with chromium(tmp_path / "profile", credentials=CREDENTIALS) as browser:
        page = await browser.new_page()
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.goto(f"{url}/admin")
        finished = page.locator('[data-chart="recorder-finished"]')
        await expect(finished).to_be_visible()
        await expect(finished.locator("figcaption")).to_contain_text("finished: 3")
        drawn = await finished.locator("rect.bar").evaluate_all(
            "bars => bars.map(bar => bar.getBoundingClientRect().height)"
        )
        assert len(drawn) == 12 and drawn[-1] > 20 and sum(drawn[:-1]) == 0
        await expect(page.locator('[data-chart="recorder-depth"]')).to_be_visible()
        screenshot = tmp_path / "admin-last-hour.png"
        await page.locator("#history").screenshot(path=str(screenshot))
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    print(f"admin page screenshot: {screenshot}")
