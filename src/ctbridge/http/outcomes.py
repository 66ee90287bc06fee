"""The one mapping from an HTTP outcome to what a caller may do: resend, refresh, or give up."""

from __future__ import annotations

from enum import Enum

import httpx


class Outcome(Enum):
    """What a response status means for the request that got it."""

    OK = "ok"
    REFRESH = "refresh"  # 401: the token was refused; one fresh token may fix it
    THROTTLED = "throttled"  # 429: refused unread, safe to resend after Retry-After
    UNAVAILABLE = "unavailable"  # 502/503/504: the target could not serve it now
    SERVER_ERROR = "server_error"  # 500 and other 5xx: usually a bug the same request hits again
    REJECTED = "rejected"  # any other 4xx: the request itself is wrong


# 502/503/504 mean "could not serve this now"; 500 is not among them: it is usually a bug the same
# request hits again at once, so it is not resent in-process (the worker still retries it later).
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})

# Failures where httpx never put the request on the wire: always safe to send again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def outcome_of(status: int) -> Outcome:
    if status < 400:
        return Outcome.OK
    if status == 401:
        return Outcome.REFRESH
    if status == 429:
        return Outcome.THROTTLED
    if status in UNAVAILABLE_STATUSES:
        return Outcome.UNAVAILABLE
    if status >= 500:
        return Outcome.SERVER_ERROR
    return Outcome.REJECTED


def is_retryable(outcome: Outcome) -> bool:
    """Whether a later attempt (in-process or by the worker) may pass: Retryable vs Permanent."""
    return outcome in (Outcome.THROTTLED, Outcome.UNAVAILABLE, Outcome.SERVER_ERROR)


# For targets whose documents say to retry every 5xx (NewStore: reference/newstore.md "retry
# policy: 5xx/429 -> exponential backoff").
SERVER_ERROR_STATUSES = frozenset(range(500, 600))


def may_resend_status(
    status: int, *, idempotent: bool, resend_statuses: frozenset[int] = UNAVAILABLE_STATUSES
) -> bool:
    """A throttled request was refused unread; a 5xx one may have been applied, so only an
    idempotent request is resent, and only for the statuses the target's policy names."""
    return status == 429 or (idempotent and status in resend_statuses)


def may_resend(error: httpx.TransportError, *, idempotent: bool) -> bool:
    """A request that may have reached the server is only resent when replaying it is harmless."""
    return idempotent or isinstance(error, NOT_SENT)
