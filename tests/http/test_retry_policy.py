"""The one retry policy: bounded attempts, full-jitter backoff, Retry-After limits."""

from __future__ import annotations

import random

import httpx
import pytest

from ctbridge.http.outcomes import may_resend
from ctbridge.http.retry import ResendPolicy


def policy() -> ResendPolicy:
    return ResendPolicy(
        max_retries=4, base_delay=0.5, max_delay=4.0, max_retry_after=30.0, rng=random.Random(7)
    )


@pytest.mark.parametrize(("retry", "ceiling"), [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0)])
def test_backoff_is_full_jitter_below_an_exponential_ceiling(retry, ceiling):
    waits = [policy().backoff(retry) for _ in range(50)]
    rng_policy = ResendPolicy(base_delay=0.5, max_delay=4.0, rng=random.Random(1))

    assert all(0.0 <= w <= ceiling for w in waits)
    assert len({rng_policy.backoff(retry) for _ in range(20)}) > 1


def test_backoff_never_exceeds_the_maximum_delay():
    assert all(policy().backoff(30) <= 4.0 for _ in range(50))


@pytest.mark.parametrize(
    ("retry", "retry_after", "expected"),
    [
        (0, 2.0, 2.0),  # the server's wait wins over backoff
        (3, 0.0, 0.0),
        (0, 31.0, None),  # longer than the cap: the caller schedules it
        (4, None, None),  # attempts exhausted
        (4, 1.0, None),
    ],
)
def test_wait_for_honours_retry_after_within_bounds(retry, retry_after, expected):
    assert policy().wait_for(retry, retry_after) == expected


@pytest.mark.parametrize(
    ("error", "idempotent", "allowed"),
    [
        (httpx.ConnectError("refused"), False, True),
        (httpx.ConnectTimeout("slow connect"), False, True),
        (httpx.PoolTimeout("pool"), False, True),
        (httpx.ReadTimeout("slow answer"), False, False),
        (httpx.WriteTimeout("slow send"), False, False),
        (httpx.RemoteProtocolError("disconnected"), False, False),
        (httpx.ReadTimeout("slow answer"), True, True),
        (httpx.RemoteProtocolError("disconnected"), True, True),
    ],
)
def test_only_unsent_or_idempotent_requests_are_resent(error, idempotent, allowed):
    assert may_resend(error, idempotent=idempotent) is allowed
