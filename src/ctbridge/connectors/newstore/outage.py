"""Riding out a NewStore outage in a job: how long NewStore was down, and how long to wait on.

A job wraps its work in `riding_out(OutageWatch(tolerance))`; every NewStore call made in that
context (and in the tasks it starts) then keeps backing off and retrying a transient failure
(transport, 5xx, 429, a 403 after a fresh token) until NewStore has been unavailable for
`tolerance` seconds, instead of giving up after `max_retries`. Calls outside it (order injection,
whose retries the engine schedules) are unaffected.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

MAX_DELAY_SECONDS = 30.0


@dataclass
class OutageWatch:
    """Unavailability as wall-clock time: from the first failure to the next success, once
    however many calls fail together."""

    tolerance_seconds: float
    unavailable_seconds: float = 0.0
    _down_since: float | None = None

    def failed(self) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()

    def recovered(self) -> None:
        if self._down_since is not None:
            self.unavailable_seconds += time.monotonic() - self._down_since
            self._down_since = None

    def down_for(self) -> float:
        return 0.0 if self._down_since is None else time.monotonic() - self._down_since

    def total_seconds(self) -> float:
        return self.unavailable_seconds + self.down_for()

    def exhausted(self) -> bool:
        return self.down_for() >= self.tolerance_seconds

    def delay(self, wanted: float) -> float:
        """`wanted` capped so the wait neither exceeds 30 s nor outlasts the tolerance."""
        left = max(0.0, self.tolerance_seconds - self.down_for())
        return min(wanted, MAX_DELAY_SECONDS, left)


_WATCH: ContextVar[OutageWatch | None] = ContextVar("newstore_outage_watch", default=None)


def current_watch() -> OutageWatch | None:
    return _WATCH.get()


@contextmanager
def riding_out(watch: OutageWatch) -> Iterator[OutageWatch]:
    token = _WATCH.set(watch if watch.tolerance_seconds > 0 else None)
    try:
        yield watch
    finally:
        _WATCH.reset(token)
