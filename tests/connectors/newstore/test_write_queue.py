"""WriteQueue: writes start while the caller is still finding them, bounded, and fail loudly."""

import asyncio

import pytest

from ctbridge.connectors.newstore.write_queue import WriteQueue


async def test_every_queued_write_is_done_with_at_most_the_given_number_at_once():
    running, most, done = 0, 0, []

    async def write(n):
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        running -= 1
        done.append(n)

    async with WriteQueue(3) as writes:
        for n in range(20):
            await writes.put(lambda n=n: write(n))
    assert sorted(done) == list(range(20))
    assert most == 3


async def test_writes_start_before_the_caller_has_found_them_all():
    started = asyncio.Event()

    async def write():
        started.set()

    async with WriteQueue(2) as writes:
        await writes.put(write)
        await asyncio.wait_for(started.wait(), 5)


async def test_a_write_that_raises_fails_the_caller_and_the_queue_never_blocks_it():
    async def broken():
        raise RuntimeError("bug")

    async def fine():
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="bug"):
        async with WriteQueue(1, capacity=1) as writes:
            await writes.put(broken)
            for _ in range(10):
                await writes.put(fine)


async def test_an_error_of_the_caller_stops_the_writers():
    blocked = asyncio.Event()

    async def forever():
        blocked.set()
        await asyncio.Event().wait()

    with pytest.raises(ValueError):
        async with WriteQueue(2) as writes:
            await writes.put(forever)
            await blocked.wait()
            raise ValueError("the read failed")
