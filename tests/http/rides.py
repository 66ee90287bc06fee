"""A test outage ride: records each wait, ends the ride (raising) after `tolerance` failures."""

from __future__ import annotations

from ctbridge.errors import Retryable


class Ride:
    def __init__(self, tolerance: int, *, ends_with: type[Exception] = Retryable) -> None:
        self.tolerance = tolerance
        self.ends_with = ends_with
        self.waits: list[int] = []
        self.recovered_calls = 0

    def wait(self, attempt: int, error: Exception) -> float:
        self.waits.append(attempt)
        if len(self.waits) >= self.tolerance:
            raise self.ends_with(f"down too long: {error}")
        return 0.0

    def recovered(self) -> None:
        self.recovered_calls += 1
