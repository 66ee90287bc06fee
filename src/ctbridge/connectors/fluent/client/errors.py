"""Typed failures of Fluent calls, each either retryable or permanent for the worker."""

from __future__ import annotations

from typing import Any

from ctbridge.errors import Permanent, Retryable


class FluentError(Exception):
    """Base of every Fluent failure; `status` is the HTTP status when there was a response."""

    status: int | None = None


class FluentRetryable(FluentError, Retryable):
    """A Fluent failure a later attempt may fix."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None):
        Retryable.__init__(self, reason, retry_after=retry_after)
        self.status = status


class FluentPermanent(FluentError, Permanent):
    """A Fluent failure no retry can fix."""

    def __init__(self, reason: str, *, status: int | None = None):
        Permanent.__init__(self, reason)
        self.status = status


class FluentTransportError(FluentRetryable):
    """The request never got an answer (connection refused, reset, timeout)."""


class FluentServerError(FluentRetryable):
    """Fluent answered 5xx."""


class FluentRateLimited(FluentRetryable):
    """Fluent answered 429; `retry_after` says how long to wait when Fluent said so."""


class FluentAuthError(FluentPermanent):
    """The credentials were refused, or a fresh token was refused too."""


class FluentRequestRejected(FluentPermanent):
    """Fluent answered 4xx to a request (bad input, unknown entity, forbidden)."""


class FluentGraphQLErrors(FluentError):
    """A GraphQL response carried `errors`; `errors` is that list, `data` any partial data."""

    errors: list[dict[str, Any]]
    data: dict[str, Any] | None

    def codes(self) -> list[str]:
        return [str((e.get("extensions") or {}).get("code", "")) for e in self.errors]


class FluentGraphQLRetryable(FluentGraphQLErrors, FluentRetryable):
    """GraphQL errors Fluent classes as server or third-party issues (codes `S…`, `T…`)."""

    def __init__(self, reason: str, errors: list[dict[str, Any]], data: dict[str, Any] | None):
        FluentRetryable.__init__(self, reason, status=200)
        self.errors = errors
        self.data = data


class FluentGraphQLPermanent(FluentGraphQLErrors, FluentPermanent):
    """GraphQL errors the client caused: validation, permissions, unknown entity (codes `C…`)."""

    def __init__(self, reason: str, errors: list[dict[str, Any]], data: dict[str, Any] | None):
        FluentPermanent.__init__(self, reason, status=200)
        self.errors = errors
        self.data = data


class FluentDuplicateRef(FluentGraphQLPermanent):
    """A create was refused because an entity with that ref already exists."""


class FluentWorkflowFailed(FluentRetryable):
    """A synchronous event ran but its workflow failed (often: a parent entity not there yet)."""


class FluentNoMatch(FluentPermanent):
    """A synchronous event matched no workflow rule: the event name or entity is wrong."""
