"""The long-running worker: a slow handler holds up nothing else, and its lease is kept alive."""

from __future__ import annotations

import asyncio

from tests.engine.recording import open_engine, product_message


async def test_a_slow_handler_does_not_hold_up_the_others(sqlite_url):
    engine, made = await open_engine(sqlite_url, worker_concurrency=4, poll_seconds=0.02)
    recorder = made["recorder"]
    finished: list[str] = []
    release = asyncio.Event()
    original = recorder.handle

    async def handle(message):
        if message.id == "slow":
            await release.wait()
        await original(message)
        finished.append(message.id)

    recorder.handle = handle  # type: ignore[method-assign]
    engine.registry.invalidate()
    await engine.runtime.enqueue(product_message("slow", product_id="p-slow"))
    for i in range(20):
        await engine.runtime.enqueue(product_message(f"fast-{i}", product_id=f"p{i}"))
    stop = asyncio.Event()
    worker = asyncio.create_task(engine.worker.run(stop))
    try:
        for _ in range(250):
            if len(finished) == 20:
                break
            await asyncio.sleep(0.02)
        assert sorted(finished) == sorted(f"fast-{i}" for i in range(20))
        release.set()
        stop.set()
        await asyncio.wait_for(worker, 10)
        assert finished[-1] == "slow"
        assert (await engine.worker.queue.next_pending_due()) is None  # all recorded as done
    finally:
        release.set()
        stop.set()
        await asyncio.gather(worker, return_exceptions=True)
        await engine.close()


async def test_a_handler_running_longer_than_its_lease_is_not_run_twice(database_url):
    first, made_first = await open_engine(database_url, lease_seconds=0.3)
    second, made_second = await open_engine(database_url, lease_seconds=0.3)
    release = asyncio.Event()
    original = made_first["recorder"].handle

    async def slow(message):
        await asyncio.wait_for(release.wait(), 5)
        return await original(message)

    made_first["recorder"].handle = slow  # type: ignore[method-assign]
    first.registry.invalidate()
    try:
        await first.runtime.enqueue(product_message("long"))
        stop = asyncio.Event()
        working = asyncio.create_task(first.worker.run(stop))
        for _ in range(100):
            if made_first["recorder"].attempts["long"]:
                break
            await asyncio.sleep(0.02)
        for _ in range(10):  # 1.5 s: five lease lengths of another worker trying to reclaim
            second.worker._last_reclaim = 0
            await second.worker.run_once()
            await asyncio.sleep(0.15)
        release.set()
        stop.set()
        await asyncio.wait_for(working, 10)
        assert made_first["recorder"].attempts["long"] == 1
        assert made_second["recorder"].attempts["long"] == 0
        assert [m.id for m in made_first["recorder"].applied] == ["long"]
    finally:
        release.set()
        await first.close()
        await second.close()
