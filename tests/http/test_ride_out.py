"""A job riding out an outage: a whole operation runs again after Retryable failures, up to the
ride's tolerance; a Permanent failure ends it at once."""

from __future__ import annotations

import pytest
from tests.http.rides import Ride

from ctbridge.errors import Permanent, Retryable
from ctbridge.http.retry import ride_out


def failing(times: int, error: Exception):
    calls: list[int] = []

    async def operation() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "done"

    return operation, calls


async def test_an_operation_runs_again_until_it_passes():
    operation, calls = failing(3, Retryable("503"))
    ride = Ride(tolerance=10)
    assert await ride_out(operation, ride, target="t") == "done"
    assert (len(calls), ride.waits, ride.recovered_calls) == (4, [1, 2, 3], 1)


async def test_the_ride_ends_at_its_tolerance():
    operation, calls = failing(10, Retryable("503"))
    with pytest.raises(Retryable, match="down too long"):
        await ride_out(operation, Ride(tolerance=2), target="t")
    assert len(calls) == 2


async def test_a_permanent_failure_is_not_ridden_out():
    operation, calls = failing(1, Permanent("400"))
    ride = Ride(tolerance=10)
    with pytest.raises(Permanent):
        await ride_out(operation, ride, target="t")
    assert (len(calls), ride.waits, ride.recovered_calls) == (1, [], 0)
