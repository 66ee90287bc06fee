"""Riding out a Fluent outage in a job: retry failing calls up to a tolerance, measure the gap."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ctbridge.connectors.fluent.client.errors import FluentRetryable
from ctbridge.engine.report import RunReport

DEFAULT_TOLERANCE_SECONDS = 900.0
MAX_BACKOFF_SECONDS = 5.0


class FluentOutage(FluentRetryable):
    """Fluent stayed unavailable longer than the job's tolerance: the run fails, its checkpoint
    kept, and a later run (or the scheduler's retry) resumes from it."""


@dataclass
class OutageWindow:
    """One job run's view of Fluent's availability, shared by all its concurrent calls.

    An outage starts at the first failing call and ends at the next call that succeeds; calls
    failing meanwhile belong to the same outage, so concurrency does not multiply the time.
    """

    tolerance: float = DEFAULT_TOLERANCE_SECONDS
    clock: Callable[[], float] = time.monotonic
    down_since: float | None = None
    closed_seconds: float = 0.0
    outages: int = 0
    failed_calls: int = 0

    def failed(self) -> float:
        """Records a failing call; returns how long Fluent has been down in this outage."""
        now = self.clock()
        self.failed_calls += 1
        if self.down_since is None:
            self.down_since = now
            self.outages += 1
        return now - self.down_since

    def succeeded(self) -> None:
        if self.down_since is not None:
            self.closed_seconds += self.clock() - self.down_since
            self.down_since = None

    def exceeded(self, down_for: float) -> bool:
        return down_for >= self.tolerance

    def unavailable_seconds(self) -> float:
        """Time Fluent was unavailable during the run, an outage still open included."""
        ongoing = self.clock() - self.down_since if self.down_since is not None else 0.0
        return self.closed_seconds + ongoing


_WINDOW: ContextVar[OutageWindow | None] = ContextVar("fluent_outage_window", default=None)


def current_window() -> OutageWindow | None:
    return _WINDOW.get()


@contextmanager
def riding_out(window: OutageWindow) -> Iterator[OutageWindow]:
    """Calls made inside (tasks started inside inherit it) ride out outages up to the window's
    tolerance; calls elsewhere (the event path, whose engine retries) keep the short retries."""
    token = _WINDOW.set(window)
    try:
        yield window
    finally:
        _WINDOW.reset(token)


def report_outage(report: RunReport, window: OutageWindow) -> None:
    """What the run's report says about Fluent's availability (nothing when it never failed)."""
    if not window.outages:
        return
    seconds = window.unavailable_seconds()
    report.count("fluent_outages", window.outages)
    report.count("fluent_failed_calls", window.failed_calls)
    report.count("fluent_unavailable_seconds", math.ceil(seconds))
    report.item(
        "fluent_unavailable",
        "fluent",
        f"Fluent unavailable for {seconds:.1f} s over {window.outages} outage(s), "
        f"{window.failed_calls} failed call(s); tolerance {window.tolerance:.0f} s",
    )


def backoff(attempt: int) -> float:
    """0.2 s doubling to 5 s: a few calls a second while Fluent is down, not a hammering."""
    return min(0.2 * 2 ** min(attempt, 10), MAX_BACKOFF_SECONDS)
