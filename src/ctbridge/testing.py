"""pytest fixtures for projects building on ctbridge: `pytest_plugins = ["ctbridge.testing"]`.

- `commercetools_emulator`: a running commercetools emulator (`.emulator`, `.url`, `.settings`).
- `ctbridge_engine_factory`: opens engines on a SQLite file in the test's tmp_path and closes
  them after the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from ctbridge.engine.connector import ConnectorFactory
from ctbridge.engine.host import Engine
from ctbridge.settings import CommercetoolsSettings, EngineSettings

if TYPE_CHECKING:  # the sandbox is imported when a fixture runs: the product runs without it
    from ctbridge.sandbox.commercetools import CommercetoolsEmulator


@dataclass
class RunningEmulator:
    emulator: CommercetoolsEmulator
    url: str

    @property
    def settings(self) -> CommercetoolsSettings:
        from ctbridge.sandbox.stack import CLIENT_ID, CLIENT_SECRET, PROJECT_KEY

        return CommercetoolsSettings(
            project_key=PROJECT_KEY,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            api_url=self.url,
            auth_url=self.url,
        )


@pytest.fixture
def commercetools_emulator() -> Iterator[RunningEmulator]:
    from ctbridge.sandbox.commercetools import CommercetoolsEmulator
    from ctbridge.sandbox.server import BackgroundServer
    from ctbridge.sandbox.stack import CLIENT_ID, CLIENT_SECRET, PROJECT_KEY

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
