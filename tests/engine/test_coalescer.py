"""The coalescer batches items into bulk calls and routes each result to its submitter."""

from __future__ import annotations

import asyncio
import math
import random
import threading

import pytest

from ctbridge.engine.coalescer import Coalescer


async def test_a_burst_becomes_calls_of_at_most_max_items():
    calls: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        calls.append(items)
        return [item * 2 for item in items]

    coalescer = Coalescer(flush, max_items=100, max_wait_seconds=0.05)
    results = await asyncio.gather(*(coalescer.submit(i) for i in range(1000)))
    assert results == [i * 2 for i in range(1000)]
    assert len(calls) == 10
    assert all(len(call) == 100 for call in calls)


async def test_a_lone_item_is_flushed_after_the_wait():
    async def flush(items: list[str]) -> list[str]:
        return [item.upper() for item in items]

    coalescer = Coalescer(flush, max_items=100, max_wait_seconds=0.01)
    assert await asyncio.wait_for(coalescer.submit("a"), 2) == "A"


async def test_a_per_item_error_reaches_only_its_submitter():
    async def flush(items: list[int]) -> list[object]:
        return [ValueError(f"bad {item}") if item == 2 else item for item in items]

    coalescer = Coalescer(flush, max_items=3, max_wait_seconds=0.01)
    results = await asyncio.gather(*(coalescer.submit(i) for i in range(3)), return_exceptions=True)
    assert results[0] == 0 and results[1] == 1
    assert isinstance(results[2], ValueError)


async def test_a_failed_flush_reaches_every_submitter_of_the_batch():
    async def flush(items: list[int]) -> list[int]:
        raise ConnectionError("target down")

    coalescer = Coalescer(flush, max_items=2, max_wait_seconds=0.01)
    results = await asyncio.gather(*(coalescer.submit(i) for i in range(4)), return_exceptions=True)
    assert all(isinstance(result, ConnectionError) for result in results)


async def test_a_flush_returning_the_wrong_number_of_results_is_an_error():
    async def flush(items: list[int]) -> list[int]:
        return items[:-1]

    coalescer = Coalescer(flush, max_items=2, max_wait_seconds=0.01)
    with pytest.raises(RuntimeError, match="results"):
        await asyncio.gather(coalescer.submit(1), coalescer.submit(2))


async def test_flushes_never_overlap():
    active = 0
    peak = 0

    async def flush(items: list[int]) -> list[int]:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01)
        active -= 1
        return items

    coalescer = Coalescer(flush, max_items=5, max_wait_seconds=0.001)
    await asyncio.gather(*(coalescer.submit(i) for i in range(50)))
    assert peak == 1


async def closed_loop(coalescer: Coalescer, total: int, concurrency: int, turnaround) -> None:
    """Submitters as the worker runs them: `concurrency` at once, each taking `turnaround()`
    seconds to hand on its next item once its result came back."""
    remaining = iter(range(total))

    async def submitter() -> None:
        for item in remaining:
            await coalescer.submit(item)
            await asyncio.sleep(turnaround())

    await asyncio.gather(*(submitter() for _ in range(concurrency)))


def busy_thread(stop: threading.Event) -> threading.Thread:
    """Pure-Python work in another thread: the event loop only gets the GIL now and then."""

    def spin() -> None:
        while not stop.is_set():
            sum(i * i for i in range(10_000))

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("loaded", [False, True])
@pytest.mark.parametrize(("total", "turnaround"), [(250, 0.01), (250, 0.12), (1000, 0.12)])
async def test_a_burst_costs_one_flush_per_max_items_plus_one_at_most_with_a_slow_flush(
    total, turnaround, loaded
):
    sizes: list[int] = []

    async def slow_flush(items: list[int]) -> list[int]:
        sizes.append(len(items))
        await asyncio.sleep(0.2)
        return items

    coalescer = Coalescer(slow_flush, max_items=100, max_wait_seconds=0.05)
    rng = random.Random(total)
    stop = threading.Event()
    thread = busy_thread(stop) if loaded else None
    try:
        await closed_loop(coalescer, total, 128, lambda: rng.uniform(0, turnaround))
    finally:
        stop.set()
        if thread is not None:
            thread.join()
    assert sum(sizes) == total
    assert len(sizes) <= math.ceil(total / 100) + 1, sizes


async def test_items_arriving_during_a_flush_join_the_next_batch_not_their_own():
    sizes: list[int] = []
    release = asyncio.Event()
    in_flight = asyncio.Event()

    async def held_flush(items: list[int]) -> list[int]:
        sizes.append(len(items))
        if len(sizes) == 1:
            in_flight.set()
            await release.wait()
        return items

    coalescer = Coalescer(held_flush, max_items=100, max_wait_seconds=0.01)
    first = asyncio.ensure_future(coalescer.submit(-1))
    await asyncio.wait_for(in_flight.wait(), 10)
    later = [asyncio.ensure_future(coalescer.submit(i)) for i in range(150)]
    await asyncio.sleep(0.1)  # far past the idle gap: still nothing may be sent meanwhile
    assert sizes == [1]
    release.set()
    await asyncio.gather(first, *later)
    assert sizes == [1, 100, 50]


async def test_a_lone_item_is_not_held_until_the_deadline():
    async def flush(items: list[str]) -> list[str]:
        return items

    coalescer = Coalescer(flush, max_items=100, max_wait_seconds=0.01, deadline_seconds=60)
    assert await asyncio.wait_for(coalescer.submit("a"), 10) == "a"
