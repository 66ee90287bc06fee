"""Classification of commercetools error responses into Retryable and Permanent typed errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ctbridge.commercetools.errors import (
    ConcurrentModification,
    InvalidInput,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    error_from_response,
    parse_retry_after,
)
from ctbridge.errors import Permanent, Retryable


@pytest.mark.parametrize(
    ("status", "code", "kind", "retryable"),
    [
        (404, "ResourceNotFound", NotFound, False),
        (409, "ConcurrentModification", ConcurrentModification, True),
        (400, "InvalidInput", InvalidInput, False),
        (400, "InvalidOperation", InvalidInput, False),
        (400, "DuplicateField", InvalidInput, False),
        (400, "InvalidJsonInput", InvalidInput, False),
        (413, "PayloadTooLarge", InvalidInput, False),
        (401, "invalid_token", Unauthorized, False),
        (403, "insufficient_scope", Unauthorized, False),
        (429, "TooManyRequests", RateLimited, True),
        (500, "General", ServerError, True),
        (502, "BadGateway", ServerError, True),
        (503, "ServiceUnavailable", ServerError, True),
        (504, "GatewayTimeout", ServerError, True),
    ],
)
def test_status_decides_the_error_type(status, code, kind, retryable):
    body = {"statusCode": status, "message": "m", "errors": [{"code": code, "message": "m"}]}

    error = error_from_response(status, body)

    assert type(error) is kind
    assert isinstance(error, Retryable) is retryable
    assert isinstance(error, Permanent) is not retryable
    assert error.status == status
    assert error.codes == [code]


def test_conflict_carries_the_current_version():
    body = {
        "statusCode": 409,
        "message": "Object abc has a different version than expected. Expected: 1 - Actual: 4.",
        "errors": [{"code": "ConcurrentModification", "currentVersion": 4, "message": "..."}],
    }

    error = error_from_response(409, body)

    assert isinstance(error, ConcurrentModification)
    assert error.current_version == 4
    assert "different version" in error.message


def test_all_codes_of_a_multi_error_response_are_kept():
    body = {
        "statusCode": 400,
        "message": "first",
        "errors": [{"code": "DuplicateField", "field": "key"}, {"code": "InvalidField"}],
    }

    error = error_from_response(400, body)

    assert error.codes == ["DuplicateField", "InvalidField"]
    assert error.message == "first"


def test_oauth_error_bodies_become_codes():
    error = error_from_response(401, {"error": "invalid_client", "error_description": "bad"})

    assert isinstance(error, Unauthorized)
    assert error.codes == ["invalid_client"]
    assert error.message == "bad"


def test_non_json_error_body_keeps_its_text():
    error = error_from_response(502, "<html>Bad Gateway</html>")

    assert isinstance(error, ServerError)
    assert "Bad Gateway" in error.message
    assert error.codes == []


def test_rate_limited_reads_retry_after_header():
    error = error_from_response(429, {"message": "slow"}, {"retry-after": "7"})

    assert isinstance(error, RateLimited)
    assert error.retry_after == 7


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("-1", 0.0),
        ("Mon, 23 Nov 2026 12:00:30 GMT", 30.0),
        ("Mon, 23 Nov 2026 11:59:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(header, seconds):
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)

    assert parse_retry_after(header, now=now) == seconds
