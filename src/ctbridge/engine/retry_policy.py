"""When to try a failed task again: exponential backoff with jitter, capped, or as the target asked."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 2.0
    max_seconds: float = 900.0

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based).

        Half the exponential step is fixed and half random ("equal jitter"), so retries spread
        out without ever coming back immediately. A target's Retry-After is honoured as given
        (capped at `max_seconds`).
        """
        if retry_after is not None and retry_after > 0:
            return min(self.max_seconds, retry_after)
        step = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        return step / 2 + (rng or random).uniform(0, step / 2)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
