"""The pytest fixtures in tests/support/engine_fixtures.py open what they promise and clean up."""

from __future__ import annotations

from ctbridge.engine.message import Message
from ctbridge.sandbox.stack import PROJECT_KEY
from tests.engine.recording import RecordingConnector


async def test_the_engine_factory_opens_an_engine_that_reaches_the_emulator(
    ctbridge_engine_factory, commercetools_emulator
):
    engine = await ctbridge_engine_factory(
        {"recorder": RecordingConnector}, commercetools_emulator.settings, max_attempts=3
    )
    assert engine.settings.max_attempts == 3
    project = await engine.runtime.commercetools.project()
    assert project["key"] == PROJECT_KEY
    message = Message(id="m-1", type="ProductPublished", resource_type="product", resource_id="p-1")
    assert await engine.runtime.enqueue(message)
    assert await engine.run_until_idle() == 1
    assert [m.id for m in engine.connectors["recorder"].applied] == ["m-1"]
