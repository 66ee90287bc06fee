"""When the commercetools client may send a request again, and how long it waits first."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import httpx

# Statuses that mean "the platform could not serve this now"; 500 is not among them because a
# 500 is usually a bug the same request will hit again (the worker still retries it later).
RETRY_STATUSES = frozenset({502, 503, 504})

# Failures where httpx never put the request on the wire: always safe to send again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class RetryPolicy:
    """Bounded attempts with exponential backoff and full jitter.

    `max_retries` is the number of retries after the first attempt. A Retry-After longer than
    `max_retry_after` is not waited out in-process: the error goes to the caller (the worker
    schedules the message durably instead of holding a connection and a task).
    """

    max_retries: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, retry: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**retry)]."""
        return self.rng.uniform(0.0, min(self.max_delay, self.base_delay * (2**retry)))

    def wait_for(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds to sleep before `retry` (0-based), or None when the caller should give up."""
        if retry >= self.max_retries:
            return None
        if retry_after is None:
            return self.backoff(retry)
        if retry_after > self.max_retry_after:
            return None
        return retry_after


def may_resend(error: httpx.TransportError, *, idempotent: bool) -> bool:
    """A request that may have reached the server is only resent when replaying it is harmless."""
    return idempotent or isinstance(error, NOT_SENT)
