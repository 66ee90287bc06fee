"""Rides out an Ordergroove outage during a load: retry with backoff up to a tolerance, and time it."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ctbridge.connectors.ordergroove.client import OrdergrooveUnavailable
from ctbridge.errors import Retryable

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
        self._since: float | None = None

    @property
    def ongoing_seconds(self) -> float:
        return 0.0 if self._since is None else self.clock() - self._since

    async def call(self, send: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            started = self.clock()
            try:
                result = await send()
            except Retryable as error:
                self.failed_calls += 1
                now = self.clock()
                if self._since is None:
                    # The client retried in place before giving up: the outage began when this
                    # call was first tried, not when its last retry failed.
                    self._since = started
                    self.outages += 1
                down = now - self._since
                if down >= self.tolerance:
                    raise OrdergrooveOutage(
                        f"Ordergroove was unavailable for {down:.0f} s, longer than the "
                        f"{self.tolerance:.0f} s tolerated (OG_OUTAGE_TOLERANCE_SECONDS); "
                        f"last error: {error}",
                        retry_after=getattr(error, "retry_after", None),
                    ) from error
                attempt += 1
                step = min(MAX_BACKOFF_SECONDS, self.base * 2 ** (attempt - 1))
                delay = max(step / 2 + random.uniform(0, step / 2), error.retry_after or 0.0)
                await asyncio.sleep(min(delay, self.tolerance - down + 0.01))
                continue
            if self._since is not None:
                self.unavailable_seconds += self.clock() - self._since
                self._since = None
            return result

    def summary(self) -> str:
        total = self.unavailable_seconds + self.ongoing_seconds
        return (
            f"Ordergroove was unavailable for {total:.1f} s in {self.outages} outage(s); "
            f"{self.failed_calls} failed call(s) were retried"
        )
