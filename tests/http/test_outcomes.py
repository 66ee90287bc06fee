"""The one mapping from HTTP outcomes to resend / Retryable / Permanent, and Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from ctbridge.http.outcomes import (
    Outcome,
    is_retryable,
    may_resend,
    may_resend_status,
    outcome_of,
)
from ctbridge.http.retry_after import parse_retry_after


@pytest.mark.parametrize(
    ("status", "outcome", "retryable"),
    [
        (200, Outcome.OK, False),
        (204, Outcome.OK, False),
        (400, Outcome.REJECTED, False),
        (401, Outcome.REFRESH, False),
        (403, Outcome.REJECTED, False),
        (404, Outcome.REJECTED, False),
        (409, Outcome.REJECTED, False),
        (429, Outcome.THROTTLED, True),
        (500, Outcome.SERVER_ERROR, True),
        (502, Outcome.UNAVAILABLE, True),
        (503, Outcome.UNAVAILABLE, True),
        (504, Outcome.UNAVAILABLE, True),
    ],
)
def test_statuses_map_to_one_outcome(status, outcome, retryable):
    assert outcome_of(status) is outcome
    assert is_retryable(outcome) is retryable


@pytest.mark.parametrize(
    ("status", "idempotent", "resend"),
    [(429, False, True), (503, False, False), (503, True, True), (500, True, False)],
)
def test_only_unread_or_idempotent_requests_are_resent(status, idempotent, resend):
    assert may_resend_status(status, idempotent=idempotent) is resend


def test_transport_failures_before_sending_are_always_resendable():
    assert may_resend(httpx.ConnectError("refused"), idempotent=False)
    assert not may_resend(httpx.ReadTimeout("lost"), idempotent=False)
    assert may_resend(httpx.ReadTimeout("lost"), idempotent=True)


NOW = datetime(2026, 12, 1, 5, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("Tue, 01 Dec 2026 05:01:00 GMT", 60.0),
        ("Tue, 01 Dec 2026 04:59:00 GMT", 0.0),  # a date in the past: no wait
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    assert parse_retry_after(header, now=NOW) == seconds
