"""OAuth2 client credentials: token caching, early refresh, refresh on 401, bad credentials."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import httpx
import pytest

from ctbridge.commercetools.auth import ClientCredentialsAuth, refresh_delay, token_endpoint
from ctbridge.commercetools.errors import Unauthorized
from ctbridge.errors import Permanent


@pytest.mark.parametrize(
    ("expires_in", "refresh_after"),
    [
        (172800, 172500),  # two days: five minutes before expiry
        (3600, 3300),
        (1000, 900),  # short tokens: after 90 % of their life
        (10, 9),
        (0, 0),
    ],
)
def test_tokens_are_refreshed_early(expires_in, refresh_after):
    assert refresh_delay(expires_in) == pytest.approx(refresh_after)


@pytest.mark.parametrize(
    ("auth_url", "endpoint"),
    [
        (
            "https://auth.europe-west1.gcp.commercetools.com",
            "https://auth.europe-west1.gcp.commercetools.com/oauth/token",
        ),
        ("http://127.0.0.1:9/", "http://127.0.0.1:9/oauth/token"),
        ("http://127.0.0.1:9/oauth/token", "http://127.0.0.1:9/oauth/token"),
    ],
)
def test_token_endpoint_is_under_oauth_token(auth_url, endpoint):
    assert token_endpoint(auth_url) == endpoint


async def test_token_is_fetched_once_and_reused(ctmock, recording):
    async with ctmock.client(transport=recording) as ct:
        for _ in range(5):
            await ct.query("channels")

    assert recording.count("POST", "/oauth/token") == 1
    assert recording.count("GET", "/channels") == 5


async def test_concurrent_first_requests_share_one_token_fetch(ctmock, recording):
    async with ctmock.client(transport=recording) as ct:
        await asyncio.gather(*(ct.query("channels") for _ in range(10)))

    assert recording.count("POST", "/oauth/token") == 1


async def test_token_request_uses_basic_auth_and_the_configured_scope(ctmock, recording):
    async with ctmock.client(transport=recording) as ct:
        await ct.query("channels")

    (token_request,) = [r for r in recording.requests if r.url.path == "/oauth/token"]
    form = parse_qs(token_request.content.decode())
    assert token_request.headers["authorization"].startswith("Basic ")
    assert form == {
        "grant_type": ["client_credentials"],
        "scope": [f"manage_project:{ctmock.project_key}"],
    }


async def test_wrong_secret_is_unauthorized_and_not_retried(ctmock, recording):
    async with ctmock.client(client_secret="wrong", transport=recording) as ct:
        with pytest.raises(Unauthorized) as raised:
            await ct.query("channels")

    assert raised.value.status == 401
    assert isinstance(raised.value, Permanent)
    assert recording.count("POST", "/oauth/token") == 1
    assert recording.count("GET", "/channels") == 0


async def test_a_rejected_token_is_refreshed_once_and_the_request_succeeds(ctmock, recording):
    async with ctmock.client(transport=recording) as ct:
        await ct.query("channels")
        ctmock.revoke_tokens()

        page = await ct.query("channels")

    assert "results" in page
    assert recording.count("POST", "/oauth/token") == 2
    assert recording.count("GET", "/channels") == 3


async def test_a_token_due_for_refresh_is_replaced_before_use(ctmock):
    now = [1000.0]
    async with httpx.AsyncClient() as http:
        auth = ClientCredentialsAuth(
            auth_url=ctmock.url,
            client_id=ctmock.client_id,
            client_secret=ctmock.client_secret,
            scopes=[],
            http=http,
            clock=lambda: now[0],
        )
        first = await auth.token()
        now[0] += refresh_delay(172800) - 1
        still = await auth.token()
        now[0] += 2
        fresh = await auth.token()

    assert still == first
    assert fresh != first
    assert auth.fetches == 2
