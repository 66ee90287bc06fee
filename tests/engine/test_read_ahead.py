"""ReadAhead: a source read ahead of its consumer, bounded, its errors raised where they belong."""

import asyncio

import pytest

from ctbridge.engine.read_ahead import ReadAhead


async def pages(n, *, fail_after=None, read=None):
    for number in range(n):
        if fail_after is not None and number == fail_after:
            raise RuntimeError("read failed")
        if read is not None:
            read.append(number)
        yield number


async def test_every_item_arrives_in_order():
    assert [item async for item in ReadAhead(pages(5))] == [0, 1, 2, 3, 4]


async def test_reading_starts_at_once_and_stops_a_bounded_number_of_items_ahead():
    read = []
    ahead = ReadAhead(pages(10, read=read), ahead=2)
    for _ in range(20):
        await asyncio.sleep(0)
    assert read == [0, 1, 2]  # two waiting, the third read and waiting for room
    await ahead.aclose()


async def test_an_error_of_the_source_is_raised_after_the_items_before_it():
    seen = []
    with pytest.raises(RuntimeError, match="read failed"):
        async for item in ReadAhead(pages(5, fail_after=2)):
            seen.append(item)
    assert seen == [0, 1]
