"""Typed commercetools API errors, each either Retryable or Permanent for the worker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ctbridge.errors import Permanent, Retryable
from ctbridge.http.retry_after import parse_retry_after as parse_retry_after


class CommercetoolsError(Exception):
    """An error answered by (or on the way to) the commercetools API.

    `status` is the HTTP status (None when no response arrived), `errors` the API's error objects
    (`{"code": ..., "message": ...}`), `codes` their codes in order.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = list(errors or [])

    @property
    def codes(self) -> list[str]:
        return [str(error["code"]) for error in self.errors if "code" in error]

    def __str__(self) -> str:
        prefix = f"{self.status} " if self.status is not None else ""
        codes = f" [{', '.join(self.codes)}]" if self.codes else ""
        return f"{prefix}{self.message}{codes}"


class NotFound(CommercetoolsError, Permanent):
    """404: the resource (or the route) does not exist."""


class ConcurrentModification(CommercetoolsError, Retryable):
    """409: the version sent is not the current one; `current_version` is the server's."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 409,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, status=status, errors=errors)
        versions = [e.get("currentVersion") for e in self.errors if e.get("currentVersion")]
        self.current_version: int | None = int(versions[0]) if versions else None


class InvalidInput(CommercetoolsError, Permanent):
    """400 and other 4xx a retry cannot fix: InvalidInput, InvalidOperation, DuplicateField, ..."""


class Unauthorized(CommercetoolsError, Permanent):
    """401/403 that survived one token refresh: wrong credentials or missing scope."""


class RateLimited(CommercetoolsError, Retryable):
    """429: too many requests; `retry_after` is the server's wait in seconds, when it said."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        errors: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, errors=errors)
        self.retry_after = retry_after


class ServerError(CommercetoolsError, Retryable):
    """5xx: the platform failed; a later attempt may pass."""


class TransportError(CommercetoolsError, Retryable):
    """No usable response: connection refused or reset, timeouts, broken protocol."""


def error_from_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> CommercetoolsError:
    """The typed error for an API (or OAuth) error response."""
    message, errors = _describe(status, body)
    if status == 404:
        return NotFound(message, status=status, errors=errors)
    if status == 409:
        return ConcurrentModification(message, status=status, errors=errors)
    if status in (401, 403):
        return Unauthorized(message, status=status, errors=errors)
    if status == 429:
        retry_after = parse_retry_after((headers or {}).get("retry-after"))
        return RateLimited(message, status=status, errors=errors, retry_after=retry_after)
    if status >= 500:
        return ServerError(message, status=status, errors=errors)
    return InvalidInput(message, status=status, errors=errors)


def _describe(status: int, body: Any) -> tuple[str, list[dict[str, Any]]]:
    if not isinstance(body, dict):
        text = str(body).strip()[:300] if body else ""
        return (text or f"HTTP {status}"), []
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    if "error" in body and not errors:
        # OAuth errors: {"error": "invalid_client", "error_description": "..."}
        errors = [{"code": str(body["error"]), "message": str(body.get("error_description", ""))}]
    message = body.get("message") or body.get("error_description") or body.get("error")
    if not message and errors:
        message = errors[0].get("message")
    return str(message or f"HTTP {status}"), errors
