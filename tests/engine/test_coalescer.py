"""The coalescer batches items into bulk calls and routes each result to its submitter."""

from __future__ import annotations

import asyncio

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
