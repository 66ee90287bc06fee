"""Per-resource exclusivity: while a task of (connector, resource) runs, no other task of that
resource is claimed, older or newer; the stale check runs at claim time against what was applied."""

from __future__ import annotations

from ctbridge.engine.inbox import Inbox
from tests.engine.recording import open_engine, product_message


async def test_an_older_message_arriving_while_a_newer_one_runs_waits_and_is_then_stale(
    database_url,
):
    engine, made = await open_engine(database_url)
    try:
        await engine.runtime.enqueue(product_message("newer", sequence=5))
        running = await engine.worker.queue.claim(10)
        assert [task.message.id for task in running] == ["newer"]
        await engine.runtime.enqueue(product_message("older", sequence=3))
        assert await engine.worker.queue.claim(10) == []  # the newer one is still running
        await engine.worker.complete([await engine.worker._process(task) for task in running])
        assert await engine.worker.queue.claim(10) == []  # now claimed, and found stale
        assert [m.id for m in made["recorder"].applied] == ["newer"]
        counts = await Inbox(engine.store).task_counts()
        assert counts[("recorder", "stale")] == 1 and counts[("recorder", "done")] == 1
    finally:
        await engine.close()


async def test_a_newer_message_waits_while_an_older_one_runs(database_url):
    engine, made = await open_engine(database_url)
    try:
        await engine.runtime.enqueue(product_message("older", sequence=3))
        running = await engine.worker.queue.claim(10)
        await engine.runtime.enqueue(product_message("newer", sequence=5))
        assert await engine.worker.queue.claim(10) == []
        await engine.worker.complete([await engine.worker._process(task) for task in running])
        claimed = await engine.worker.queue.claim(10)
        assert [task.message.id for task in claimed] == ["newer"]
    finally:
        await engine.close()


async def test_other_resources_are_claimed_while_one_resource_runs(database_url):
    engine, _ = await open_engine(database_url)
    try:
        await engine.runtime.enqueue(product_message("a5", product_id="a", sequence=5))
        assert [t.message.id for t in await engine.worker.queue.claim(10)] == ["a5"]
        await engine.runtime.enqueue(product_message("a3", product_id="a", sequence=3))
        await engine.runtime.enqueue(product_message("b1", product_id="b", sequence=1))
        assert [t.message.id for t in await engine.worker.queue.claim(10)] == ["b1"]
    finally:
        await engine.close()
