"""pytest fixtures for tests of connectors built on ctbridge; they live with the tests (pytest is no
runtime dependency of ctbridge). Use: `pytest_plugins = ["tests.support.engine_fixtures"]` in a
root conftest, or import the fixtures into a test module.

- `commercetools_emulator`: a running commercetools emulator (`.emulator`, `.url`, `.settings`).
- `ctbridge_engine_factory`: opens engines on a SQLite file in the test's tmp_path and closes
  them after the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass

import pytest

from ctbridge.engine.connector import ConnectorFactory
from ctbridge.host import Engine
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer
from ctbridge.sandbox.stack import CLIENT_ID, CLIENT_SECRET, PROJECT_KEY
from ctbridge.settings import CommercetoolsSettings, EngineSettings


@dataclass
class RunningEmulator:
    emulator: CommercetoolsEmulator
    url: str

    @property
    def settings(self) -> CommercetoolsSettings:
        return CommercetoolsSettings(
            project_key=PROJECT_KEY,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            api_url=self.url,
            auth_url=self.url,
        )


@pytest.fixture
def commercetools_emulator() -> Iterator[RunningEmulator]:
    emulator = CommercetoolsEmulator(PROJECT_KEY, CLIENT_ID, CLIENT_SECRET)
    with BackgroundServer(emulator.app) as server:
        yield RunningEmulator(emulator, server.url)


@pytest.fixture
async def ctbridge_engine_factory(tmp_path) -> AsyncIterator[object]:
    opened: list[Engine] = []

    async def open_engine(
        factories: Mapping[str, ConnectorFactory],
        commercetools_settings: CommercetoolsSettings | None = None,
        **settings: object,
    ) -> Engine:
        engine = await Engine.open(
            EngineSettings(
                database_url=f"sqlite:///{tmp_path}/ctbridge-{len(opened)}.db", **settings
            ),
            commercetools_settings=commercetools_settings,
            factories=factories,
        )
        opened.append(engine)
        return engine

    yield open_engine
    for engine in opened:
        await engine.close()
