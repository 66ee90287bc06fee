"""Dead letters raise one alert per batch through the configured notification channels."""

from __future__ import annotations

from fastapi import FastAPI, Request

from ctbridge.sandbox.server import serve_in_loop
from tests.engine.recording import open_engine, product_message


async def test_a_dead_letter_is_announced_on_the_webhook_channel(sqlite_url, monkeypatch):
    received: list[dict] = []
    receiver = FastAPI()

    @receiver.post("/alerts")
    async def alerts(request: Request) -> dict:
        received.append(await request.json())
        return {"ok": True}

    async with serve_in_loop(receiver) as url:
        monkeypatch.setenv("CTBRIDGE_NOTIFY_WEBHOOK_URL", f"{url}/alerts")
        engine, made = await open_engine(sqlite_url)
        made["recorder"].failures["poison"] = ["permanent"]
        await engine.runtime.enqueue(product_message("poison"))
        await engine.runtime.enqueue(product_message("fine", product_id="p2"))
        await engine.run_until_idle()
        await engine.close()  # waits for alerts in flight
    assert len(received) == 1
    text = str(received[0])
    assert "1 message moved to the dead-letter queue" in text
    assert "poison" in text and "invalid payload" in text and "fine" not in text


async def test_bad_notification_settings_fail_at_start(sqlite_url, monkeypatch):
    import pytest

    from ctbridge.errors import ConfigurationError

    monkeypatch.setenv("CTBRIDGE_NOTIFY_SLACK_WEBHOOK_URL", "not-a-url")
    with pytest.raises(ConfigurationError) as raised:
        await open_engine(sqlite_url)
    assert raised.value.problems == [
        "CTBRIDGE_NOTIFY_SLACK_WEBHOOK_URL: Value error, must be an http(s) URL"
    ]
