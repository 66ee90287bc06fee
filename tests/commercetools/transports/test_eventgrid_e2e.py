"""End to end on Azure Event Grid: `ctbridge deploy` with an Event Grid destination on the
commercetools emulator, the emulator delivering CloudEvents with the access key to `/events`,
ctbridge storing and handling them; a wrong key is refused and the emulator redelivers."""

from __future__ import annotations

import asyncio

from tests.cli.test_cli import ctbridge
from tests.engine.recording import open_engine
from tests.sandbox.commercetools.drafts import product_draft

from ctbridge.commercetools.transports.settings import TransportSettings
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer, serve_in_loop
from ctbridge.web.app import create_app

KEY = "eventgrid-key-from-azure"


async def test_deploy_then_event_grid_deliveries_reach_the_handler(sqlite_url, tmp_path):
    ct = CommercetoolsEmulator()
    ct.delivery.configure(backoff_seconds=0.05, max_backoff_seconds=0.1)
    engine, made = await open_engine(sqlite_url)
    settings = TransportSettings(destination_type="EventGrid", destination_access_key=KEY)
    with BackgroundServer(ct.app) as ct_server:
        async with serve_in_loop(create_app(engine, transports=settings)) as url:
            env = {
                "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/deploy.db",
                "CTBRIDGE_CONNECTORS": "tests.engine.effects_worker:EffectsConnector",
                "CTP_PROJECT_KEY": ct.project_key,
                "CTP_CLIENT_ID": ct.client_id,
                "CTP_CLIENT_SECRET": ct.client_secret,
                "CTP_API_URL": ct_server.url,
                "CTP_AUTH_URL": ct_server.url,
                "CTBRIDGE_DESTINATION_TYPE": "EventGrid",
                "CTBRIDGE_DESTINATION_FORMAT": "CloudEvents",
                "CTBRIDGE_DESTINATION_URI": f"{url}/events",
                "CTBRIDGE_DESTINATION_ACCESS_KEY": KEY,
            }
            deployed = await asyncio.to_thread(ctbridge, "deploy", env=env)
            assert deployed.returncode == 0, deployed.stderr

            product_type = ct.create("product-types", {"name": "t", "description": ""})["id"]
            product = ct.create("products", product_draft("p1", product_type))
            ct.update("products", product["id"], [{"action": "publish"}])
            assert await asyncio.to_thread(ct.wait_for_deliveries, 20)
            [published] = ct.messages("ProductPublished")
            counters = ct.state()["delivery"]["counters"]
            assert counters["failed"] == 0 and counters["succeeded"] >= 2

            await engine.run_until_idle()
            assert [m.id for m in made["recorder"].applied] == [published["id"]]

            # A destination with another key is refused (401): the emulator keeps redelivering.
            subscription = ct.all("subscriptions")[0]
            ct.update(
                "subscriptions",
                subscription["id"],
                [
                    {
                        "action": "changeDestination",
                        "destination": {
                            "type": "EventGrid",
                            "uri": f"{url}/events",
                            "accessKey": "stolen",
                        },
                    }
                ],
            )
            ct.delivery.configure(max_attempts=2)
            ct.update("products", product["id"], [{"action": "unpublish"}, {"action": "publish"}])
            assert await asyncio.to_thread(ct.wait_for_deliveries, 20)
            assert ct.state()["delivery"]["counters"]["dropped"] >= 1
            await engine.run_until_idle()
            assert len(made["recorder"].applied) == 1
    await engine.close()
