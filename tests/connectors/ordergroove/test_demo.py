"""The demo chapter tells its story end to end against the emulators."""

from ctbridge.commercetools.messages import to_message
from ctbridge.connectors.ordergroove.config import OrdergrooveSettings
from ctbridge.sandbox.demo_chapter import DemoContext
from ctbridge.sandbox.stories.ordergroove import chapter


async def test_demo_chapter_shows_load_price_change_and_sell_out(ct, open_engine):
    story = chapter()
    environment = story.start()
    try:
        settings = OrdergrooveSettings(**{k.lower(): v for k, v in environment.items()})
        engine = await open_engine(settings)
        handled = set(engine.registry.message_types("ordergroove"))
        forwarded: set[str] = set()

        async def settle(timeout: float = 20.0) -> None:
            # Stands in for subscription delivery: hands new messages of handled types over.
            for document in ct.messages():
                if document["type"] in handled and document["id"] not in forwarded:
                    forwarded.add(document["id"])
                    await engine.runtime.enqueue(to_message(document))
            await engine.run_until_idle(timeout=timeout)

        try:
            result = await story.play(
                DemoContext(engine=engine, commercetools=ct, events_url="", settle=settle)
            )
        finally:
            await engine.close()
    finally:
        story.stop()
    assert result.ok, result.lines
    observed = dict(result.lines)
    assert "→ 19.99" in observed["price of OG-DEMO-1 changed to 19.99 EUR and published"]
