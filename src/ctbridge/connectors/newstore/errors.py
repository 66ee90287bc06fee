"""Typed failures of the NewStore connector: what a retry may fix and what it cannot."""

from __future__ import annotations

from ctbridge.errors import Permanent, Retryable
from ctbridge.http.oauth import CredentialsRefused


class NewStoreUnavailable(Retryable):
    """NewStore could not be reached, timed out or answered 5xx."""


class NewStoreRateLimited(Retryable):
    """NewStore answered 429, or kept answering 403 after a fresh token (its rate limiting)."""


class NewStoreAuthFailed(Retryable, CredentialsRefused):
    """The token endpoint refused the credentials; the worker retries later because an operator
    can fix them (not at once: asking again with the same credentials cannot help)."""


class NewStoreTokenRefused(Permanent):
    """NewStore answered 401 (no usable Authorization header) to a freshly issued token."""


class NewStoreRejected(Permanent):
    """NewStore refused the request as invalid (400/404/422): resending it cannot help."""

    def __init__(self, reason: str, *, status: int, body: object = None) -> None:
        super().__init__(reason)
        self.status = status
        self.body = body


class OrderConflict(NewStoreRejected):
    """An order with this external_id exists in NewStore with a different payload."""


class OrderMappingError(Permanent):
    """The commercetools order cannot be expressed as a valid NewStore order."""
