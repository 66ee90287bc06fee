"""The Fluent bench's reference strategy does what the reference connector does: one call at a
time, 300 ms apart, 2 products per commercetools page, standard product then its variants."""

import asyncio

from bench.fluent_ingest import seed
from bench.fluent_reference import MIN_TIME_SECONDS, reference_ingest

from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.fluent import FluentEmulator
from ctbridge.sandbox.server import BackgroundServer


def test_the_reference_strategy_sends_one_call_at_a_time_300_ms_apart():
    ct = CommercetoolsEmulator()
    fluent = FluentEmulator(latency_ms=5)
    assert fluent.faults.plan.latency_ms == 5
    with BackgroundServer(ct.app) as ct_server, BackgroundServer(fluent.app) as fluent_server:
        seed(ct, 3)
        result = asyncio.run(
            reference_ingest(
                ct_url=ct_server.url,
                ct_project=ct.project_key,
                ct_credentials=(ct.client_id, ct.client_secret),
                fluent_url=fluent_server.url,
                fluent_form={
                    "client_id": fluent.client_id,
                    "client_secret": fluent.client_secret,
                    "username": fluent.username,
                    "password": fluent.password,
                    "grant_type": "password",
                    "scope": "api",
                },
                catalogue_ref="PC:MASTER:1",
                retailer_id="1",
                max_products=3,
            )
        )
        fluent.wait_for_events(10)
    assert (result["products"], result["fluent_calls"], result["ct_calls"]) == (3, 13, 2)
    assert (fluent.requests["event/sync"], fluent.requests["event/async"]) == (3, 9)
    # 13 Fluent calls, each started at least 300 ms after the one before.
    assert result["seconds"] >= 12 * MIN_TIME_SECONDS
    assert sorted(p["ref"] for p in fluent.entities("PRODUCT") if p["type"] == "STANDARD") == [
        "p-0",
        "p-1",
        "p-2",
    ]
