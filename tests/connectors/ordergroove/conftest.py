"""Emulators and an engine for the Ordergroove integration tests (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from functools import partial

import pytest

from ctbridge.connectors.ordergroove.config import OrdergrooveSettings
from ctbridge.connectors.ordergroove.connector import OrdergrooveConnector
from ctbridge.host import Engine
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.ordergroove import OrdergrooveEmulator
from ctbridge.sandbox.server import BackgroundServer
from ctbridge.settings import CommercetoolsSettings, EngineSettings

OG_KEY = "og-integration-key"


@pytest.fixture
def ct():
    emu = CommercetoolsEmulator()
    with BackgroundServer(emu.app) as server:
        emu.url = server.url
        yield emu


@pytest.fixture
def og():
    emu = OrdergrooveEmulator(OG_KEY, rate_limit=None)
    with BackgroundServer(emu.app) as server:
        emu.url = server.url
        yield emu


@pytest.fixture
def og_settings(og):
    return OrdergrooveSettings(
        ctp_language_code="en-US",
        ctp_currency_code="EUR",
        product_store_url="https://shop.example/p/[SLUG]",
        og_api_url=og.url,
        og_api_key=OG_KEY,
        og_rate_limit_per_minute=60_000,
        og_max_in_flight=1,
        og_timeout_seconds=3.0,
    )


@pytest.fixture
def engine_settings(tmp_path):
    return EngineSettings(
        database_url=f"sqlite:///{tmp_path}/ctbridge.db",
        worker_concurrency=128,
        worker_batch=256,
        retry_base_seconds=0.05,
        retry_max_seconds=0.2,
        max_attempts=3,
        poll_seconds=0.05,
        admin_password="admin-secret",
    )


@pytest.fixture
def open_engine(ct, engine_settings):
    """Opens an engine with the Ordergroove connector built from the given settings."""
    opened: list[Engine] = []

    async def factory(settings: OrdergrooveSettings) -> Engine:
        engine = await Engine.open(
            engine_settings,
            commercetools_settings=CommercetoolsSettings(
                project_key=ct.project_key,
                client_id=ct.client_id,
                client_secret=ct.client_secret,
                api_url=ct.url,
                auth_url=ct.url,
            ),
            factories={"ordergroove": partial(OrdergrooveConnector, settings=settings)},
        )
        opened.append(engine)
        return engine

    yield factory


@pytest.fixture
async def engine(open_engine, og_settings):
    engine = await open_engine(og_settings)
    yield engine
    await engine.close()
