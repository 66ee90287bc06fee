"""Rides out an Ordergroove outage during a load: retry with backoff up to a tolerance, and time it."""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ctbridge.connectors.ordergroove.client import OrdergrooveUnavailable
from ctbridge.http.retry import ride_out

T = TypeVar("T")
MAX_BACKOFF_SECONDS = 30.0


class OrdergrooveOutage(OrdergrooveUnavailable):
    """Ordergroove stayed unavailable for longer than the load tolerates; the run stops here,
    its checkpoint intact, and a later run resumes from it."""


class OutageTolerance:
    """Retries a call that failed retryably (5xx, timeouts, throttling past the client's own
    retries) with exponential backoff and jitter, as long as Ordergroove has been unavailable
    for less than `tolerance_seconds` without a single success in between.

    Shared by the calls of one load, so concurrent calls see one outage: it starts when the
    first failed call was tried and ends at the next success. `unavailable_seconds` sums the outages for the report.
    """

    def __init__(
        self,
        tolerance_seconds: float,
        *,
        base_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tolerance = tolerance_seconds
        self.base = base_seconds
        self.clock = clock
        self.unavailable_seconds = 0.0
        self.outages = 0
        self.failed_calls = 0
        self.down_since: float | None = None

    @property
    def ongoing_seconds(self) -> float:
        return 0.0 if self.down_since is None else self.clock() - self.down_since

    async def call(self, send: Callable[[], Awaitable[T]]) -> T:
        ride = _CallRide(self)

        async def attempt() -> T:
            ride.started = self.clock()
            return await send()

        return await ride_out(attempt, ride, target="ordergroove")

    def summary(self) -> str:
        total = self.unavailable_seconds + self.ongoing_seconds
        return (
            f"Ordergroove was unavailable for {total:.1f} s in {self.outages} outage(s); "
            f"{self.failed_calls} failed call(s) were retried"
        )


class _CallRide:
    """One call's view of the shared outage (`ctbridge.http.retry.OutageRide`)."""

    def __init__(self, tolerance: OutageTolerance) -> None:
        self.tolerance = tolerance
        self.started = tolerance.clock()

    def wait(self, attempt: int, error: Exception) -> float:
        shared = self.tolerance
        shared.failed_calls += 1
        now = shared.clock()
        if shared.down_since is None:
            # The client retried in place before giving up: the outage began when this call
            # was last tried, not when its last retry failed.
            shared.down_since = self.started
            shared.outages += 1
        down = now - shared.down_since
        retry_after = getattr(error, "retry_after", None)
        if down >= shared.tolerance:
            raise OrdergrooveOutage(
                f"Ordergroove was unavailable for {down:.0f} s, longer than the "
                f"{shared.tolerance:.0f} s tolerated (OG_OUTAGE_TOLERANCE_SECONDS); "
                f"last error: {error}",
                retry_after=retry_after,
            ) from error
        step = min(MAX_BACKOFF_SECONDS, shared.base * 2 ** (attempt - 1))
        delay = max(step / 2 + random.uniform(0, step / 2), retry_after or 0.0)
        return min(delay, shared.tolerance - down + 0.01)

    def recovered(self) -> None:
        shared = self.tolerance
        if shared.down_since is not None:
            shared.unavailable_seconds += shared.clock() - shared.down_since
            shared.down_since = None
