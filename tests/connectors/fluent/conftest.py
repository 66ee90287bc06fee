"""Emulators and an engine for the Fluent integration tests (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from functools import partial

import pytest
from pydantic import SecretStr

from ctbridge.connectors.fluent.config import FluentSettings
from ctbridge.connectors.fluent.connector import FluentConnector
from ctbridge.host import Engine
from ctbridge.notifications import NotificationSettings
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.fluent import FluentEmulator
from ctbridge.sandbox.server import BackgroundServer, serve_in_loop
from ctbridge.settings import CommercetoolsSettings, EngineSettings
from ctbridge.web.app import create_app


@pytest.fixture
def ct():
    emu = CommercetoolsEmulator()
    with BackgroundServer(emu.app) as server:
        emu.url = server.url
        yield emu


@pytest.fixture
def fluent():
    emu = FluentEmulator()
    with BackgroundServer(emu.app) as server:
        emu.url = server.url
        yield emu


@pytest.fixture
def fluent_settings(fluent):
    return FluentSettings(
        fluent_client_id=fluent.client_id,
        fluent_client_secret=fluent.client_secret,
        fluent_username=fluent.username,
        fluent_password=fluent.password,
        fluent_host=fluent.url,
        fluent_catalogue_ref="PC:MASTER:1",
        fluent_retailer_id="1",
        fluent_catalog_locale="en-US",
        basic_auth_secret="s3cret:with-colon",
        fluent_cc_shipping_methods="pickup-in-store",
        fluent_timeout_seconds=3.0,
        fluent_page_size=7,
    )


@pytest.fixture
def engine_settings(tmp_path):
    return EngineSettings(
        database_url=f"sqlite:///{tmp_path}/ctbridge.db",
        retry_base_seconds=0.05,
        retry_max_seconds=0.2,
        max_attempts=3,
        poll_seconds=0.05,
    )


@pytest.fixture
async def engine(ct, fluent_settings, engine_settings):
    engine = await Engine.open(
        engine_settings,
        commercetools_settings=CommercetoolsSettings(
            project_key=ct.project_key,
            client_id=ct.client_id,
            client_secret=ct.client_secret,
            api_url=ct.url,
            auth_url=ct.url,
        ),
        factories={"fluent": partial(FluentConnector, settings=fluent_settings)},
    )
    yield engine
    await engine.close()


@pytest.fixture
def inbound_settings(fluent_settings, fluent):
    """The Fluent settings plus what the Fluent → commercetools side needs."""
    return fluent_settings.model_copy(
        update={
            "fluent_webhook_public_keys": fluent.public_key_pem,
            "fluent_account_id": fluent.account_id,
            "fluent_api_token": SecretStr("t0ken"),
            "fluent_settings_cache_seconds": 0.0,
        }
    )


@pytest.fixture
async def inbound(ct, fluent, inbound_settings, engine_settings):
    """An engine with the inbound settings, its web app served on this loop, the custom types
    deployed and the emulator's webhooks pointed at ctbridge."""
    engine = await Engine.open(
        engine_settings,
        commercetools_settings=CommercetoolsSettings(
            project_key=ct.project_key,
            client_id=ct.client_id,
            client_secret=ct.client_secret,
            api_url=ct.url,
            auth_url=ct.url,
        ),
        factories={
            "fluent": partial(
                FluentConnector, settings=inbound_settings, notifications=NotificationSettings()
            )
        },
    )
    await engine.connectors["fluent"].deploy()
    async with serve_in_loop(create_app(engine)) as url:
        fluent.webhooks.url = f"{url}/webhooks/fluent"
        engine.url = url
        yield engine
    await engine.close()
