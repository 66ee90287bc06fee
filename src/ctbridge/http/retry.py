"""The one retry policy for calls to external systems, run by tenacity.

tenacity rather than stamina (both are kept libraries and installable): a call's wait depends on
the failure it got (the target's Retry-After) and a long wait must end the retries so that the
worker schedules the attempt durably; tenacity takes both as plain callables over the attempt
state (`wait`, then `stop` reading `upcoming_sleep`), and takes the `sleep` function per policy, so
tests observe the waits without sleeping. stamina wraps tenacity with fixed backoff settings and a
process-wide testing switch, which would fit neither.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from ctbridge.errors import Retryable
from ctbridge.http.outcomes import UNAVAILABLE_STATUSES

log = structlog.get_logger("ctbridge.http")

T = TypeVar("T")


class Resend(Exception):
    """Raised by one attempt when the request may be sent again; `error` is what the caller gets
    (a Retryable, with `retry_after` when the target said how long to wait) if it is not.
    `waited_elsewhere`: the wait is kept by a shared limiter, so the resend does not sleep."""

    def __init__(self, error: Exception, *, waited_elsewhere: bool = False) -> None:
        super().__init__(str(error))
        self.error = error
        self.waited_elsewhere = waited_elsewhere


class OutageRide(Protocol):
    """A job riding out an outage: it retries past the policy's bounds up to its own tolerance."""

    def wait(self, attempt: int, error: Exception) -> float:
        """Seconds before attempt `attempt + 1`; raises the job's outage error past tolerance."""
        ...

    def recovered(self) -> None: ...


@dataclass
class ResendPolicy:
    """Bounded attempts with exponential backoff and full jitter.

    `max_retries` is the number of retries after the first attempt. A Retry-After longer than
    `max_retry_after` is not waited out in-process: the error goes to the caller (the worker
    schedules the message durably instead of holding a connection and a task). An idempotent
    request answered with one of `resend_statuses` is resent; 429 always is (refused unread).
    """

    max_retries: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    resend_statuses: frozenset[int] = UNAVAILABLE_STATUSES

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

    async def run(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        target: str,
        ride: OutageRide | None = None,
    ) -> T:
        """Runs `attempt` until it returns, resending while it raises `Resend` and the policy (or
        the outage `ride`) allows; then raises the last `Resend.error`."""
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Resend),
            wait=self._ride_wait(ride) if ride is not None else self._wait,
            stop=_stop_on_infinite_wait,
            sleep=self.sleep,
            before_sleep=_logger(target),
            reraise=True,
        )
        try:
            result = await retrying(attempt)
        except Resend as resend:
            raise resend.error from resend.__cause__
        if ride is not None:
            ride.recovered()
        return result

    def _wait(self, state: RetryCallState) -> float:
        wait = self.wait_for(state.attempt_number - 1, _retry_after(state))
        if wait is None:
            return math.inf
        resend = state.outcome.exception() if state.outcome else None
        return 0.0 if isinstance(resend, Resend) and resend.waited_elsewhere else wait

    def _ride_wait(self, ride: OutageRide) -> Callable[[RetryCallState], float]:
        def wait(state: RetryCallState) -> float:
            return ride.wait(state.attempt_number, _failure(state))

        return wait


async def ride_out(attempt: Callable[[], Awaitable[T]], ride: OutageRide, *, target: str) -> T:
    """Runs a whole operation (not one request) until it returns, running it again after every
    Retryable failure for as long as `ride` allows: its `wait` raises past its tolerance."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(Retryable),
        wait=lambda state: ride.wait(state.attempt_number, _failure(state)),
        sleep=asyncio.sleep,
        before_sleep=_logger(target),
        reraise=True,
    )
    result = await retrying(attempt)
    ride.recovered()
    return result


def _failure(state: RetryCallState) -> Exception:
    assert state.outcome is not None
    error = state.outcome.exception()
    return error.error if isinstance(error, Resend) else error  # type: ignore[return-value]


def _retry_after(state: RetryCallState) -> float | None:
    return getattr(_failure(state), "retry_after", None)


def _stop_on_infinite_wait(state: RetryCallState) -> bool:
    """tenacity computes the wait before asking whether to stop: an infinite wait means the
    policy gave up (attempts spent, or a Retry-After the worker should wait out instead)."""
    return math.isinf(state.upcoming_sleep)


def _logger(target: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        log.warning(
            "http.retry",
            target=target,
            problem=str(_failure(state)),
            retry=state.attempt_number,
            wait_seconds=round(state.upcoming_sleep, 3),
        )

    return before_sleep
