"""The demo chapter tells its story end to end against the emulators."""

from ctbridge.commercetools.messages import to_message
from ctbridge.connectors.newstore.connector import NewStoreConnector
from ctbridge.engine.host import Engine
from ctbridge.sandbox.demo_chapter import DemoContext
from ctbridge.sandbox.stories.newstore import chapter
from ctbridge.settings import EngineSettings


async def test_the_demo_shows_stock_in_an_order_out_and_stock_following_it(world, monkeypatch):
    story = chapter()
    environment = story.start()
    try:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        engine = await Engine.open(
            EngineSettings(database_url=world.database_url, _env_file=None),
            commercetools_settings=world.ct_settings(),
            factories={"newstore": NewStoreConnector},
        )
        forwarded: set[str] = set()

        async def settle(timeout: float = 60.0) -> None:
            # Stands in for subscription delivery: hands OrderCreated messages over.
            for document in world.ct.messages("OrderCreated"):
                if document["id"] not in forwarded:
                    forwarded.add(document["id"])
                    await engine.runtime.enqueue(to_message(document))
            await engine.run_until_idle(timeout=timeout)

        try:
            result = await story.play(
                DemoContext(engine=engine, commercetools=world.ct, events_url="", settle=settle)
            )
        finally:
            await engine.close()
    finally:
        story.stop()
    assert result.ok, result.lines
    assert len(result.lines) == 4
