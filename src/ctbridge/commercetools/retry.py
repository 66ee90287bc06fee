"""The commercetools client's retry policy: the one policy of `ctbridge.http` (re-exported)."""

from __future__ import annotations

from ctbridge.http.outcomes import NOT_SENT, UNAVAILABLE_STATUSES, may_resend
from ctbridge.http.retry import RetryPolicy

RETRY_STATUSES = UNAVAILABLE_STATUSES

__all__ = ["NOT_SENT", "RETRY_STATUSES", "RetryPolicy", "may_resend"]
